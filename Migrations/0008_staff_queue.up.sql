-- Indexes for the staff work-order queue's keyset pages (fast at 100,000 orders per tenant).
CREATE INDEX work_orders_created ON work_orders (tenant_id, created_at DESC, number DESC);
CREATE INDEX work_orders_updated ON work_orders (tenant_id, updated_at DESC, number DESC);
CREATE INDEX work_orders_due_order ON work_orders (tenant_id, (COALESCE(due_date, 'infinity'::date)), number);
