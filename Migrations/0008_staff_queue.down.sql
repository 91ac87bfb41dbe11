DROP INDEX work_orders_due_order;
DROP INDEX work_orders_updated;
DROP INDEX work_orders_created;
