-- Integration API keys: created by a tenant's admins for their billing/CRM systems. Only the
-- SHA-256 of a key is stored; `key_prefix` (the first characters) lets people tell keys apart.
CREATE TABLE api_keys (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    key_prefix text NOT NULL CHECK (length(key_prefix) BETWEEN 4 AND 20),
    key_hash text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    scopes text[] NOT NULL CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['read', 'write']::text[]),
    created_by_staff_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, key_hash),
    FOREIGN KEY (tenant_id, created_by_staff_id) REFERENCES staff_users (tenant_id, id)
);
SELECT portico_protect_tenant_table('api_keys');
SELECT portico_grant('SELECT, INSERT, UPDATE', 'api_keys');

-- Equipment synced from a billing system: upserted by its external id, listed by change time.
ALTER TABLE equipment
    ADD COLUMN external_id text CHECK (length(external_id) BETWEEN 1 AND 200),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT equipment_tenant_id_external_id_key UNIQUE (tenant_id, external_id);
CREATE TRIGGER equipment_updated_at BEFORE UPDATE ON equipment FOR EACH ROW EXECUTE FUNCTION portico_touch_updated_at();

-- Sync listings walk (updated_at, id).
CREATE INDEX organizations_sync ON organizations (tenant_id, updated_at, id);
CREATE INDEX customers_sync ON customers (tenant_id, updated_at, id);
