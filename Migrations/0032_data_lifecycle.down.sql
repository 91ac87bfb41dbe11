DROP FUNCTION portico_purge_tenant(uuid);

DO $$
DECLARE
    target regclass;
BEGIN
    FOR target IN SELECT p.polrelid::regclass FROM pg_policy p WHERE p.polname = 'portico_backup_read' LOOP
        EXECUTE format('DROP POLICY portico_backup_read ON %s', target);
    END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION portico_protect_tenant_table(target regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s '
        'USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid) '
        'WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)',
        target);
    EXECUTE format(
        'CREATE TRIGGER tenant_id_immutable BEFORE UPDATE OF tenant_id ON %s '
        'FOR EACH ROW EXECUTE FUNCTION portico_forbid_tenant_change()', target);
END;
$$;

DROP TABLE backup_runs;
DROP TABLE platform_audit_events;
