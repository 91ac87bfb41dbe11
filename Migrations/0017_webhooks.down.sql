DROP TRIGGER webhook_deliveries_notify ON webhook_deliveries;
DROP FUNCTION portico_notify_webhooks();
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
