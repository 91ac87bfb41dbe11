ALTER TABLE customers DROP COLUMN unsubscribe_key;
