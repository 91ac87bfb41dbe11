DROP TRIGGER IF EXISTS outbox_dead_event ON outbox;
DROP FUNCTION IF EXISTS portico_notify_outbox_event();
