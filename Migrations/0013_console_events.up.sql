-- The command centre counts undeliverable emails: announce an email that gives up (and one
-- that is retried out of that state) on 'portico_events' so open consoles refresh.
CREATE FUNCTION portico_notify_outbox_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('portico_events', jsonb_build_object('t', NEW.tenant_id, 'type', 'outbox')::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_dead_event AFTER UPDATE OF status ON outbox
    FOR EACH ROW WHEN ((OLD.status = 'dead') IS DISTINCT FROM (NEW.status = 'dead'))
    EXECUTE FUNCTION portico_notify_outbox_event();
