-- Tenant-owned data. Every table: tenant_id first in the primary key, in every foreign key
-- and every unique key (a row can never point into another tenant), indexes leading with
-- tenant_id, row-level security enabled and forced, tenant_id immutable.

-- Tenancy changes reach every instance's resolution cache through NOTIFY, whatever made
-- them (CLI, operator console, staff console, psql).
CREATE FUNCTION portico_notify_tenancy() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed uuid;
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        changed := COALESCE(NEW.id, OLD.id);
    ELSE
        changed := COALESCE(NEW.tenant_id, OLD.tenant_id);
    END IF;
    PERFORM pg_notify('portico_tenancy', changed::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER tenants_notify AFTER INSERT OR UPDATE OR DELETE ON tenants FOR EACH ROW EXECUTE FUNCTION portico_notify_tenancy();
CREATE TRIGGER tenant_domains_notify AFTER INSERT OR UPDATE OR DELETE ON tenant_domains FOR EACH ROW EXECUTE FUNCTION portico_notify_tenancy();
CREATE TRIGGER tenant_branding_notify AFTER INSERT OR UPDATE OR DELETE ON tenant_branding FOR EACH ROW EXECUTE FUNCTION portico_notify_tenancy();

-- Per-tenant counters (work-order numbers, account numbers): a row lock per counter.
CREATE TABLE tenant_counters (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name text NOT NULL,
    value bigint NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
SELECT portico_protect_tenant_table('tenant_counters');
SELECT portico_grant('SELECT, INSERT, UPDATE', 'tenant_counters');

CREATE TABLE organizations (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    account_number text NOT NULL CHECK (length(account_number) BETWEEN 1 AND 64),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    kind text NOT NULL DEFAULT 'household' CHECK (kind IN ('household', 'business')),
    service_address text NOT NULL DEFAULT '' CHECK (length(service_address) <= 500),
    service_plan text NOT NULL DEFAULT '' CHECK (length(service_plan) <= 200),
    service_status text NOT NULL DEFAULT 'pending_install'
        CHECK (service_status IN ('active', 'suspended', 'pending_install', 'cancelled')),
    external_id text CHECK (length(external_id) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, account_number),
    UNIQUE (tenant_id, external_id)
);
CREATE INDEX organizations_name ON organizations (tenant_id, lower(name));
CREATE TRIGGER organizations_updated_at BEFORE UPDATE ON organizations FOR EACH ROW EXECUTE FUNCTION portico_touch_updated_at();
SELECT portico_protect_tenant_table('organizations');
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'organizations');

-- Customer premises equipment.
CREATE TABLE equipment (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    model text NOT NULL DEFAULT '' CHECK (length(model) <= 200),
    serial text NOT NULL DEFAULT '' CHECK (length(serial) <= 200),
    mac text NOT NULL DEFAULT '' CHECK (mac = '' OR mac ~ '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$'),
    installed_on date,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX equipment_organization ON equipment (tenant_id, organization_id);
SELECT portico_protect_tenant_table('equipment');
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'equipment');

CREATE TABLE staff_users (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    role text NOT NULL CHECK (role IN ('admin', 'agent', 'technician')),
    status text NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'active', 'deactivated')),
    password_hash text,
    totp_secret text,
    totp_enabled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email)
);
CREATE TRIGGER staff_users_updated_at BEFORE UPDATE ON staff_users FOR EACH ROW EXECUTE FUNCTION portico_touch_updated_at();
SELECT portico_protect_tenant_table('staff_users');
SELECT portico_grant('SELECT, INSERT, UPDATE', 'staff_users');

CREATE TABLE customers (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    role text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'member')),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    email_verified_at timestamptz,
    phone text NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
    -- Digits only, for sign-in by phone number.
    phone_digits text NOT NULL DEFAULT '' CHECK (phone_digits ~ '^[0-9]*$'),
    password_hash text,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active', 'suspended', 'locked')),
    notification_preferences jsonb NOT NULL DEFAULT '{}',
    external_id text CHECK (length(external_id) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email),
    UNIQUE (tenant_id, external_id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX customers_organization ON customers (tenant_id, organization_id);
CREATE INDEX customers_phone ON customers (tenant_id, phone_digits) WHERE phone_digits <> '';
CREATE TRIGGER customers_updated_at BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION portico_touch_updated_at();
SELECT portico_protect_tenant_table('customers');
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'customers');

