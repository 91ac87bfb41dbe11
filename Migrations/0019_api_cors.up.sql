-- Browser apps on other origins may call /api/v1 only when the tenant lists their origin
-- (CORS is off by default: an empty list). The console validates each entry
-- (`https://host[:port]` or `http://localhost[:port]`, at most 20); the check here is the last
-- line of defence.
ALTER TABLE tenant_settings
    ADD COLUMN api_cors_origins text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(api_cors_origins) <= 20);
