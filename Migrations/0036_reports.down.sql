DROP FUNCTION portico_platform_growth(date, date);
DROP FUNCTION portico_platform_tenant_usage();
DROP INDEX work_orders_created_platform;
DROP INDEX customers_created;
DO $$
DECLARE
    target text;
BEGIN
    FOREACH target IN ARRAY ARRAY['organizations', 'customers', 'work_orders'] LOOP
        EXECUTE format('DROP POLICY portico_platform_report ON %I', target);
    END LOOP;
END;
$$;
DROP INDEX webhook_deliveries_delivered;
DROP INDEX work_orders_due_history;
DROP INDEX work_orders_completed;
DROP INDEX work_orders_approved;
DROP INDEX work_orders_submitted;
DROP TRIGGER appointments_milestones ON appointments;
DROP FUNCTION portico_appointment_milestones();
ALTER TABLE appointments DROP COLUMN reschedule_requests, DROP COLUMN confirmed_at;
DROP TRIGGER work_orders_closed_at ON work_orders;
DROP FUNCTION portico_work_order_closed_at();
ALTER TABLE work_orders DROP COLUMN closed_at;
