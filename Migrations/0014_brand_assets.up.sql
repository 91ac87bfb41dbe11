-- Uploaded logo and favicon: the blob key under the tenant's files and the checked type.
-- `logo_url` / `favicon_url` then point at Portico's own `/branding/logo|favicon`.
ALTER TABLE tenant_branding
    ADD COLUMN logo_key text CHECK (logo_key ~ '^[A-Za-z0-9_-]{16,64}$'),
    ADD COLUMN logo_type text CHECK (logo_type IN ('image/png', 'image/svg+xml')),
    ADD COLUMN favicon_key text CHECK (favicon_key ~ '^[A-Za-z0-9_-]{16,64}$'),
    ADD COLUMN favicon_type text CHECK (favicon_type IN ('image/png', 'image/svg+xml', 'image/x-icon')),
    ADD CHECK ((logo_key IS NULL) = (logo_type IS NULL)),
    ADD CHECK ((favicon_key IS NULL) = (favicon_type IS NULL));
