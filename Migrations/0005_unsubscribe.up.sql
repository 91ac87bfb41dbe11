-- A per-subscriber secret for one-click unsubscribe links (RFC 8058) in notification mail.
-- It only switches notification mail off; security mail is always sent.
ALTER TABLE customers ADD COLUMN unsubscribe_key text CHECK (unsubscribe_key ~ '^[A-Za-z0-9_-]{32,64}$');
