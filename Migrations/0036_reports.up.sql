-- Reports: the moments a report needs that were not recorded yet, the indexes that keep the
-- per-tenant reports fast at a million work orders, and the platform-level figures an
-- operator sees.

-- When an order was closed (completed, rejected or cancelled), and whether it was at a given
-- moment: the overdue trend counts orders due and not yet closed at the end of each week.
-- Kept by a trigger, whatever changes the status (pages, API, imports, psql).
ALTER TABLE work_orders ADD COLUMN closed_at timestamptz;
CREATE FUNCTION portico_work_order_closed_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('completed', 'rejected', 'cancelled') THEN
        -- An explicit time (an import of history) is kept; otherwise the moment it closed.
        IF TG_OP = 'INSERT' OR OLD.status NOT IN ('completed', 'rejected', 'cancelled') THEN
            NEW.closed_at := coalesce(NEW.closed_at, now());
        END IF;
    ELSE
        NEW.closed_at := NULL;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER work_orders_closed_at BEFORE INSERT OR UPDATE OF status ON work_orders
    FOR EACH ROW EXECUTE FUNCTION portico_work_order_closed_at();
-- Orders closed before this migration: the time of the status change that closed them.
-- The backfills below run as the owner, whom forced row-level security would show no rows
-- (no tenant is set), and must not touch updated_at or send a live event per row: both are
-- switched off for the length of this transaction only.
ALTER TABLE work_orders NO FORCE ROW LEVEL SECURITY;
ALTER TABLE work_order_changes NO FORCE ROW LEVEL SECURITY;
ALTER TABLE work_orders DISABLE TRIGGER USER;
UPDATE work_orders w SET closed_at = coalesce(
        (SELECT max(c.created_at) FROM work_order_changes c
          WHERE c.tenant_id = w.tenant_id AND c.work_order_id = w.id AND c.field = 'status' AND c.new_value = w.status),
        w.completed_at, w.updated_at)
 WHERE w.status IN ('completed', 'rejected', 'cancelled');
ALTER TABLE work_orders ENABLE TRIGGER USER;
ALTER TABLE work_orders FORCE ROW LEVEL SECURITY;
ALTER TABLE work_order_changes FORCE ROW LEVEL SECURITY;

-- Appointments: when one was first confirmed, and how often the subscriber asked for another
-- time (the status alone forgets both once staff reschedule).
ALTER TABLE appointments
    ADD COLUMN confirmed_at timestamptz,
    ADD COLUMN reschedule_requests integer NOT NULL DEFAULT 0 CHECK (reschedule_requests >= 0);
CREATE FUNCTION portico_appointment_milestones() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'confirmed' AND (TG_OP = 'INSERT' OR OLD.status <> 'confirmed') THEN
        NEW.confirmed_at := coalesce(NEW.confirmed_at, now());
    END IF;
    IF NEW.status = 'reschedule_requested' AND (TG_OP = 'INSERT' OR OLD.status <> 'reschedule_requested') THEN
        NEW.reschedule_requests := NEW.reschedule_requests + 1;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER appointments_milestones BEFORE INSERT OR UPDATE OF status ON appointments
    FOR EACH ROW EXECUTE FUNCTION portico_appointment_milestones();
ALTER TABLE appointments NO FORCE ROW LEVEL SECURITY;
ALTER TABLE appointments DISABLE TRIGGER USER;
UPDATE appointments SET confirmed_at = updated_at WHERE status = 'confirmed';
UPDATE appointments SET reschedule_requests = 1
 WHERE status = 'reschedule_requested' OR reschedule_windows <> '[]'::jsonb;
ALTER TABLE appointments ENABLE TRIGGER USER;
ALTER TABLE appointments FORCE ROW LEVEL SECURITY;

