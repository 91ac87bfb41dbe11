DROP TABLE operators;
DROP TABLE tenant_branding;
DROP TABLE tenant_domains;
DROP TABLE tenants;
DROP FUNCTION portico_touch_updated_at();
DROP FUNCTION portico_protect_tenant_table(regclass);
DROP FUNCTION portico_forbid_tenant_change();
DROP FUNCTION portico_grant(text, regclass);
