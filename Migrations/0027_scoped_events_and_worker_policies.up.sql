-- Live events carry what the streams need to scope them exactly like the pages:
--   p  the order is private to the subscriber who wrote it (a draft, or a draft they
--      discarded without ever submitting it), and c that subscriber: nobody else, staff
--      included, hears about it;
--   a  the order's assignee (technicians see only their own orders), pa the previous one
--      (so the technician an order was taken from refreshes and sees it go);
--   tech / ptech  an appointment's technician, now and before.
-- Comments carry the same fields of their order.
CREATE FUNCTION portico_work_order_is_private(w work_orders) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT w.created_by_customer_id IS NOT NULL AND w.submitted_at IS NULL AND w.status IN ('draft', 'cancelled')
$$;

CREATE OR REPLACE FUNCTION portico_notify_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    payload jsonb;
    w work_orders;
BEGIN
    IF TG_TABLE_NAME = 'work_orders' THEN
        payload := jsonb_build_object('t', NEW.tenant_id, 'o', NEW.organization_id, 'type', 'work_order', 'n', NEW.number, 's', NEW.status,
                                      'a', NEW.assignee_id, 'p', portico_work_order_is_private(NEW),
                                      'c', CASE WHEN portico_work_order_is_private(NEW) THEN NEW.created_by_customer_id END);
        IF TG_OP = 'UPDATE' AND OLD.assignee_id IS DISTINCT FROM NEW.assignee_id THEN
            payload := payload || jsonb_build_object('pa', OLD.assignee_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'work_order_comments' THEN
        SELECT * INTO w FROM work_orders WHERE tenant_id = NEW.tenant_id AND id = NEW.work_order_id;
        IF FOUND THEN
            payload := jsonb_build_object('t', w.tenant_id, 'o', w.organization_id, 'type', 'comment', 'n', w.number, 'v', NEW.visibility,
                                          's', w.status, 'a', w.assignee_id, 'p', portico_work_order_is_private(w),
                                          'c', CASE WHEN portico_work_order_is_private(w) THEN w.created_by_customer_id END);
        END IF;
    ELSIF TG_TABLE_NAME = 'appointments' THEN
        payload := jsonb_build_object('t', NEW.tenant_id, 'o', NEW.organization_id, 'type', 'appointment', 'id', NEW.id, 'tech', NEW.technician_id);
        IF TG_OP = 'UPDATE' AND OLD.technician_id IS DISTINCT FROM NEW.technician_id THEN
            payload := payload || jsonb_build_object('ptech', OLD.technician_id);
        END IF;
    ELSE
        payload := jsonb_build_object('t', NEW.tenant_id, 'type', TG_TABLE_NAME);
    END IF;
    IF payload IS NOT NULL THEN
        PERFORM pg_notify('portico_events', payload::text);
    END IF;
    RETURN NULL;
END;
$$;

-- The webhook worker records each attempt inside the delivery's own tenant transaction, so it
-- no longer needs to read or write every tenant's attempt log. What stays cross-tenant (and
-- only when a transaction sets app.worker = 'webhook_delivery'): reading endpoints (URL,
-- secret, enabled) and reading/updating deliveries, to claim due ones with SKIP LOCKED.
DROP POLICY webhook_attempts_delivery_read ON webhook_attempts;
DROP POLICY webhook_attempts_delivery_insert ON webhook_attempts;
