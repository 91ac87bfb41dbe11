-- Secrets that must work once and then be gone.
--
-- TOTP: the time step of the last code each staff member and operator used. A code is
-- accepted only for a later step, so the same code (seen over a shoulder, replayed from a
-- log, or typed twice) never signs anyone in again within its 90-second window.
ALTER TABLE staff_users ADD COLUMN totp_last_step bigint CHECK (totp_last_step > 0);
ALTER TABLE operators ADD COLUMN totp_last_step bigint CHECK (totp_last_step > 0);

-- Emailed links: the outbox keeps reset / verification / invitation links out of the stored
-- bodies. The bodies hold a placeholder; the token waits here and is put back only when the
-- message is handed to the relay, then cleared once the message is sent, refused or dead.
ALTER TABLE outbox ADD COLUMN link_token text CHECK (length(link_token) BETWEEN 20 AND 200);
-- Retention: maintenance deletes delivered mail after 30 days and refused or dead mail after
-- 90 days (tenant by tenant, under RLS).
SELECT portico_grant('DELETE', 'outbox');
CREATE INDEX outbox_retention ON outbox (tenant_id, status, created_at) WHERE status IN ('sent', 'failed', 'dead');
