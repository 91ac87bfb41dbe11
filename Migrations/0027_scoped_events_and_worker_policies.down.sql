CREATE POLICY webhook_attempts_delivery_read ON webhook_attempts FOR SELECT
    USING (current_setting('app.worker', true) = 'webhook_delivery');
CREATE POLICY webhook_attempts_delivery_insert ON webhook_attempts FOR INSERT
    WITH CHECK (current_setting('app.worker', true) = 'webhook_delivery');

CREATE OR REPLACE FUNCTION portico_notify_event() RETURNS trigger
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
DROP FUNCTION portico_work_order_is_private(work_orders);
