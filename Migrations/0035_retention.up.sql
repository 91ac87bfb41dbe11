-- Retention: how long each tenant keeps records that are only useful for a while. Every
-- period has a safe default (what maintenance did before, where it did anything) and bounds
-- the console explains; the checks here are the last line of defence.
ALTER TABLE tenant_settings
    ADD COLUMN retain_audit_days integer NOT NULL DEFAULT 365 CHECK (retain_audit_days BETWEEN 30 AND 3650),
    ADD COLUMN retain_sent_mail_days integer NOT NULL DEFAULT 30 CHECK (retain_sent_mail_days BETWEEN 1 AND 365),
    ADD COLUMN retain_undelivered_mail_days integer NOT NULL DEFAULT 90 CHECK (retain_undelivered_mail_days BETWEEN 7 AND 365),
    ADD COLUMN retain_ended_sessions_days integer NOT NULL DEFAULT 0 CHECK (retain_ended_sessions_days BETWEEN 0 AND 30),
    ADD COLUMN retain_expired_tokens_days integer NOT NULL DEFAULT 7 CHECK (retain_expired_tokens_days BETWEEN 1 AND 90),
    ADD COLUMN retain_drafts_days integer NOT NULL DEFAULT 365 CHECK (retain_drafts_days BETWEEN 30 AND 3650),
    ADD COLUMN retain_delivered_webhooks_days integer NOT NULL DEFAULT 30 CHECK (retain_delivered_webhooks_days BETWEEN 1 AND 365),
    ADD COLUMN retain_dead_webhooks_days integer NOT NULL DEFAULT 90 CHECK (retain_dead_webhooks_days BETWEEN 7 AND 365);

-- What each maintenance pass removed, per tenant (only passes that removed something), so
-- admins can see retention at work. Kept 90 days.
CREATE TABLE retention_runs (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    ran_at timestamptz NOT NULL DEFAULT now(),
    removed jsonb NOT NULL CHECK (jsonb_typeof(removed) = 'object'),
    total integer NOT NULL CHECK (total > 0),
    duration_ms integer NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX retention_runs_recent ON retention_runs (tenant_id, ran_at DESC);
SELECT portico_protect_tenant_table('retention_runs');
SELECT portico_grant('SELECT, INSERT, DELETE', 'retention_runs');

-- Old webhook deliveries go (their attempts with them).
SELECT portico_grant('DELETE', 'webhook_deliveries');
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (tenant_id, created_at) INCLUDE (status);
-- Drafts nobody touched for a long time.
CREATE INDEX work_orders_drafts ON work_orders (tenant_id, updated_at) WHERE status = 'draft';

-- The audit log stays append-only for the application: only this function removes entries,
-- and only those older than the tenant's retention period (at least 30 days, by the check
-- above), oldest first, at most `batch` per call (a short transaction, no long locks).
CREATE FUNCTION portico_trim_audit_events(target_tenant uuid, batch integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    days integer;
    removed integer;
BEGIN
    IF NULLIF(current_setting('app.tenant_id', true), '')::uuid IS DISTINCT FROM target_tenant THEN
        RAISE EXCEPTION 'the transaction is not scoped to tenant %', target_tenant USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT s.retain_audit_days INTO days FROM tenant_settings s WHERE s.tenant_id = target_tenant;
    days := greatest(coalesce(days, 365), 30);
    DELETE FROM audit_events a
     WHERE a.tenant_id = target_tenant
       AND a.id IN (SELECT o.id FROM audit_events o
                     WHERE o.tenant_id = target_tenant AND o.occurred_at < now() - make_interval(days => days)
                     ORDER BY o.occurred_at LIMIT least(greatest(batch, 1), 10000));
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END;
$$;
REVOKE ALL ON FUNCTION portico_trim_audit_events(uuid, integer) FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION portico_trim_audit_events(uuid, integer) TO %I', current_setting('portico.app_role'));
END;
$$;
