ALTER TABLE tenant_settings DROP COLUMN api_cors_origins;