CREATE TABLE work_orders (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    number integer NOT NULL CHECK (number > 0),
    organization_id uuid NOT NULL,
    title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    category text NOT NULL DEFAULT '' CHECK (length(category) <= 100),
    priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    quantity integer NOT NULL DEFAULT 1 CHECK (quantity BETWEEN 1 AND 100000),
    service_location text NOT NULL DEFAULT '' CHECK (length(service_location) <= 500),
    preferred_dates text NOT NULL DEFAULT '' CHECK (length(preferred_dates) <= 500),
    customer_notes text NOT NULL DEFAULT '' CHECK (length(customer_notes) <= 5000),
    -- Shop notes are shown to the subscriber; internal notes never are.
    shop_notes text NOT NULL DEFAULT '' CHECK (length(shop_notes) <= 5000),
    internal_notes text NOT NULL DEFAULT '' CHECK (length(internal_notes) <= 10000),
    status text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'submitted', 'approved', 'in_progress', 'waiting', 'completed', 'rejected', 'cancelled')),
    progress integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    estimated_completion timestamptz,
    due_date date,
    assignee_id uuid,
    created_by_customer_id uuid,
    created_by_staff_id uuid,
    submitted_at timestamptz,
    approved_at timestamptz,
    completed_at timestamptz,
    closed_reason text NOT NULL DEFAULT '' CHECK (length(closed_reason) <= 2000),
    external_id text CHECK (length(external_id) BETWEEN 1 AND 200),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    search tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', number::text || ' ' || title || ' ' || description)
    ) STORED,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number),
    UNIQUE (tenant_id, external_id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, assignee_id) REFERENCES staff_users (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by_customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by_staff_id) REFERENCES staff_users (tenant_id, id)
);
CREATE INDEX work_orders_organization ON work_orders (tenant_id, organization_id, created_at DESC);
CREATE INDEX work_orders_status ON work_orders (tenant_id, status, created_at DESC);
CREATE INDEX work_orders_assignee ON work_orders (tenant_id, assignee_id, status) WHERE assignee_id IS NOT NULL;
CREATE INDEX work_orders_due ON work_orders (tenant_id, due_date) WHERE due_date IS NOT NULL AND status NOT IN ('completed', 'rejected', 'cancelled');
CREATE INDEX work_orders_search ON work_orders USING gin (search);
CREATE TRIGGER work_orders_updated_at BEFORE UPDATE ON work_orders FOR EACH ROW EXECUTE FUNCTION portico_touch_updated_at();
SELECT portico_protect_tenant_table('work_orders');
SELECT portico_grant('SELECT, INSERT, UPDATE', 'work_orders');

