-- Bearer tokens of the subscriber API. Only SHA-256 hashes are stored. A sign-in starts a
-- family; every refresh marks its refresh token used and issues a new pair in the same family.
-- Presenting a used refresh token again means it leaked: the whole family is revoked.
CREATE TABLE api_tokens (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_hash text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    kind text NOT NULL CHECK (kind IN ('access', 'refresh')),
    family_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    -- Refresh tokens: when it was exchanged for a new pair (single use).
    used_at timestamptz,
    revoked_at timestamptz,
    ip text NOT NULL DEFAULT '' CHECK (length(ip) <= 64),
    user_agent text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 500),
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX api_tokens_family ON api_tokens (tenant_id, family_id);
CREATE INDEX api_tokens_customer ON api_tokens (tenant_id, customer_id);
CREATE INDEX api_tokens_expiry ON api_tokens (tenant_id, expires_at);
SELECT portico_protect_tenant_table('api_tokens');
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'api_tokens');
