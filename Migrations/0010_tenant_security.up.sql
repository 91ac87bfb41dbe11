-- Session and security options per tenant, within safe bounds (the console refuses anything
-- outside them with a clear message; the checks here are the last line of defence).
ALTER TABLE tenant_settings
    ADD COLUMN staff_idle_minutes integer NOT NULL DEFAULT 30 CHECK (staff_idle_minutes BETWEEN 5 AND 60),
    ADD COLUMN customer_idle_hours integer NOT NULL DEFAULT 24 CHECK (customer_idle_hours BETWEEN 1 AND 72),
    ADD COLUMN remember_me_days integer NOT NULL DEFAULT 90 CHECK (remember_me_days BETWEEN 1 AND 90),
    ADD COLUMN require_staff_totp boolean NOT NULL DEFAULT false;

-- The console keeps categories and FAQ entries in a chosen order.
CREATE INDEX work_order_categories_order ON work_order_categories (tenant_id, position);
CREATE INDEX faq_entries_order ON faq_entries (tenant_id, position);
