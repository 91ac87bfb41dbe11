DROP TABLE tenant_settings;
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION portico_notify_outbox();
DROP TABLE outbox;