-- Every field change of a work order: who, when, from, to, why.
CREATE TABLE work_order_changes (
    tenant_id uuid NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    work_order_id uuid NOT NULL,
    field text NOT NULL CHECK (length(field) <= 64),
    old_value text,
    new_value text,
    actor_kind text NOT NULL CHECK (actor_kind IN ('customer', 'staff', 'system', 'integration')),
    actor_id uuid,
    actor_name text NOT NULL DEFAULT '' CHECK (length(actor_name) <= 200),
    reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, work_order_id) REFERENCES work_orders (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX work_order_changes_order ON work_order_changes (tenant_id, work_order_id, created_at, id);
SELECT portico_protect_tenant_table('work_order_changes');
SELECT portico_grant('SELECT, INSERT', 'work_order_changes');

CREATE TABLE work_order_comments (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    work_order_id uuid NOT NULL,
    author_kind text NOT NULL CHECK (author_kind IN ('customer', 'staff', 'system', 'integration')),
    author_id uuid,
    author_name text NOT NULL DEFAULT '' CHECK (length(author_name) <= 200),
    body text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 10000),
    visibility text NOT NULL DEFAULT 'shared' CHECK (visibility IN ('shared', 'internal')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, work_order_id) REFERENCES work_orders (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX work_order_comments_order ON work_order_comments (tenant_id, work_order_id, created_at);
SELECT portico_protect_tenant_table('work_order_comments');
SELECT portico_grant('SELECT, INSERT', 'work_order_comments');

CREATE TABLE attachments (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    work_order_id uuid NOT NULL,
    comment_id uuid,
    file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type text NOT NULL CHECK (length(content_type) <= 100),
    size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- Server-generated name inside the tenant's blob folder.
    storage_key text NOT NULL CHECK (storage_key ~ '^[A-Za-z0-9_-]{16,128}$'),
    uploaded_by_kind text NOT NULL CHECK (uploaded_by_kind IN ('customer', 'staff', 'integration')),
    uploaded_by_id uuid,
    visibility text NOT NULL DEFAULT 'shared' CHECK (visibility IN ('shared', 'internal')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, storage_key),
    FOREIGN KEY (tenant_id, work_order_id) REFERENCES work_orders (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, comment_id) REFERENCES work_order_comments (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX attachments_order ON attachments (tenant_id, work_order_id);
SELECT portico_protect_tenant_table('attachments');
SELECT portico_grant('SELECT, INSERT, DELETE', 'attachments');

CREATE TABLE appointments (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    work_order_id uuid,
    kind text NOT NULL DEFAULT 'repair' CHECK (kind IN ('install', 'repair', 'survey', 'maintenance', 'other')),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    technician_id uuid,
    status text NOT NULL DEFAULT 'proposed'
        CHECK (status IN ('proposed', 'confirmed', 'reschedule_requested', 'completed', 'cancelled')),
    address text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
    notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 5000),
    reschedule_windows jsonb NOT NULL DEFAULT '[]',
    reschedule_note text NOT NULL DEFAULT '' CHECK (length(reschedule_note) <= 2000),
    reminder_sent_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CHECK (ends_at > starts_at),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, work_order_id) REFERENCES work_orders (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, technician_id) REFERENCES staff_users (tenant_id, id)
);
CREATE INDEX appointments_organization ON appointments (tenant_id, organization_id, starts_at);
CREATE INDEX appointments_day ON appointments (tenant_id, starts_at);
CREATE TRIGGER appointments_updated_at BEFORE UPDATE ON appointments FOR EACH ROW EXECUTE FUNCTION portico_touch_updated_at();
SELECT portico_protect_tenant_table('appointments');
SELECT portico_grant('SELECT, INSERT, UPDATE', 'appointments');

CREATE TABLE tasks (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    customer_id uuid,
    work_order_id uuid,
    title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    details text NOT NULL DEFAULT '' CHECK (length(details) <= 5000),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    due_date date,
    done_at timestamptz,
    done_note text NOT NULL DEFAULT '' CHECK (length(done_note) <= 2000),
    done_by_customer_id uuid,
    created_by_staff_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, work_order_id) REFERENCES work_orders (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, done_by_customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by_staff_id) REFERENCES staff_users (tenant_id, id)
);
CREATE INDEX tasks_organization ON tasks (tenant_id, organization_id, status);
CREATE TRIGGER tasks_updated_at BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION portico_touch_updated_at();
SELECT portico_protect_tenant_table('tasks');
SELECT portico_grant('SELECT, INSERT, UPDATE', 'tasks');

CREATE TABLE notes (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    customer_id uuid,
    body text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 10000),
    visibility text NOT NULL DEFAULT 'internal' CHECK (visibility IN ('internal', 'shared')),
    author_staff_id uuid,
    author_name text NOT NULL DEFAULT '' CHECK (length(author_name) <= 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, author_staff_id) REFERENCES staff_users (tenant_id, id)
);
CREATE INDEX notes_organization ON notes (tenant_id, organization_id, created_at DESC);
CREATE TRIGGER notes_updated_at BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION portico_touch_updated_at();
SELECT portico_protect_tenant_table('notes');
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'notes');

-- Security- and admin-relevant actions. Append-only for the application.
CREATE TABLE audit_events (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_kind text NOT NULL CHECK (actor_kind IN ('customer', 'staff', 'operator', 'system', 'anonymous', 'integration')),
    actor_id uuid,
    actor_label text NOT NULL DEFAULT '' CHECK (length(actor_label) <= 254),
    action text NOT NULL CHECK (action ~ '^[a-z0-9_.]{1,64}$'),
    target_kind text NOT NULL DEFAULT '' CHECK (length(target_kind) <= 64),
    target_id text NOT NULL DEFAULT '' CHECK (length(target_id) <= 200),
    ip text NOT NULL DEFAULT '' CHECK (length(ip) <= 64),
    user_agent text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 500),
    details jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_events_time ON audit_events (tenant_id, occurred_at DESC);
CREATE INDEX audit_events_action ON audit_events (tenant_id, action, occurred_at DESC);
SELECT portico_protect_tenant_table('audit_events');
SELECT portico_grant('SELECT, INSERT', 'audit_events');
