DROP INDEX faq_entries_order;
DROP INDEX work_order_categories_order;
ALTER TABLE tenant_settings
    DROP COLUMN require_staff_totp,
    DROP COLUMN remember_me_days,
    DROP COLUMN customer_idle_hours,
    DROP COLUMN staff_idle_minutes;
