-- Platform: tenants, their domains and branding, operators, and the helpers every
-- tenant-owned table uses for row-level security.

-- Grants the application role (named in the migrator's session setting portico.app_role)
-- privileges on a table. Migrations run as the owner; the application role owns nothing.
CREATE FUNCTION portico_grant(privileges text, target regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    app_role text := current_setting('portico.app_role', true);
BEGIN
    IF app_role IS NULL OR app_role = '' THEN
        RAISE EXCEPTION 'portico.app_role is not set: run migrations through `portico migrate`';
    END IF;
    EXECUTE format('GRANT %s ON %s TO %I', privileges, target, app_role);
END;
$$;

-- tenant_id never changes: a row cannot be moved to another tenant.
CREATE FUNCTION portico_forbid_tenant_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.tenant_id IS DISTINCT FROM OLD.tenant_id THEN
        RAISE EXCEPTION 'tenant_id is immutable' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

-- Row-level security for a tenant-owned table: enabled AND forced (the owner is held too),
-- one policy whose USING and WITH CHECK both compare tenant_id with the transaction's
-- app.tenant_id. Without app.tenant_id a query sees nothing and a write fails.
CREATE FUNCTION portico_protect_tenant_table(target regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s '
        'USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid) '
        'WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)',
        target);
    EXECUTE format(
        'CREATE TRIGGER tenant_id_immutable BEFORE UPDATE OF tenant_id ON %s '
        'FOR EACH ROW EXECUTE FUNCTION portico_forbid_tenant_change()', target);
END;
$$;

CREATE FUNCTION portico_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TABLE tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$'),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    theme text NOT NULL DEFAULT 'default' CHECK (theme ~ '^[a-z0-9_-]{1,40}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER tenants_updated_at BEFORE UPDATE ON tenants FOR EACH ROW EXECUTE FUNCTION portico_touch_updated_at();
SELECT portico_grant('SELECT, INSERT, UPDATE', 'tenants');

-- A host that maps to one tenant: its platform subdomain, or a custom domain that becomes
-- active once its DNS TXT record is verified. Only one tenant can hold a verified domain.
CREATE TABLE tenant_domains (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    domain text NOT NULL CHECK (domain = lower(domain) AND length(domain) BETWEEN 1 AND 253),
    kind text NOT NULL CHECK (kind IN ('platform', 'custom')),
    -- The TXT record value asked for: published in DNS, so not a secret.
    verification_token text NOT NULL,
    verified_at timestamptz,
    is_primary boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, domain),
    CHECK (NOT is_primary OR verified_at IS NOT NULL)
);
CREATE UNIQUE INDEX tenant_domains_active_domain ON tenant_domains (domain) WHERE verified_at IS NOT NULL;
CREATE UNIQUE INDEX tenant_domains_one_primary ON tenant_domains (tenant_id) WHERE is_primary;
SELECT portico_protect_tenant_table('tenant_domains');
-- Host → tenant lookups happen before any tenant is known. Which tenant answers for a host
-- is public (anyone can resolve the name and open the portal), so reading is open; writing
-- still needs the tenant.
CREATE POLICY domain_lookup ON tenant_domains FOR SELECT USING (true);
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'tenant_domains');

CREATE TABLE tenant_branding (
    tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    company_name text NOT NULL CHECK (length(btrim(company_name)) BETWEEN 1 AND 200),
    logo_url text CHECK (length(logo_url) <= 2000),
    favicon_url text CHECK (length(favicon_url) <= 2000),
    color_primary text NOT NULL DEFAULT '#1f5fbf' CHECK (color_primary ~ '^#[0-9a-f]{6}$'),
    color_secondary text NOT NULL DEFAULT '#4b5563' CHECK (color_secondary ~ '^#[0-9a-f]{6}$'),
    color_accent text NOT NULL DEFAULT '#b45309' CHECK (color_accent ~ '^#[0-9a-f]{6}$'),
    color_background text NOT NULL DEFAULT '#ffffff' CHECK (color_background ~ '^#[0-9a-f]{6}$'),
    color_text text NOT NULL DEFAULT '#1f2933' CHECK (color_text ~ '^#[0-9a-f]{6}$'),
    support_email text CHECK (length(support_email) <= 254),
    support_phone text CHECK (length(support_phone) <= 40),
    support_hours text CHECK (length(support_hours) <= 200),
    website_url text CHECK (length(website_url) <= 2000),
    welcome_message text NOT NULL DEFAULT '' CHECK (length(welcome_message) <= 2000),
    footer_text text NOT NULL DEFAULT '' CHECK (length(footer_text) <= 1000),
    custom_css text NOT NULL DEFAULT '' CHECK (length(custom_css) <= 50000),
    version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER tenant_branding_updated_at BEFORE UPDATE ON tenant_branding FOR EACH ROW EXECUTE FUNCTION portico_touch_updated_at();
SELECT portico_protect_tenant_table('tenant_branding');
SELECT portico_grant('SELECT, INSERT, UPDATE', 'tenant_branding');

-- Platform operators belong to no tenant.
CREATE TABLE operators (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    password_hash text,
    status text NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'active', 'deactivated')),
    totp_secret text,
    totp_enabled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at timestamptz
);
CREATE UNIQUE INDEX operators_email ON operators (email);
CREATE TRIGGER operators_updated_at BEFORE UPDATE ON operators FOR EACH ROW EXECUTE FUNCTION portico_touch_updated_at();
SELECT portico_grant('SELECT, INSERT, UPDATE', 'operators');
