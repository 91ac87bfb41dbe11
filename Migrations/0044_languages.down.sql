ALTER TABLE staff_users DROP COLUMN language;
ALTER TABLE customers DROP COLUMN language;
ALTER TABLE tenants
    DROP CONSTRAINT tenants_default_language_offered,
    DROP COLUMN offered_languages,
    DROP COLUMN default_language;
