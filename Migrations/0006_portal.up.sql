-- The subscriber portal and its settings: work-order categories, FAQ, service notices,
-- calendar feeds, and live-update notifications.

CREATE TABLE work_order_categories (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    help_text text NOT NULL DEFAULT '' CHECK (length(help_text) <= 500),
    position integer NOT NULL DEFAULT 0,
    active boolean NOT NULL DEFAULT true,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
SELECT portico_protect_tenant_table('work_order_categories');
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'work_order_categories');

CREATE TABLE faq_entries (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    question text NOT NULL CHECK (length(btrim(question)) BETWEEN 1 AND 300),
    answer text NOT NULL CHECK (length(btrim(answer)) BETWEEN 1 AND 5000),
    position integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
SELECT portico_protect_tenant_table('faq_entries');
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'faq_entries');

-- Outage and maintenance notices: the public status page and the dashboard banner.
CREATE TABLE service_notices (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind IN ('outage', 'maintenance', 'information')),
    title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    body text NOT NULL DEFAULT '' CHECK (length(body) <= 5000),
    starts_at timestamptz NOT NULL DEFAULT now(),
    ends_at timestamptz,
    resolved_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX service_notices_time ON service_notices (tenant_id, starts_at DESC);
SELECT portico_protect_tenant_table('service_notices');
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'service_notices');

-- A private calendar feed of an organization's appointments; the URL token is hashed.
CREATE TABLE calendar_feeds (
    tenant_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    token_hash text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, token_hash),
    UNIQUE (tenant_id, organization_id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE
);
SELECT portico_protect_tenant_table('calendar_feeds');
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'calendar_feeds');

-- Live updates: every change to a work order, its comments and appointments is announced
-- on 'portico_events' (delivered at commit, to every instance), whoever made it.
CREATE FUNCTION portico_notify_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    payload jsonb;
BEGIN
    IF TG_TABLE_NAME = 'work_orders' THEN
        payload := jsonb_build_object('t', NEW.tenant_id, 'o', NEW.organization_id, 'type', 'work_order', 'n', NEW.number, 's', NEW.status);
    ELSIF TG_TABLE_NAME = 'work_order_comments' THEN
        SELECT jsonb_build_object('t', w.tenant_id, 'o', w.organization_id, 'type', 'comment', 'n', w.number, 'v', NEW.visibility)
          INTO payload FROM work_orders w WHERE w.tenant_id = NEW.tenant_id AND w.id = NEW.work_order_id;
    ELSIF TG_TABLE_NAME = 'appointments' THEN
        payload := jsonb_build_object('t', NEW.tenant_id, 'o', NEW.organization_id, 'type', 'appointment', 'id', NEW.id);
    ELSE
        payload := jsonb_build_object('t', NEW.tenant_id, 'type', TG_TABLE_NAME);
    END IF;
    IF payload IS NOT NULL THEN
        PERFORM pg_notify('portico_events', payload::text);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER work_orders_event AFTER INSERT OR UPDATE ON work_orders FOR EACH ROW EXECUTE FUNCTION portico_notify_event();
CREATE TRIGGER work_order_comments_event AFTER INSERT ON work_order_comments FOR EACH ROW EXECUTE FUNCTION portico_notify_event();
CREATE TRIGGER appointments_event AFTER INSERT OR UPDATE ON appointments FOR EACH ROW EXECUTE FUNCTION portico_notify_event();
CREATE TRIGGER tasks_event AFTER INSERT OR UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION portico_notify_event();
