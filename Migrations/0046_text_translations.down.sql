ALTER TABLE work_order_categories DROP COLUMN translations;
ALTER TABLE service_notices DROP COLUMN translations;
ALTER TABLE faq_entries DROP COLUMN translations;
ALTER TABLE tenant_branding DROP COLUMN translations;
