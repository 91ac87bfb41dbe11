DROP FUNCTION portico_erase_customer_traces(uuid, uuid, text, text);
DO $$
BEGIN
    EXECUTE format('REVOKE DELETE ON work_orders FROM %I', current_setting('portico.app_role'));
END;
$$;
DROP TABLE deletion_requests;
