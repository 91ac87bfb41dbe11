import Foundation
import Postgres

/// Puts at least one row into every table the migrations create, so that the down
/// migrations are exercised against a database holding data.
public enum DemoSeedForMigrations {
    public static func fill(ownerPool: ConnectionPool) async throws {
        let tenant = try await ownerPool.query("SELECT id FROM tenants WHERE slug = 'mig-test'").rows.first!.decode("id", as: UUID.self)
        try await ownerPool.withTenant(tenant) { transaction in
            try await transaction.run(script: script)
        }
    }

    /// Statements run with app.tenant_id set to the 'mig-test' tenant.
    static let script = """
        INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token, verified_at, is_primary)
             VALUES (current_setting('app.tenant_id')::uuid, 'mig-test.localhost', 'platform', 'x', now(), true);
        INSERT INTO tenant_branding (tenant_id, company_name) VALUES (current_setting('app.tenant_id')::uuid, 'Migration test');
        INSERT INTO operators (email) VALUES ('op@example.net');
        """
}
