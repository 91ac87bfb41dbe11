-- Issue 17: each tenant's languages, and each person's choice.
-- The language codes are the catalogs Portico ships (Locales/*.json); the application checks
-- them, the database keeps the default among the offered ones.
ALTER TABLE tenants
    ADD COLUMN default_language text NOT NULL DEFAULT 'en',
    ADD COLUMN offered_languages text[] NOT NULL DEFAULT '{en}',
    ADD CONSTRAINT tenants_default_language_offered CHECK (default_language = ANY (offered_languages));

-- NULL: no choice made; the portal negotiates from Accept-Language and the tenant's default.
ALTER TABLE customers ADD COLUMN language text;
ALTER TABLE staff_users ADD COLUMN language text;
