ALTER TABLE tenant_branding DROP COLUMN logo_key, DROP COLUMN logo_type, DROP COLUMN favicon_key, DROP COLUMN favicon_type;
