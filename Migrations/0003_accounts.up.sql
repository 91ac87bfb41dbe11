-- Accounts and security: sessions, single-use tokens, rate limits, second factors.

-- Server-side sessions. Only the SHA-256 of the cookie token is stored; a session belongs to
-- one tenant (RLS: a token presented on another tenant's host finds nothing) and one principal.
CREATE TABLE sessions (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_hash text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    principal_kind text NOT NULL CHECK (principal_kind IN ('customer', 'staff')),
    principal_id uuid NOT NULL,
    csrf_token text NOT NULL CHECK (length(csrf_token) BETWEEN 32 AND 128),
    remember boolean NOT NULL DEFAULT false,
    -- Password accepted, TOTP code still owed: the session may only finish the second step.
    second_factor_pending boolean NOT NULL DEFAULT false,
    idle_timeout_seconds integer NOT NULL CHECK (idle_timeout_seconds > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ip text NOT NULL DEFAULT '' CHECK (length(ip) <= 64),
    user_agent text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 500),
    PRIMARY KEY (tenant_id, token_hash)
);
CREATE INDEX sessions_principal ON sessions (tenant_id, principal_kind, principal_id);
CREATE INDEX sessions_expiry ON sessions (tenant_id, expires_at);
SELECT portico_protect_tenant_table('sessions');
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'sessions');

-- Single-use, expiring tokens (email verification, password reset, invitations, access
-- codes, email change). Only hashes are stored; consuming one is an atomic UPDATE.
CREATE TABLE account_tokens (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_hash text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    kind text NOT NULL CHECK (kind IN ('verify_email', 'reset_password', 'invite_customer', 'invite_staff', 'access_code', 'change_email')),
    email text NOT NULL DEFAULT '' CHECK (email = lower(email) AND length(email) <= 254),
    customer_id uuid,
    staff_id uuid,
    organization_id uuid,
    payload jsonb NOT NULL DEFAULT '{}',
    created_by_staff_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    consumed_at timestamptz,
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, staff_id) REFERENCES staff_users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, created_by_staff_id) REFERENCES staff_users (tenant_id, id)
);
CREATE INDEX account_tokens_expiry ON account_tokens (tenant_id, expires_at);
CREATE INDEX account_tokens_customer ON account_tokens (tenant_id, customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX account_tokens_staff ON account_tokens (tenant_id, staff_id) WHERE staff_id IS NOT NULL;
SELECT portico_protect_tenant_table('account_tokens');
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'account_tokens');

-- One-time recovery codes for staff who enrolled in TOTP (hashes only).
CREATE TABLE staff_recovery_codes (
    tenant_id uuid NOT NULL,
    staff_id uuid NOT NULL,
    code_hash text NOT NULL CHECK (code_hash ~ '^[0-9a-f]{64}$'),
    used_at timestamptz,
    PRIMARY KEY (tenant_id, staff_id, code_hash),
    FOREIGN KEY (tenant_id, staff_id) REFERENCES staff_users (tenant_id, id) ON DELETE CASCADE
);
SELECT portico_protect_tenant_table('staff_recovery_codes');
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'staff_recovery_codes');

-- Operators belong to no tenant: their sessions, tokens and codes are platform tables.
CREATE TABLE operator_sessions (
    token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    operator_id uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    csrf_token text NOT NULL CHECK (length(csrf_token) BETWEEN 32 AND 128),
    second_factor_pending boolean NOT NULL DEFAULT true,
    idle_timeout_seconds integer NOT NULL CHECK (idle_timeout_seconds > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ip text NOT NULL DEFAULT '' CHECK (length(ip) <= 64),
    user_agent text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 500)
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);
CREATE INDEX operator_sessions_expiry ON operator_sessions (expires_at);
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'operator_sessions');

CREATE TABLE operator_tokens (
    token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    kind text NOT NULL CHECK (kind IN ('setup', 'reset_password')),
    operator_id uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    consumed_at timestamptz
);
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'operator_tokens');

CREATE TABLE operator_recovery_codes (
    operator_id uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    code_hash text NOT NULL CHECK (code_hash ~ '^[0-9a-f]{64}$'),
    used_at timestamptz,
    PRIMARY KEY (operator_id, code_hash)
);
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'operator_recovery_codes');

-- Fixed-window counters with back-off, shared by every instance. The bucket names its scope
-- (per account, per IP, per tenant); it is platform-wide so a per-IP limit spans tenants.
CREATE TABLE rate_limits (
    bucket text PRIMARY KEY CHECK (length(bucket) BETWEEN 1 AND 300),
    window_started_at timestamptz NOT NULL,
    hits integer NOT NULL,
    blocked_until timestamptz,
    strikes integer NOT NULL DEFAULT 0
);
CREATE INDEX rate_limits_window ON rate_limits (window_started_at);
SELECT portico_grant('SELECT, INSERT, UPDATE, DELETE', 'rate_limits');
