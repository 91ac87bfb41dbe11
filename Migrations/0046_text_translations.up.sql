-- Issue 17: a tenant's own texts in its other languages. The default language's text stays in
-- its column (exports, imports and the API are unchanged); the others live beside it as
-- {"<language>": {"<field>": "<text>"}}, so they share the row's tenant, RLS and lifetime
-- (deleting a question, notice or category deletes its translations with it).
ALTER TABLE tenant_branding ADD COLUMN translations jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT tenant_branding_translations_object CHECK (jsonb_typeof(translations) = 'object');
ALTER TABLE faq_entries ADD COLUMN translations jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT faq_entries_translations_object CHECK (jsonb_typeof(translations) = 'object');
ALTER TABLE service_notices ADD COLUMN translations jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT service_notices_translations_object CHECK (jsonb_typeof(translations) = 'object');
ALTER TABLE work_order_categories ADD COLUMN translations jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT work_order_categories_translations_object CHECK (jsonb_typeof(translations) = 'object');
