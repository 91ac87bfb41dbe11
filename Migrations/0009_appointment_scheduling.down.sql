DROP INDEX appointments_technician;
ALTER TABLE appointments DROP COLUMN cancel_reason;
