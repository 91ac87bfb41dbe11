-- Scale data for measuring the reports (docs/performance.md, "Measured at scale"): 10,000 tenants and
-- 1,000,000 submitted work orders over two years. Tenant 1 ("big-isp") holds 100,000 of them
-- (a large ISP), the other 9,999 share the rest (about 90 each). Per tenant: one account, one
-- login, five technicians; appointments, sign-ins and webhook deliveries in proportion.
-- Run as a superuser on a scratch database migrated to the current schema (see run.sh):
-- triggers and foreign-key checks are off while loading (session_replication_role).
\set ON_ERROR_STOP on
SET session_replication_role = replica;
SELECT setseed(0.36);

INSERT INTO tenants (slug, name, created_at)
SELECT CASE WHEN n = 1 THEN 'big-isp' ELSE 'isp-' || n END, 'ISP ' || n, now() - (random() * interval '730 days')
  FROM generate_series(1, 10000) n;
CREATE TEMP TABLE scale_tenants AS
SELECT id, row_number() OVER (ORDER BY slug = 'big-isp' DESC, slug) AS n FROM tenants WHERE slug = 'big-isp' OR slug LIKE 'isp-%';

INSERT INTO organizations (tenant_id, account_number, name, created_at)
SELECT id, 'A-1', 'Household', now() - interval '800 days' FROM scale_tenants;
INSERT INTO customers (tenant_id, organization_id, name, email, created_at)
SELECT o.tenant_id, o.id, 'Subscriber', 'sub@example.net', now() - (random() * interval '730 days') FROM organizations o JOIN scale_tenants t ON t.id = o.tenant_id;
INSERT INTO staff_users (tenant_id, email, name, role, status)
SELECT t.id, 'tech' || k || '@example.net', 'Tech ' || k, 'technician', 'active' FROM scale_tenants t, generate_series(1, 5) k;

-- Orders: 100,000 for tenant 1, 900,000 spread over the others.
CREATE TEMP TABLE scale_orders AS
SELECT CASE WHEN g <= 100000 THEN 1 ELSE 2 + (g % 9999) END AS tenant_n, g,
       now() - (random() * interval '730 days') AS submitted,
       random() AS r1, random() AS r2, random() AS r3
  FROM generate_series(1, 1000000) g;
INSERT INTO work_orders (tenant_id, number, organization_id, title, category, status, priority, submitted_at, approved_at,
                         completed_at, closed_at, due_date, assignee_id, created_at, updated_at)
SELECT t.id, 1000 + row_number() OVER (PARTITION BY o.tenant_n ORDER BY o.g), org.id, 'Order ' || o.g,
       (ARRAY['Repair', 'Install', 'Relocation', 'Upgrade', 'Survey'])[1 + (o.g % 5)],
       CASE WHEN o.r1 < 0.7 THEN 'completed' WHEN o.r1 < 0.75 THEN 'cancelled' WHEN o.r1 < 0.9 THEN 'approved' ELSE 'submitted' END,
       'normal', o.submitted,
       CASE WHEN o.r1 < 0.9 AND o.r1 >= 0.75 OR o.r1 < 0.7 THEN o.submitted + o.r2 * interval '72 hours' END,
       CASE WHEN o.r1 < 0.7 THEN o.submitted + interval '72 hours' + o.r3 * interval '20 days' END,
       CASE WHEN o.r1 < 0.7 THEN o.submitted + interval '72 hours' + o.r3 * interval '20 days'
            WHEN o.r1 < 0.75 THEN o.submitted + interval '1 day' END,
       CASE WHEN o.r2 < 0.5 THEN (o.submitted + interval '14 days')::date END,
       s.id, o.submitted, o.submitted
  FROM scale_orders o
  JOIN scale_tenants t ON t.n = o.tenant_n
  JOIN organizations org ON org.tenant_id = t.id
  LEFT JOIN LATERAL (SELECT id FROM staff_users su WHERE su.tenant_id = t.id AND su.email = 'tech' || (1 + o.g % 5) || '@example.net') s
         ON o.r3 < 0.8;

-- Appointments (one per five orders), customer sign-ins (one per order), webhook deliveries
-- (one per two orders) — enough rows for the plans to be honest.
INSERT INTO appointments (tenant_id, organization_id, starts_at, ends_at, status, confirmed_at, reschedule_requests)
SELECT w.tenant_id, w.organization_id, w.submitted_at + interval '3 days', w.submitted_at + interval '3 days 2 hours',
       CASE WHEN w.number % 3 = 0 THEN 'confirmed' ELSE 'proposed' END,
       CASE WHEN w.number % 3 = 0 THEN w.submitted_at + interval '1 day' END, (w.number % 7 = 0)::int
  FROM work_orders w JOIN scale_tenants t ON t.id = w.tenant_id WHERE w.number % 5 = 0;
INSERT INTO audit_events (tenant_id, occurred_at, actor_kind, actor_id, action, details)
SELECT w.tenant_id, w.submitted_at - interval '5 minutes', 'customer', c.id, 'signin.success',
       CASE WHEN w.number % 4 = 0 THEN '{"channel":"api"}'::jsonb ELSE '{}'::jsonb END
  FROM work_orders w JOIN scale_tenants t ON t.id = w.tenant_id JOIN customers c ON c.tenant_id = w.tenant_id;
INSERT INTO webhook_endpoints (tenant_id, url, events, secret)
SELECT id, 'https://hooks.example.net/in', '{work_order.created}', repeat('ab', 32) FROM scale_tenants;
INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload, status, created_at, delivered_at)
SELECT w.tenant_id, e.id, gen_random_uuid(), 'work_order.created', '{}', CASE WHEN w.number % 50 = 0 THEN 'dead' ELSE 'delivered' END,
       w.submitted_at, CASE WHEN w.number % 50 <> 0 THEN w.submitted_at + interval '2 seconds' END
  FROM work_orders w JOIN webhook_endpoints e ON e.tenant_id = w.tenant_id WHERE w.number % 2 = 0;

SET session_replication_role = origin;
VACUUM ANALYZE;
SELECT (SELECT count(*) FROM tenants) AS tenants, (SELECT count(*) FROM work_orders) AS work_orders,
       (SELECT count(*) FROM work_orders WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'big-isp')) AS big_isp_orders,
       (SELECT count(*) FROM appointments) AS appointments, (SELECT count(*) FROM audit_events) AS audit_events,
       (SELECT count(*) FROM webhook_deliveries) AS webhook_deliveries;
