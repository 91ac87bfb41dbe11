DROP INDEX customers_sync;
DROP INDEX organizations_sync;
DROP TRIGGER equipment_updated_at ON equipment;
ALTER TABLE equipment
    DROP CONSTRAINT equipment_tenant_id_external_id_key,
    DROP COLUMN updated_at,
    DROP COLUMN external_id;
DROP TABLE api_keys;
