DROP FUNCTION portico_trim_audit_events(uuid, integer);
DROP INDEX work_orders_drafts;
DROP INDEX webhook_deliveries_created;
DO $$
BEGIN
    EXECUTE format('REVOKE DELETE ON webhook_deliveries FROM %I', current_setting('portico.app_role'));
END;
$$;
DROP TABLE retention_runs;
ALTER TABLE tenant_settings
    DROP COLUMN retain_audit_days,
    DROP COLUMN retain_sent_mail_days,
    DROP COLUMN retain_undelivered_mail_days,
    DROP COLUMN retain_ended_sessions_days,
    DROP COLUMN retain_expired_tokens_days,
    DROP COLUMN retain_drafts_days,
    DROP COLUMN retain_delivered_webhooks_days,
    DROP COLUMN retain_dead_webhooks_days;
