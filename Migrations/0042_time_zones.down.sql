ALTER TABLE staff_users DROP COLUMN time_zone;
ALTER TABLE tenants DROP COLUMN time_zone;
