-- Maintenance finds the tenants with work due in one statement across tenants, instead of
-- opening a transaction per tenant every five minutes (at 10,000 tenants that was 20 s of
-- CPU a pass, nearly all of it finding nothing). Row-level security forbids the application
-- reading across tenants (rightly): these functions run as the owner and return tenant ids
-- and flags only, never a row's content. The owner may read across tenants only while a
-- function sets portico.maintenance_scan (the policies are scoped TO the owner: the
-- application role's queries never see them). The work itself still happens tenant by
-- tenant, under the tenant's own row-level security, for the tenants returned.
DO $$
DECLARE
    target text;
BEGIN
    FOREACH target IN ARRAY ARRAY['tenant_settings', 'audit_events', 'outbox', 'sessions', 'account_tokens', 'work_orders',
                                  'webhook_deliveries', 'retention_runs', 'api_tokens', 'appointments'] LOOP
        EXECUTE format('CREATE POLICY portico_maintenance_scan ON %I FOR SELECT TO CURRENT_USER '
                       'USING (current_setting(''portico.maintenance_scan'', true) = ''on'')', target);
    END LOOP;
END;
$$;

-- Tenants with something to remove under their retention settings (the same conditions as
-- RetentionJob, whose defaults apply without a settings row), or expired API tokens. One
-- index probe per tenant and kind, each stopping at the first row found.
CREATE FUNCTION portico_retention_due() RETURNS TABLE (due_tenant uuid, due_slug text, retention_due boolean, api_tokens_due boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM set_config('portico.maintenance_scan', 'on', true);
    RETURN QUERY
    WITH settings AS MATERIALIZED (
        SELECT t.id, t.slug,
               now() - make_interval(days => greatest(coalesce(s.retain_audit_days, 365), 30)) AS audit,
               now() - make_interval(days => coalesce(s.retain_sent_mail_days, 30)) AS sent_mail,
               now() - make_interval(days => coalesce(s.retain_undelivered_mail_days, 90)) AS undelivered_mail,
               now() - make_interval(days => coalesce(s.retain_ended_sessions_days, 0)) AS sessions,
               now() - make_interval(days => coalesce(s.retain_expired_tokens_days, 7)) AS tokens,
               now() - make_interval(days => coalesce(s.retain_drafts_days, 365)) AS drafts,
               now() - make_interval(days => coalesce(s.retain_delivered_webhooks_days, 30)) AS delivered_webhooks,
               now() - make_interval(days => coalesce(s.retain_dead_webhooks_days, 90)) AS dead_webhooks
          FROM tenants t LEFT JOIN tenant_settings s ON s.tenant_id = t.id
    ), flagged AS MATERIALIZED (
        SELECT x.id, x.slug,
               EXISTS (SELECT 1 FROM audit_events a WHERE a.tenant_id = x.id AND a.occurred_at < x.audit)
            OR EXISTS (SELECT 1 FROM outbox o WHERE o.tenant_id = x.id AND o.status = 'sent' AND o.created_at < x.sent_mail)
            OR EXISTS (SELECT 1 FROM outbox o WHERE o.tenant_id = x.id AND o.status IN ('failed', 'dead') AND o.created_at < x.undelivered_mail)
            OR EXISTS (SELECT 1 FROM sessions e WHERE e.tenant_id = x.id AND e.expires_at <= x.sessions)
            OR EXISTS (SELECT 1 FROM sessions e WHERE e.tenant_id = x.id AND e.last_seen_at <= x.sessions
                          AND e.last_seen_at <= x.sessions - make_interval(secs => e.idle_timeout_seconds))
            OR EXISTS (SELECT 1 FROM account_tokens k WHERE k.tenant_id = x.id AND k.expires_at < x.tokens)
            OR EXISTS (SELECT 1 FROM account_tokens k WHERE k.tenant_id = x.id AND k.consumed_at < x.tokens)
            OR EXISTS (SELECT 1 FROM work_orders w WHERE w.tenant_id = x.id AND w.status = 'draft' AND w.submitted_at IS NULL
                          AND w.updated_at < x.drafts)
            OR EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.tenant_id = x.id AND d.status = 'delivered'
                          AND d.created_at < x.delivered_webhooks)
            OR EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.tenant_id = x.id AND d.status = 'dead' AND d.created_at < x.dead_webhooks)
            OR EXISTS (SELECT 1 FROM retention_runs r WHERE r.tenant_id = x.id AND r.ran_at < now() - interval '90 days') AS retention,
               EXISTS (SELECT 1 FROM api_tokens p WHERE p.tenant_id = x.id AND p.expires_at < now() - interval '1 day')
            OR EXISTS (SELECT 1 FROM api_tokens p WHERE p.tenant_id = x.id AND p.revoked_at < now() - interval '1 day') AS api_tokens
          FROM settings x
    )
    SELECT f.id, f.slug, f.retention, f.api_tokens FROM flagged f WHERE f.retention OR f.api_tokens;
    PERFORM set_config('portico.maintenance_scan', 'off', true);
END;
$$;

-- Active tenants with a visit starting within a day of `moment` whose reminder has not gone yet.
CREATE FUNCTION portico_reminders_due(moment timestamptz) RETURNS TABLE (due_tenant uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM set_config('portico.maintenance_scan', 'on', true);
    RETURN QUERY
    SELECT t.id FROM tenants t
     WHERE t.status = 'active'
       AND EXISTS (SELECT 1 FROM appointments a
                    WHERE a.tenant_id = t.id AND a.starts_at > moment AND a.starts_at <= moment + interval '24 hours'
                      AND a.status IN ('proposed', 'confirmed') AND a.reminder_sent_at IS NULL);
    PERFORM set_config('portico.maintenance_scan', 'off', true);
END;
$$;

-- The probes above read these by tenant and time.
CREATE INDEX sessions_idle ON sessions (tenant_id, last_seen_at);
CREATE INDEX account_tokens_consumed ON account_tokens (tenant_id, consumed_at) WHERE consumed_at IS NOT NULL;
CREATE INDEX api_tokens_revoked ON api_tokens (tenant_id, revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX appointments_reminder_due ON appointments (tenant_id, starts_at)
    WHERE reminder_sent_at IS NULL AND status IN ('proposed', 'confirmed');

DO $$
BEGIN
    REVOKE ALL ON FUNCTION portico_retention_due() FROM PUBLIC;
    REVOKE ALL ON FUNCTION portico_reminders_due(timestamptz) FROM PUBLIC;
    EXECUTE format('GRANT EXECUTE ON FUNCTION portico_retention_due() TO %I', current_setting('portico.app_role'));
    EXECUTE format('GRANT EXECUTE ON FUNCTION portico_reminders_due(timestamptz) TO %I', current_setting('portico.app_role'));
END;
$$;
