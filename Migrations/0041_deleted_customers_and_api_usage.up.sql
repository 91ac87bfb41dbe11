-- Two things the integration API and the reports were missing.

-- A tombstone per erased customer (a deleted portal login), so a billing or CRM system that
-- syncs customers learns that one is gone (`GET /api/v1/admin/deleted-customers`, and the
-- `customer.deleted` webhook). Ids only: the person's name, email and phone are not kept.
-- No foreign keys to the customer or organization: the tombstone outlives both.
CREATE TABLE deleted_customers (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    external_id text,
    organization_id uuid NOT NULL,
    organization_external_id text,
    deleted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX deleted_customers_sync ON deleted_customers (tenant_id, deleted_at, id);
SELECT portico_protect_tenant_table('deleted_customers');
SELECT portico_grant('SELECT, INSERT', 'deleted_customers');

-- API requests per tenant, day (UTC) and surface: each instance counts in memory and adds its
-- counts here about once a minute, in one statement for every tenant at once. The flusher says
-- so by setting app.worker = 'api_usage' in its own transaction; it can add to counts but not
-- delete them, and no other worker can touch this table.
CREATE TABLE api_usage_daily (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    day date NOT NULL,
    surface text NOT NULL CHECK (surface IN ('subscriber', 'integration')),
    requests bigint NOT NULL CHECK (requests >= 0),
    PRIMARY KEY (tenant_id, day, surface)
);
SELECT portico_protect_tenant_table('api_usage_daily');
CREATE POLICY api_usage_flush_read ON api_usage_daily FOR SELECT USING (current_setting('app.worker', true) = 'api_usage');
CREATE POLICY api_usage_flush_insert ON api_usage_daily FOR INSERT WITH CHECK (current_setting('app.worker', true) = 'api_usage');
CREATE POLICY api_usage_flush_update ON api_usage_daily FOR UPDATE
    USING (current_setting('app.worker', true) = 'api_usage')
    WITH CHECK (current_setting('app.worker', true) = 'api_usage');
SELECT portico_grant('SELECT, INSERT, UPDATE', 'api_usage_daily');
