import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// The second wall: PostgreSQL row-level security, checked in the catalog and in behaviour.
@Suite("Tenant isolation in the database")
struct DatabaseIsolationTests {
    @Test("every table with a tenant_id has RLS enabled and forced, with a USING and a WITH CHECK on app.tenant_id")
    func catalog() async throws {
        let pool = try await TestCluster.database().appPool
        let tables = try await TenantCatalog.tables(in: pool)
        #expect(tables.count >= 17)
        for table in tables {
            let row = try #require(
                try await pool.query(
                    """
                    SELECT c.relrowsecurity, c.relforcerowsecurity,
                           (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation'
                               AND p.polcmd = '*' AND pg_get_expr(p.polqual, p.polrelid) LIKE '%current_setting(''app.tenant_id''::text, true)%'
                               AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%current_setting(''app.tenant_id''::text, true)%')::int AS policies,
                           (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'tenant_id_immutable')::int AS immutable
                      FROM pg_class c WHERE c.relname = \(table) AND c.relnamespace = 'public'::regnamespace
                    """
                ).rows.first)
            #expect(try row.decode("relrowsecurity", as: Bool.self), "\(table): RLS not enabled")
            #expect(try row.decode("relforcerowsecurity", as: Bool.self), "\(table): RLS not forced")
            #expect(try row.decode("policies", as: Int.self) == 1, "\(table): no tenant_isolation policy with USING and WITH CHECK")
            #expect(try row.decode("immutable", as: Int.self) == 1, "\(table): tenant_id not protected against change")
        }
        // pg_dump's read path: on every tenant table, SELECT only, only for the table's owner
        // (never the application role), and only with portico.backup = on.
        for table in tables {
            let backup = try #require(
                try await pool.query(
                    """
                    SELECT count(*)::int AS policies,
                           bool_and(p.polcmd = 'r' AND p.polroles = ARRAY[c.relowner]
                                    AND pg_get_expr(p.polqual, p.polrelid) LIKE '%current_setting(''portico.backup''::text, true) = ''on''%') AS shaped,
                           bool_or((SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user) = ANY (p.polroles)) AS reaches_app
                      FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
                     WHERE c.relname = \(table) AND c.relnamespace = 'public'::regnamespace AND p.polname = 'portico_backup_read'
                    """
                ).rows.first)
            #expect(try backup.decode("policies", as: Int.self) == 1, "\(table): no portico_backup_read policy")
            #expect(
                try backup.decode("shaped", as: Bool?.self) == true, "\(table): portico_backup_read is not owner-only SELECT gated on portico.backup")
            #expect(try backup.decode("reaches_app", as: Bool?.self) == false, "\(table): portico_backup_read applies to the application role")
        }
        // The operator's platform report (migration 0036): on the three tables it counts,
        // SELECT only, only for the owner (inside the SECURITY DEFINER counting functions),
        // only with portico.platform_report = on.
        let platform = try await pool.query(
            """
            SELECT c.relname, p.polcmd = 'r' AND p.polroles = ARRAY[c.relowner]
                   AND pg_get_expr(p.polqual, p.polrelid) LIKE '%current_setting(''portico.platform_report''::text, true) = ''on''%' AS shaped,
                   (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user) = ANY (p.polroles) AS reaches_app
              FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE p.polname = 'portico_platform_report' ORDER BY 1
            """
        ).rows.map {
            "\(try $0.decode("relname", as: String.self)):\(try $0.decode("shaped", as: Bool.self)):\(try $0.decode("reaches_app", as: Bool.self))"
        }
        #expect(platform == ["customers:true:false", "organizations:true:false", "work_orders:true:false"])
        // Maintenance's due-work scan (migration 0039): the same shape, gated on
        // portico.maintenance_scan, on the tables whose due rows it looks for.
        let scan = try await pool.query(
            """
            SELECT c.relname, p.polcmd = 'r' AND p.polroles = ARRAY[c.relowner]
                   AND pg_get_expr(p.polqual, p.polrelid) LIKE '%current_setting(''portico.maintenance_scan''::text, true) = ''on''%' AS shaped,
                   (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user) = ANY (p.polroles) AS reaches_app
              FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE p.polname = 'portico_maintenance_scan' ORDER BY 1
            """
        ).rows.map {
            "\(try $0.decode("relname", as: String.self)):\(try $0.decode("shaped", as: Bool.self)):\(try $0.decode("reaches_app", as: Bool.self))"
        }
        #expect(
            scan
                == [
                    "account_tokens", "api_tokens", "appointments", "audit_events", "outbox", "retention_runs", "sessions",
                    "tenant_settings", "webhook_deliveries", "work_orders",
                ].map { "\($0):true:false" })
        // The only other policies: the public domain lookup (read-only), the API usage flusher's
        // add-only counts (read/insert/update, never delete), the outbox delivery worker's
        // read/update and the webhook delivery worker's (read endpoints, read/update
        // deliveries; attempts are logged in the tenant's own transaction), each gated on its
        // own app.worker value.
        let extra = try await pool.query(
            """
            SELECT c.relname || '.' || p.polname || ':' || p.polcmd::text AS policy FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
             WHERE p.polname NOT IN ('tenant_isolation', 'portico_backup_read', 'portico_platform_report', 'portico_maintenance_scan') ORDER BY 1
            """
        ).rows.map { try $0.decode("policy", as: String.self) }
        #expect(
            extra == [
                "api_usage_daily.api_usage_flush_insert:a", "api_usage_daily.api_usage_flush_read:r",
                "api_usage_daily.api_usage_flush_update:w", "outbox.outbox_delivery_read:r", "outbox.outbox_delivery_update:w",
                "tenant_domains.domain_lookup:r",
                "webhook_deliveries.webhook_deliveries_delivery_read:r", "webhook_deliveries.webhook_deliveries_delivery_update:w",
                "webhook_endpoints.webhook_endpoints_delivery_read:r",
            ])
        // Each worker value opens exactly its own tables.
        let byWorker = try await pool.query(
            """
            SELECT substring(coalesce(pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)) FROM '= ''([a-z_]+)''') AS worker,
                   string_agg(DISTINCT c.relname, ',' ORDER BY c.relname) AS tables
              FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
             WHERE p.polname NOT IN ('tenant_isolation', 'domain_lookup', 'portico_backup_read', 'portico_platform_report', 'portico_maintenance_scan')
             GROUP BY 1 ORDER BY 1
            """
        ).rows.map { "\(try $0.decode("worker", as: String.self)):\(try $0.decode("tables", as: String.self))" }
        #expect(byWorker == ["api_usage:api_usage_daily", "outbox_delivery:outbox", "webhook_delivery:webhook_deliveries,webhook_endpoints"])
    }

    @Test("the application role owns nothing and is neither superuser nor BYPASSRLS")
    func applicationRole() async throws {
        let pool = try await TestCluster.database().appPool
        let row = try #require(
            try await pool.query(
                """
                SELECT r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb,
                       (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid)::int AS owned_relations,
                       (SELECT count(*) FROM pg_proc p WHERE p.proowner = r.oid)::int AS owned_functions
                  FROM pg_roles r WHERE r.rolname = current_user
                """
            ).rows.first)
        #expect(try row.decode("rolsuper", as: Bool.self) == false)
        #expect(try row.decode("rolbypassrls", as: Bool.self) == false)
        #expect(try row.decode("rolcreaterole", as: Bool.self) == false)
        #expect(try row.decode("owned_relations", as: Int.self) == 0)
        #expect(try row.decode("owned_functions", as: Int.self) == 0)
        // and serve's start-up check agrees
        try await DatabaseBootstrap.verifyApplicationRole(pool: pool)
    }

    @Test("serve refuses to run as a superuser")
    func refusesSuperuser() async throws {
        let database = try await TestCluster.database()
        let admin = ConnectionPool(
            configuration: PoolConfiguration(conninfo: database.adminURL(database: database.handle.credentials.database), maxConnections: 1))
        let error = await #expect(throws: ConfigurationError.self) { try await DatabaseBootstrap.verifyApplicationRole(pool: admin) }
        #expect(error?.variable == "DATABASE_URL")
        #expect(error?.message.contains("superuser") == true)
        await admin.close()
    }

    @Test("without app.tenant_id every tenant table reads empty and every insert fails")
    func noTenantSeesNothing() async throws {
        let tenant = try await TestTenant.create()
        _ = try await tenant.subscriber()
        let pool = try await TestCluster.database().appPool
        for table in try await TenantCatalog.tables(in: pool) {
            let visible = try await pool.withTransaction { transaction in
                // The table name comes from the catalog, quoted by format(%I).
                try await transaction.scalar(
                    """
                    SELECT (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', \(table)::text), false, true, '')))[1]::text::int
                    """, as: Int.self)
            }
            #expect(visible == 0 || table == "tenant_domains", "\(table) shows \(visible ?? -1) rows without a tenant")
        }
        let insert = await #expect(throws: PostgresError.self) {
            try await pool.withTransaction { transaction in
                try await transaction.execute("INSERT INTO organizations (tenant_id, account_number, name) VALUES (\(tenant.id), 'x1', 'Sneaky')")
            }
        }
        #expect(insert?.sqlState == .insufficientPrivilege || insert?.message.contains("row-level security") == true)
        let branding = await #expect(throws: PostgresError.self) {
            try await pool.withTransaction { transaction in
                try await transaction.execute(
                    "INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token) VALUES (\(tenant.id), 'x.example.net', 'custom', 't')")
            }
        }
        #expect(branding?.message.contains("row-level security") == true)
    }

    @Test("a tenant cannot write rows for another tenant, point at another tenant's rows, or move a row")
    func crossTenantWritesFail() async throws {
        let tenantA = try await TestTenant.create()
        let tenantB = try await TestTenant.create()
        let (organizationB, _) = try await tenantB.subscriber()
        let (organizationA, _) = try await tenantA.subscriber()

        // Writing a row that claims tenant B while scoped to A: WITH CHECK refuses it.
        let wrongTenant = await #expect(throws: PostgresError.self) {
            try await tenantA.transaction { tx in
                try await tx.execute("INSERT INTO organizations (tenant_id, account_number, name) VALUES (\(tenantB.id), 'zz', 'Planted')")
            }
        }
        #expect(wrongTenant?.message.contains("row-level security") == true)

        // A child row in A pointing at B's organization: the composite foreign key refuses it.
        let childRow = await #expect(throws: PostgresError.self) {
            try await tenantA.transaction { tx in
                try await tx.execute(
                    """
                    INSERT INTO notes (tenant_id, organization_id, body) VALUES (\(tenantA.id), \(organizationB.id), 'points elsewhere')
                    """)
            }
        }
        #expect(childRow?.sqlState == .foreignKeyViolation)

        // Moving A's row to B: the immutability trigger (and RLS) refuse it.
        let move = await #expect(throws: PostgresError.self) {
            try await tenantA.transaction { tx in
                try await tx.execute("UPDATE organizations SET tenant_id = \(tenantB.id) WHERE id = \(organizationA.id)")
            }
        }
        #expect(move != nil)
        // A's organization is still A's.
        let still = try await tenantA.transaction { tx in try await Repositories.postgres.organizations.find(id: organizationA.id, in: tx) }
        #expect(still != nil)
    }
}
