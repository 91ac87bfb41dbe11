import Postgres

/// What the database catalog says about tenant data, for tests that must cover every tenant table.
public enum TenantCatalog {
    /// Tables with a tenant_id column, read from the catalog (so a new table cannot be forgotten).
    public static func tables(in pool: ConnectionPool) async throws -> [String] {
        try await pool.query(
            """
            SELECT c.relname FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1
            """
        ).rows.map { try $0.decode("relname", as: String.self) }
    }
}
