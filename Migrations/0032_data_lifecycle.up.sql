-- Data lifecycle: backups (their runs, and a read path for pg_dump), platform-level audit of
-- operator actions that outlive a tenant, and removal of a whole (suspended) tenant.

-- Operator and CLI actions on the platform itself. A tenant's own audit_events go with the
-- tenant when it is deleted; the record that it was exported or deleted stays here. No
-- tenant_id column on purpose: this table belongs to no tenant and has no row-level security.
CREATE TABLE platform_audit_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_kind text NOT NULL CHECK (actor_kind IN ('operator', 'cli', 'system')),
    actor_id uuid,
    actor_label text NOT NULL DEFAULT '' CHECK (length(actor_label) <= 254),
    action text NOT NULL CHECK (action ~ '^[a-z0-9_.]{1,64}$'),
    target_kind text NOT NULL DEFAULT '' CHECK (length(target_kind) <= 64),
    target_id text NOT NULL DEFAULT '' CHECK (length(target_id) <= 200),
    ip text NOT NULL DEFAULT '' CHECK (length(ip) <= 64),
    details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX platform_audit_events_time ON platform_audit_events (occurred_at DESC);
SELECT portico_grant('SELECT, INSERT', 'platform_audit_events');

-- One row per backup attempt (scheduled inside `serve`, or `portico backup create`). Written
-- by the owner role, which takes the backup; the operator console reads it.
CREATE TABLE backup_runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trigger text NOT NULL CHECK (trigger IN ('schedule', 'cli')),
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    file_name text NOT NULL DEFAULT '' CHECK (length(file_name) <= 500),
    size_bytes bigint CHECK (size_bytes >= 0),
    migration_level integer,
    host text NOT NULL DEFAULT '' CHECK (length(host) <= 255),
    error text NOT NULL DEFAULT '' CHECK (length(error) <= 2000)
);
CREATE INDEX backup_runs_recent ON backup_runs (started_at DESC);
SELECT portico_grant('SELECT', 'backup_runs');

-- pg_dump runs as the owner, whom FORCE ROW LEVEL SECURITY holds like everyone else: without
-- a tenant it would see no rows (and, with row_security off, refuse to dump). This policy
-- lets the owner — and only the owner: it is scoped TO that role, so the application role's
-- queries never even see it — read every row when its session says portico.backup = on,
-- which `portico backup` sets for pg_dump alone.
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
        'CREATE POLICY portico_backup_read ON %s FOR SELECT TO CURRENT_USER '
        'USING (current_setting(''portico.backup'', true) = ''on'')', target);
    EXECUTE format(
        'CREATE TRIGGER tenant_id_immutable BEFORE UPDATE OF tenant_id ON %s '
        'FOR EACH ROW EXECUTE FUNCTION portico_forbid_tenant_change()', target);
END;
$$;

DO $$
DECLARE
    target regclass;
BEGIN
    FOR target IN
        SELECT p.polrelid::regclass FROM pg_policy p
          JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE p.polname = 'tenant_isolation' AND n.nspname = 'public'
    LOOP
        EXECUTE format(
            'CREATE POLICY portico_backup_read ON %s FOR SELECT TO CURRENT_USER '
            'USING (current_setting(''portico.backup'', true) = ''on'')', target);
    END LOOP;
END;
$$;

-- Removes every row of one suspended tenant: each table with a tenant_id column, found in
-- the catalog when it runs (so tables added later are covered), then the tenant itself.
-- Foreign keys between tenant tables decide the order; a table whose rows are still
-- referenced is retried after the others. Returns the rows each table held. Runs as the
-- owner (SECURITY DEFINER) because the application role may not delete most of these rows;
-- it refuses an active tenant, so nothing the application does by mistake can empty one.
CREATE FUNCTION portico_purge_tenant(target uuid) RETURNS TABLE (table_name text, removed bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    tenant_status text;
    pending text[];
    blocked text[];
    candidate text;
    counts jsonb := '{}';
    rows_now bigint;
    progressed boolean;
BEGIN
    SELECT t.status INTO tenant_status FROM tenants t WHERE t.id = target FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no tenant has the id %', target USING ERRCODE = 'no_data_found';
    END IF;
    IF tenant_status <> 'suspended' THEN
        RAISE EXCEPTION 'tenant % is %, not suspended', target, tenant_status USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM set_config('app.tenant_id', target::text, true);

    SELECT coalesce(array_agg(c.relname::text ORDER BY c.relname), '{}') INTO pending
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p');

    FOREACH candidate IN ARRAY pending LOOP
        EXECUTE format('SELECT count(*) FROM %I WHERE tenant_id = $1', candidate) INTO rows_now USING target;
        counts := counts || jsonb_build_object(candidate, rows_now);
    END LOOP;

    LOOP
        blocked := '{}';
        progressed := false;
        FOREACH candidate IN ARRAY pending LOOP
            BEGIN
                EXECUTE format('DELETE FROM %I WHERE tenant_id = $1', candidate) USING target;
                progressed := true;
            EXCEPTION WHEN foreign_key_violation THEN
                blocked := blocked || candidate;
            END;
        END LOOP;
        EXIT WHEN cardinality(blocked) = 0;
        IF NOT progressed THEN
            RAISE EXCEPTION 'cannot remove the rows of % (they reference each other)', blocked;
        END IF;
        pending := blocked;
    END LOOP;

    DELETE FROM tenants WHERE id = target;

    -- Nothing may be left: checked, not assumed.
    FOR candidate IN SELECT key FROM jsonb_each(counts) LOOP
        EXECUTE format('SELECT count(*) FROM %I WHERE tenant_id = $1', candidate) INTO rows_now USING target;
        IF rows_now <> 0 THEN
            RAISE EXCEPTION '% rows of % remain', rows_now, candidate;
        END IF;
        table_name := candidate;
        removed := (counts ->> candidate)::bigint;
        RETURN NEXT;
    END LOOP;
    table_name := 'tenants';
    removed := 1;
    RETURN NEXT;
END;
$$;
REVOKE ALL ON FUNCTION portico_purge_tenant(uuid) FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION portico_purge_tenant(uuid) TO %I', current_setting('portico.app_role'));
END;
$$;
