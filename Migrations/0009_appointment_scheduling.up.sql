-- Staff scheduling: why an appointment was cancelled (shown to the subscriber), and an index
-- for the console's calendar filtered by technician.
ALTER TABLE appointments ADD COLUMN cancel_reason text NOT NULL DEFAULT '' CHECK (length(cancel_reason) <= 2000);
CREATE INDEX appointments_technician ON appointments (tenant_id, technician_id, starts_at);
