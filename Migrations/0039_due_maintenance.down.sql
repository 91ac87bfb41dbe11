DROP INDEX appointments_reminder_due;
DROP INDEX api_tokens_revoked;
DROP INDEX account_tokens_consumed;
DROP INDEX sessions_idle;
DROP FUNCTION portico_reminders_due(timestamptz);
DROP FUNCTION portico_retention_due();
DO $$
DECLARE
    target text;
BEGIN
    FOREACH target IN ARRAY ARRAY['tenant_settings', 'audit_events', 'outbox', 'sessions', 'account_tokens', 'work_orders',
                                  'webhook_deliveries', 'retention_runs', 'api_tokens', 'appointments'] LOOP
        EXECUTE format('DROP POLICY portico_maintenance_scan ON %I', target);
    END LOOP;
END;
$$;
