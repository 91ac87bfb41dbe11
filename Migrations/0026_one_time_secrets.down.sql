DROP INDEX outbox_retention;
DO $$
BEGIN
    EXECUTE format('REVOKE DELETE ON outbox FROM %I', current_setting('portico.app_role'));
END;
$$;
-- Messages still waiting get their link back into the body, so nothing queued is lost.
UPDATE outbox SET text_body = replace(text_body, '{one-time-link-token}', link_token),
                  html_body = replace(html_body, '{one-time-link-token}', link_token)
 WHERE link_token IS NOT NULL;
ALTER TABLE outbox DROP COLUMN link_token;
ALTER TABLE operators DROP COLUMN totp_last_step;
ALTER TABLE staff_users DROP COLUMN totp_last_step;