-- Per-tenant report indexes: each report reads one tenant's rows in a date range.
CREATE INDEX work_orders_submitted ON work_orders (tenant_id, submitted_at) WHERE submitted_at IS NOT NULL;
CREATE INDEX work_orders_approved ON work_orders (tenant_id, approved_at) WHERE approved_at IS NOT NULL;
CREATE INDEX work_orders_completed ON work_orders (tenant_id, completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX work_orders_due_history ON work_orders (tenant_id, due_date) INCLUDE (submitted_at, closed_at, category)
    WHERE due_date IS NOT NULL AND submitted_at IS NOT NULL;
-- Webhook deliveries per week by delivery time (0035's webhook_deliveries_created serves
-- the given-up ones, by creation time).
CREATE INDEX webhook_deliveries_delivered ON webhook_deliveries (tenant_id, delivered_at) WHERE delivered_at IS NOT NULL;

-- The operator's platform report reads counts across tenants, which row-level security
-- forbids the application (rightly). These functions run as the owner and return counts
-- only, never a row's content; the owner may read across tenants only while a function sets
-- portico.platform_report (these policies are scoped TO the owner: the application role's
-- queries never see them).
DO $$
DECLARE
    target text;
BEGIN
    FOREACH target IN ARRAY ARRAY['organizations', 'customers', 'work_orders'] LOOP
        EXECUTE format('CREATE POLICY portico_platform_report ON %I FOR SELECT TO CURRENT_USER '
                       'USING (current_setting(''portico.platform_report'', true) = ''on'')', target);
    END LOOP;
END;
$$;
CREATE INDEX customers_created ON customers (created_at);
-- Growth counts by creation time across tenants (index-only: the flag is in the predicate).
CREATE INDEX work_orders_created_platform ON work_orders (created_at) WHERE submitted_at IS NOT NULL;

-- Per tenant: accounts, logins, work orders (all and open), and when the last order came in.
CREATE FUNCTION portico_platform_tenant_usage() RETURNS TABLE (
    tenant_id uuid, organizations bigint, customers bigint, work_orders bigint, open_work_orders bigint, last_work_order_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM set_config('portico.platform_report', 'on', true);
    RETURN QUERY
    SELECT t.id,
           coalesce(o.n, 0), coalesce(c.n, 0), coalesce(w.n, 0), coalesce(w.open, 0), w.last_at
      FROM tenants t
      LEFT JOIN (SELECT x.tenant_id, count(*) AS n FROM organizations x GROUP BY x.tenant_id) o ON o.tenant_id = t.id
      LEFT JOIN (SELECT x.tenant_id, count(*) AS n FROM customers x GROUP BY x.tenant_id) c ON c.tenant_id = t.id
      LEFT JOIN (SELECT x.tenant_id, count(*) FILTER (WHERE x.submitted_at IS NOT NULL) AS n,
                        count(*) FILTER (WHERE x.submitted_at IS NOT NULL AND x.status NOT IN ('completed', 'rejected', 'cancelled')) AS open,
                        max(x.submitted_at) AS last_at
                   FROM work_orders x GROUP BY x.tenant_id) w ON w.tenant_id = t.id;
    PERFORM set_config('portico.platform_report', 'off', true);
END;
$$;

-- Per week (Mondays, UTC) from the week of `since` to the week of `until`: new tenants, new
-- logins, new work orders. One pass over each table's range (not one scan per week: at
-- a million work orders that took 6 s for two years).
CREATE FUNCTION portico_platform_growth(since date, until date) RETURNS TABLE (week date, tenants bigint, customers bigint, work_orders bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM set_config('portico.platform_report', 'on', true);
    RETURN QUERY
    WITH weeks AS (
        SELECT generate_series(date_trunc('week', since::timestamp), date_trunc('week', until::timestamp), interval '7 days') AS monday
    ), bounds AS (
        SELECT min(monday) AT TIME ZONE 'UTC' AS lo, (max(monday) + interval '7 days') AT TIME ZONE 'UTC' AS hi FROM weeks
    ), t AS (
        SELECT date_trunc('week', x.created_at AT TIME ZONE 'UTC') AS monday, count(*) AS n
          FROM tenants x, bounds b WHERE x.created_at >= b.lo AND x.created_at < b.hi GROUP BY 1
    ), c AS (
        SELECT date_trunc('week', x.created_at AT TIME ZONE 'UTC') AS monday, count(*) AS n
          FROM customers x, bounds b WHERE x.created_at >= b.lo AND x.created_at < b.hi GROUP BY 1
    ), w AS (
        SELECT date_trunc('week', x.created_at AT TIME ZONE 'UTC') AS monday, count(*) AS n
          FROM work_orders x, bounds b WHERE x.created_at >= b.lo AND x.created_at < b.hi AND x.submitted_at IS NOT NULL GROUP BY 1
    )
    SELECT weeks.monday::date, coalesce(t.n, 0), coalesce(c.n, 0), coalesce(w.n, 0)
      FROM weeks LEFT JOIN t USING (monday) LEFT JOIN c USING (monday) LEFT JOIN w USING (monday)
     ORDER BY weeks.monday;
    PERFORM set_config('portico.platform_report', 'off', true);
END;
$$;

DO $$
BEGIN
    REVOKE ALL ON FUNCTION portico_platform_tenant_usage() FROM PUBLIC;
    REVOKE ALL ON FUNCTION portico_platform_growth(date, date) FROM PUBLIC;
    EXECUTE format('GRANT EXECUTE ON FUNCTION portico_platform_tenant_usage() TO %I', current_setting('portico.app_role'));
    EXECUTE format('GRANT EXECUTE ON FUNCTION portico_platform_growth(date, date) TO %I', current_setting('portico.app_role'));
END;
$$;
