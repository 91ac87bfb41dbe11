-- Outgoing webhooks: endpoints an admin registers, and a transactional outbox of deliveries
-- (one row per event and subscribed endpoint, written in the same transaction as the change),
-- delivered by a worker inside `portico serve`, with one log row per attempt.
CREATE TABLE webhook_endpoints (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    url text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    events text[] NOT NULL CHECK (cardinality(events) >= 1),
    -- HMAC-SHA256 key (hex of 32 random bytes). Kept readable: the worker signs with it.
    secret text NOT NULL CHECK (secret ~ '^[0-9a-f]{64}$'),
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE TRIGGER webhook_endpoints_updated_at BEFORE UPDATE ON webhook_endpoints FOR EACH ROW EXECUTE FUNCTION portico_touch_updated_at();
SELECT portico_protect_tenant_table('webhook_endpoints');
-- The delivery worker reads every tenant's endpoints (URL and secret), nothing more.
CREATE POLICY webhook_endpoints_delivery_read ON webhook_endpoints FOR SELECT
    USING (current_setting('app.worker', true) = 'webhook_delivery');
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'webhook_endpoints');

CREATE TABLE webhook_deliveries (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    endpoint_id uuid NOT NULL,
    -- One event fans out to every subscribed endpoint with the same event id and payload.
    event_id uuid NOT NULL,
    event_type text NOT NULL CHECK (event_type ~ '^[a-z_]{1,40}\.[a-z_]{1,40}$'),
    payload text NOT NULL,
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'delivered', 'dead')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_by text,
    claimed_at timestamptz,
    last_status_code integer,
    last_error text CHECK (length(last_error) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE
);
-- The worker claims due rows across tenants: this index cannot lead with tenant_id.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'queued';
CREATE INDEX webhook_deliveries_sending ON webhook_deliveries (claimed_at) WHERE status = 'sending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (tenant_id, endpoint_id, created_at DESC);
SELECT portico_protect_tenant_table('webhook_deliveries');
-- Like the email outbox: the worker says app.worker = 'webhook_delivery' in its own
-- transactions to read and update the queue of every tenant; it cannot insert or delete.
CREATE POLICY webhook_deliveries_delivery_read ON webhook_deliveries FOR SELECT
    USING (current_setting('app.worker', true) = 'webhook_delivery');
CREATE POLICY webhook_deliveries_delivery_update ON webhook_deliveries FOR UPDATE
    USING (current_setting('app.worker', true) = 'webhook_delivery')
    WITH CHECK (current_setting('app.worker', true) = 'webhook_delivery');
SELECT portico_grant('SELECT, INSERT, UPDATE', 'webhook_deliveries');

-- The delivery log: one row per attempt.
CREATE TABLE webhook_attempts (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    delivery_id uuid NOT NULL,
    attempt integer NOT NULL CHECK (attempt >= 1),
    status_code integer,
    error text CHECK (length(error) <= 2000),
    duration_ms integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (tenant_id, delivery_id, created_at);
SELECT portico_protect_tenant_table('webhook_attempts');
CREATE POLICY webhook_attempts_delivery_read ON webhook_attempts FOR SELECT
    USING (current_setting('app.worker', true) = 'webhook_delivery');
CREATE POLICY webhook_attempts_delivery_insert ON webhook_attempts FOR INSERT
    WITH CHECK (current_setting('app.worker', true) = 'webhook_delivery');
SELECT portico_grant('SELECT, INSERT', 'webhook_attempts');

-- Wake the delivery worker as soon as deliveries are committed.
CREATE FUNCTION portico_notify_webhooks() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('portico_webhooks', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER webhook_deliveries_notify AFTER INSERT ON webhook_deliveries FOR EACH STATEMENT EXECUTE FUNCTION portico_notify_webhooks();
