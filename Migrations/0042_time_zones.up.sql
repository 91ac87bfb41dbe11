-- Issue 17: every time a person sees or enters is in the tenant's zone (an IANA name, checked
-- against the system zone database by the app), or in a staff member's own zone in the console.
-- Existing tenants keep showing UTC until they choose.
ALTER TABLE tenants ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC'
    CHECK (time_zone ~ '^[A-Za-z0-9_+/-]{1,64}$');
ALTER TABLE staff_users ADD COLUMN time_zone text
    CHECK (time_zone IS NULL OR time_zone ~ '^[A-Za-z0-9_+/-]{1,64}$');
