DROP TRIGGER tasks_event ON tasks;
DROP TRIGGER appointments_event ON appointments;
DROP TRIGGER work_order_comments_event ON work_order_comments;
DROP TRIGGER work_orders_event ON work_orders;
DROP FUNCTION portico_notify_event();
DROP TABLE calendar_feeds;
DROP TABLE service_notices;
DROP TABLE faq_entries;
DROP TABLE work_order_categories;
