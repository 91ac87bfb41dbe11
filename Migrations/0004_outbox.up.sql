-- The transactional outbox: every email is a row written in the same transaction as the
-- change that causes it, then delivered by a worker inside `portico serve`.
CREATE TABLE outbox (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind ~ '^[a-z0-9_.]{1,64}$'),
    recipient text NOT NULL CHECK (recipient = lower(recipient) AND length(recipient) BETWEEN 3 AND 254),
    recipient_name text NOT NULL DEFAULT '' CHECK (length(recipient_name) <= 200),
    subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
    text_body text NOT NULL,
    html_body text,
    from_name text NOT NULL DEFAULT '' CHECK (length(from_name) <= 200),
    reply_to text CHECK (length(reply_to) <= 254),
    list_unsubscribe text CHECK (length(list_unsubscribe) <= 2000),
    -- Stable across retries, so a re-sent message is recognisable as the same one.
    message_id text NOT NULL CHECK (length(message_id) BETWEEN 3 AND 300),
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'dead')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_by text,
    claimed_at timestamptz,
    -- The relay may have accepted the last attempt (timeout after the body was sent).
    uncertain boolean NOT NULL DEFAULT false,
    last_error text CHECK (length(last_error) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
-- The delivery worker claims due rows across tenants: this index cannot lead with tenant_id.
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'queued';
CREATE INDEX outbox_sending ON outbox (claimed_at) WHERE status = 'sending';
CREATE INDEX outbox_tenant ON outbox (tenant_id, created_at DESC);
SELECT portico_protect_tenant_table('outbox');
-- The delivery worker reads and updates queued mail of every tenant. It says so by setting
-- app.worker = 'outbox_delivery' in its own transactions; it cannot insert or delete, and
-- no other table has such a policy.
CREATE POLICY outbox_delivery_read ON outbox FOR SELECT USING (current_setting('app.worker', true) = 'outbox_delivery');
CREATE POLICY outbox_delivery_update ON outbox FOR UPDATE
    USING (current_setting('app.worker', true) = 'outbox_delivery')
    WITH CHECK (current_setting('app.worker', true) = 'outbox_delivery');
SELECT portico_grant('SELECT, INSERT, UPDATE', 'outbox');

-- Wake the delivery worker as soon as mail is committed.
CREATE FUNCTION portico_notify_outbox() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('portico_outbox', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION portico_notify_outbox();

-- Per-tenant settings: which notification emails go out (security mail always does).
CREATE TABLE tenant_settings (
    tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    disabled_notifications text[] NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now()
);
SELECT portico_protect_tenant_table('tenant_settings');
SELECT portico_grant('SELECT, INSERT, UPDATE', 'tenant_settings');
