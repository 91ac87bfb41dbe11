-- Subscriber data rights: deletion requests, and erasing a customer (a portal login) while
-- the organization's work-order history keeps its shape.

-- A subscriber's request to delete their login, until staff carry it out (or the subscriber
-- withdraws it). No foreign key to customers on purpose: the row outlives the person, and
-- then names nobody (customer_id points at nothing, reason is cleared).
CREATE TABLE deletion_requests (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    customer_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'withdrawn')),
    reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    requested_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    -- Who closed it: a staff member's email, or 'subscriber' for a withdrawal.
    resolved_by text NOT NULL DEFAULT '' CHECK (length(resolved_by) <= 254),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE,
    CHECK ((status = 'pending') = (resolved_at IS NULL))
);
-- One open request per person.
CREATE UNIQUE INDEX deletion_requests_pending ON deletion_requests (tenant_id, customer_id) WHERE status = 'pending';
CREATE INDEX deletion_requests_recent ON deletion_requests (tenant_id, requested_at DESC);
SELECT portico_protect_tenant_table('deletion_requests');
SELECT portico_grant('SELECT, INSERT, UPDATE', 'deletion_requests');

-- A subscriber's private drafts go with them (nobody else ever saw them): the application may
-- delete orders.
SELECT portico_grant('DELETE', 'work_orders');

-- Erasing a customer's traces from the append-only tables (work-order history, comments,
-- attachments' uploader, the audit log): the application may only insert into those, so this
-- runs as the owner. It keeps every row — the fact that something happened — and replaces the
-- person: their name by `replacement`, their id by NULL, their email wherever the audit log
-- quotes it, and the IP address and browser of their own audit entries by nothing. The emails
-- the portal wrote to them (names, links, their address) go entirely, queued ones included.
-- Returns how many rows of each table changed.
CREATE FUNCTION portico_erase_customer_traces(target_tenant uuid, target_customer uuid, target_email text, replacement text)
RETURNS TABLE (table_name text, changed bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    target_email := lower(target_email);
    IF target_tenant IS NULL OR target_customer IS NULL OR coalesce(target_email, '') = '' OR coalesce(replacement, '') = '' THEN
        RAISE EXCEPTION 'tenant, customer, email and replacement are required' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Only the tenant the calling transaction is scoped to.
    IF NULLIF(current_setting('app.tenant_id', true), '')::uuid IS DISTINCT FROM target_tenant THEN
        RAISE EXCEPTION 'the transaction is not scoped to tenant %', target_tenant USING ERRCODE = 'insufficient_privilege';
    END IF;

    UPDATE work_order_changes SET actor_name = replacement, actor_id = NULL
     WHERE tenant_id = target_tenant AND actor_kind = 'customer' AND actor_id = target_customer;
    GET DIAGNOSTICS n = ROW_COUNT;
    table_name := 'work_order_changes'; changed := n; RETURN NEXT;

    UPDATE work_order_comments SET author_name = replacement, author_id = NULL
     WHERE tenant_id = target_tenant AND author_kind = 'customer' AND author_id = target_customer;
    GET DIAGNOSTICS n = ROW_COUNT;
    table_name := 'work_order_comments'; changed := n; RETURN NEXT;

    UPDATE attachments SET uploaded_by_id = NULL
     WHERE tenant_id = target_tenant AND uploaded_by_kind = 'customer' AND uploaded_by_id = target_customer;
    GET DIAGNOSTICS n = ROW_COUNT;
    table_name := 'attachments'; changed := n; RETURN NEXT;

    UPDATE audit_events a
       SET actor_id = CASE WHEN a.actor_kind = 'customer' AND a.actor_id = target_customer THEN NULL ELSE a.actor_id END,
           actor_label = CASE WHEN (a.actor_kind = 'customer' AND a.actor_id = target_customer) OR lower(a.actor_label) = target_email
                              THEN replacement ELSE a.actor_label END,
           ip = CASE WHEN a.actor_kind = 'customer' AND a.actor_id = target_customer THEN '' ELSE a.ip END,
           user_agent = CASE WHEN a.actor_kind = 'customer' AND a.actor_id = target_customer THEN '' ELSE a.user_agent END,
           target_id = CASE WHEN lower(a.target_id) = target_email OR a.target_id = target_customer::text THEN replacement ELSE a.target_id END,
           details = (SELECT coalesce(jsonb_object_agg(d.key, CASE WHEN lower(d.value #>> '{}') = target_email
                                                                   OR d.value #>> '{}' = target_customer::text
                                                              THEN to_jsonb(replacement) ELSE d.value END), '{}'::jsonb)
                        FROM jsonb_each(a.details) d)
     WHERE a.tenant_id = target_tenant
       AND ((a.actor_kind = 'customer' AND a.actor_id = target_customer) OR lower(a.actor_label) = target_email
            OR lower(a.target_id) = target_email OR a.target_id = target_customer::text
            OR EXISTS (SELECT 1 FROM jsonb_each(a.details) d
                        WHERE lower(d.value #>> '{}') = target_email OR d.value #>> '{}' = target_customer::text));
    GET DIAGNOSTICS n = ROW_COUNT;
    table_name := 'audit_events'; changed := n; RETURN NEXT;

    DELETE FROM outbox WHERE tenant_id = target_tenant AND recipient = target_email;
    GET DIAGNOSTICS n = ROW_COUNT;
    table_name := 'outbox'; changed := n; RETURN NEXT;
END;
$$;
REVOKE ALL ON FUNCTION portico_erase_customer_traces(uuid, uuid, text, text) FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION portico_erase_customer_traces(uuid, uuid, text, text) TO %I', current_setting('portico.app_role'));
END;
$$;
