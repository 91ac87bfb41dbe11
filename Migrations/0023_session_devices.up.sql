-- "Where you're signed in": every session gets a public id, so a person can end one of their
-- sessions from the list of their devices without the page ever holding a token or its hash.
-- The user agent, address, sign-in and last-seen times were stored from the start.
ALTER TABLE sessions ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE sessions ADD CONSTRAINT sessions_tenant_id_id_key UNIQUE (tenant_id, id);
