ALTER TABLE sessions DROP CONSTRAINT sessions_tenant_id_id_key;
ALTER TABLE sessions DROP COLUMN id;
