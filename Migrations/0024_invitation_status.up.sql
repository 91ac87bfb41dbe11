-- Invitations staff can follow and resend.
--
-- A token withdrawn because a newer one replaced it (a resent invitation, a new reset link)
-- is marked revoked as well as consumed, so its link can say "replaced by a newer one"
-- instead of a vague "not valid"; the newest invitation of a login is its invitation status.
ALTER TABLE account_tokens ADD COLUMN revoked_at timestamptz;
CREATE INDEX account_tokens_invitations ON account_tokens (tenant_id, customer_id, created_at DESC)
    WHERE kind = 'invite_customer';

-- Logins created by a CSV import remember which import (the upload's random id), so the
-- import's result page can invite exactly them.
ALTER TABLE customers ADD COLUMN import_id text CHECK (import_id ~ '^[A-Za-z0-9_-]{8,64}$');
CREATE INDEX customers_import ON customers (tenant_id, import_id) WHERE import_id IS NOT NULL;
