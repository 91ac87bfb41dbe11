import Foundation
import Portico
import PorticoCrypto
import Postgres

/// Puts rows into every table the migrations create, so that the down migrations are
/// exercised against a database holding data: the demo tenants, plus the tables the demo
/// does not touch.
public enum DemoSeedForMigrations {
    public static func fill(ownerPool: ConnectionPool) async throws {
        let hasher = PasswordHasher(parameters: Argon2Parameters(memoryKiB: 19_456, iterations: 2), concurrency: 1)
        _ = try await DemoData(pool: ownerPool, configuration: TestApp.configuration(), hasher: hasher).seed()
        await hasher.shutdown()
        let tenant = try await ownerPool.query("SELECT id FROM tenants WHERE slug = 'acme'").rows.first!.decode("id", as: UUID.self)
        try await ownerPool.withTenant(tenant) { transaction in
            try await transaction.run(script: tenantScript)
        }
        try await ownerPool.withConnection { try await $0.run(script: platformScript) }
    }

    /// Runs with app.tenant_id set to the acme tenant.
    static let tenantScript = """
        INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token, verified_at, is_primary)
             VALUES (current_setting('app.tenant_id')::uuid, 'portal.acme-migrations.example', 'custom', 'x', now(), true);
        INSERT INTO attachments (tenant_id, work_order_id, file_name, content_type, size_bytes, sha256, storage_key, uploaded_by_kind)
             SELECT tenant_id, id, 'photo.jpg', 'image/jpeg', 10, repeat('a', 64), 'key' || number || 'abcdefghijklmnop', 'customer'
               FROM work_orders LIMIT 1;
        INSERT INTO sessions (tenant_id, token_hash, principal_kind, principal_id, csrf_token, idle_timeout_seconds, expires_at)
             SELECT tenant_id, repeat('b', 64), 'customer', id, repeat('c', 43), 3600, now() + interval '1 day' FROM customers LIMIT 1;
        INSERT INTO account_tokens (tenant_id, token_hash, kind, email, expires_at)
             VALUES (current_setting('app.tenant_id')::uuid, repeat('d', 64), 'verify_email', 'x@example.net', now() + interval '1 day');
        INSERT INTO staff_recovery_codes (tenant_id, staff_id, code_hash)
             SELECT tenant_id, id, repeat('e', 64) FROM staff_users LIMIT 1;
        INSERT INTO audit_events (tenant_id, actor_kind, action) VALUES (current_setting('app.tenant_id')::uuid, 'system', 'test.seed');
        INSERT INTO outbox (tenant_id, kind, recipient, subject, text_body, message_id)
             VALUES (current_setting('app.tenant_id')::uuid, 'test', 'x@example.net', 'Hello', 'Body', 'm1@acme.localhost');
        INSERT INTO tenant_settings (tenant_id) VALUES (current_setting('app.tenant_id')::uuid)
            ON CONFLICT (tenant_id) DO NOTHING;
        INSERT INTO calendar_feeds (tenant_id, organization_id, token_hash)
             SELECT tenant_id, id, repeat('a', 64) FROM organizations LIMIT 1;
        INSERT INTO api_tokens (tenant_id, token_hash, kind, family_id, customer_id, expires_at)
             SELECT tenant_id, repeat('9', 64), 'refresh', gen_random_uuid(), id, now() + interval '1 day' FROM customers LIMIT 1;
        INSERT INTO api_keys (tenant_id, name, key_prefix, key_hash, scopes)
             VALUES (current_setting('app.tenant_id')::uuid, 'Billing', 'pk_abcd', repeat('8', 64), '{read,write}');
        INSERT INTO webhook_endpoints (tenant_id, url, events, secret)
             VALUES (current_setting('app.tenant_id')::uuid, 'https://hooks.example.net/portico', '{work_order.created}', repeat('a', 64));
        INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload)
             SELECT tenant_id, id, gen_random_uuid(), 'work_order.created', '{}' FROM webhook_endpoints LIMIT 1;
        INSERT INTO webhook_attempts (tenant_id, delivery_id, attempt, status_code, duration_ms)
             SELECT tenant_id, id, 1, 500, 12 FROM webhook_deliveries LIMIT 1;
        INSERT INTO deletion_requests (tenant_id, customer_id, organization_id, reason)
             SELECT tenant_id, id, organization_id, 'Moving away' FROM customers LIMIT 1;
        INSERT INTO retention_runs (tenant_id, removed, total) VALUES (current_setting('app.tenant_id')::uuid, '{"sent_mail": 2}', 2);
        INSERT INTO deleted_customers (tenant_id, id, external_id, organization_id)
             SELECT tenant_id, gen_random_uuid(), 'crm-gone', id FROM organizations LIMIT 1;
        INSERT INTO api_usage_daily (tenant_id, day, surface, requests) VALUES (current_setting('app.tenant_id')::uuid, current_date, 'integration', 3);
        """

    static let platformScript = """
        INSERT INTO operators (email) VALUES ('op@example.net');
        INSERT INTO operator_sessions (token_hash, operator_id, csrf_token, idle_timeout_seconds, expires_at)
             SELECT repeat('f', 64), id, repeat('g', 43), 1800, now() + interval '1 hour' FROM operators LIMIT 1;
        INSERT INTO operator_tokens (token_hash, kind, operator_id, expires_at)
             SELECT repeat('a', 64), 'setup', id, now() + interval '1 day' FROM operators LIMIT 1;
        INSERT INTO operator_recovery_codes (operator_id, code_hash) SELECT id, repeat('c', 64) FROM operators LIMIT 1;
        INSERT INTO rate_limits (bucket, window_started_at, hits) VALUES ('test', now(), 1);
        INSERT INTO platform_audit_events (actor_kind, actor_label, action, target_kind, target_id)
             VALUES ('cli', 'root@host', 'tenant.exported', 'tenant', 'acme');
        INSERT INTO backup_runs (trigger, status, finished_at, file_name, size_bytes, migration_level)
             VALUES ('cli', 'succeeded', now(), 'portico-backup-20260101T000000Z.tar', 1024, 32);
        """
}
