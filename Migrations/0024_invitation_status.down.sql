DROP INDEX customers_import;
ALTER TABLE customers DROP COLUMN import_id;
DROP INDEX account_tokens_invitations;
ALTER TABLE account_tokens DROP COLUMN revoked_at;
