#!/usr/bin/env bash
# The JSON API, end to end, against the running demo server:
#
#   PORTICO_WEBHOOKS_ALLOW_HTTP=1 PORTICO_WEBHOOKS_ALLOW_PRIVATE=1 deploy/run-local.sh   # terminal 1
#   scripts/api-demo.sh                                                                 # terminal 2
#
# (a) a mobile-app-style session: register a new subscriber, log in, submit a work order,
#     poll its status, refresh the token pair, and show the old refresh token refused;
# (b) an integration sync: a write API key from the CLI, a webhook endpoint pointing at a
#     receiver this script runs on loopback (it verifies every signature), 1,000 organizations
#     upserted by external id (timed), then a status change through the API arriving at the
#     receiver as a signed webhook — and at the app on its next poll.
#
# Needs bash, curl and python3. PORT (default 8080) and TENANT (default acme) name the server
# and tenant; PORTICO_BIN the binary (default: the debug build); ORGS the number to upsert.
# The webhook flags above let the demo's receiver use plain http on loopback; without them the
# endpoint is refused and part (b) stops after the upserts.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${PORT:-8080}
tenant=${TENANT:-acme}
orgs=${ORGS:-1000}
host="$tenant.localhost"
origin="http://$host:$port"
api="$origin/api/v1"
password_demo=portico-demo-2024
portico=${PORTICO_BIN:-$(swift build --show-bin-path 2>/dev/null)/portico}
work=$(mktemp -d /tmp/portico-api-demo-XXXXXX)
receiver_pid=""
trap '[[ -n $receiver_pid ]] && kill "$receiver_pid" 2>/dev/null; rm -rf "$work"' EXIT

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
step() { printf '  → %s\n' "$*"; }
fail() { printf 'api-demo: %s\n' "$*" >&2; exit 1; }

# curl against the tenant's host, pinned to loopback whatever the resolver does with *.localhost.
http() { curl -sS --resolve "$host:$port:127.0.0.1" "$@"; }
# JSON request: prints the body, puts the status in $work/status.
call() {
  local method=$1 path=$2 body=${3:-} auth=${4:-}
  local args=(-X "$method" -o "$work/body" -w '%{http_code}' -H 'Accept: application/json')
  [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  [[ -n $auth ]] && args+=(-H "Authorization: Bearer $auth")
  http "${args[@]}" "$api$path" >"$work/status"
  cat "$work/body"
}
status() { cat "$work/status"; }
json() { python3 -c 'import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v if not isinstance(v, (dict, list)) else json.dumps(v))' "$1"; }
show() { python3 -c 'import json,sys; print("    " + json.dumps(json.load(sys.stdin), indent=2, sort_keys=True).replace("\n", "\n    "))'; }
expect() { [[ $(status) == "$1" ]] || { cat "$work/body" >&2; echo >&2; fail "expected HTTP $1, got $(status) for $2"; }; }

[[ $(http -o /dev/null -w '%{http_code}' "$origin/readyz" || true) == 200 ]] \
  || fail "no demo server on $origin — start it with deploy/run-local.sh (PORT=$port)"

# ---------------------------------------------------------------------------------------------
bold "(a) Mobile-app session on $host"
stamp=$(date -u +%Y%m%d%H%M%S)
email="app-user-$stamp@example.net"
password="correct horse battery $stamp"
step "POST /auth/register  ($email)"
call POST /auth/register "{\"name\":\"App User $stamp\",\"email\":\"$email\",\"password\":\"$password\"}" | show
expect 202 "register"

step "POST /auth/login"
tokens=$(call POST /auth/login "{\"identifier\":\"$email\",\"password\":\"$password\"}")
expect 200 "login"
access=$(json access_token <<<"$tokens"); refresh=$(json refresh_token <<<"$tokens")
echo "    access_token ${access:0:12}…  refresh_token ${refresh:0:12}…  expires_in $(json expires_in <<<"$tokens") s"

step "Confirm the email address (the link in the message the demo wrote to ${PORTICO_DATA_DIR:-.portico}/mail/)"
link=$(python3 - "$email" "${PORTICO_DATA_DIR:-.portico}/mail" <<'PY'
import email, glob, os, re, sys
address, folder = sys.argv[1], sys.argv[2]
for path in sorted(glob.glob(os.path.join(folder, "*.eml")), key=os.path.getmtime, reverse=True):
    message = email.message_from_binary_file(open(path, "rb"))
    if address not in (message.get("To") or ""):
        continue
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            found = re.search(r"https?://\S*/portal/verify\?token=[A-Za-z0-9_-]+", part.get_payload(decode=True).decode())
            if found:
                print(found.group(0))
                sys.exit(0)
sys.exit(1)
PY
) || fail "no verification email for $email in ${PORTICO_DATA_DIR:-.portico}/mail/ (is the demo server writing mail there?)"
[[ $(http -o /dev/null -w '%{http_code}' "$link") == 200 ]] || fail "the verification link did not work: $link"
echo "    verified through ${link%%\?*}"

step "GET /me"
call GET /me "" "$access" | show
expect 200 "me"

step "GET /work-order-categories"
category=$(call GET /work-order-categories "" "$access" | json items.0.name)
expect 200 "categories"
echo "    first category: $category"

step "POST /work-orders  (submit)"
order=$(call POST /work-orders "{\"title\":\"No signal since the storm\",\"description\":\"The antenna light is off and the router shows no WAN link.\",\"category\":\"$category\",\"submit\":true}" "$access")
expect 201 "create work order"
number=$(json number <<<"$order")
echo "$order" | show

step "polling GET /work-orders/$number"
for _ in 1 2 3; do
  polled=$(call GET "/work-orders/$number" "" "$access")
  expect 200 "poll"
  echo "    #$number status: $(json status <<<"$polled")  (ETag $(http -o /dev/null -D - -H "Authorization: Bearer $access" "$api/work-orders/$number" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}'))"
  sleep 1
done

step "POST /auth/refresh  (rotates the pair)"
rotated=$(call POST /auth/refresh "{\"refresh_token\":\"$refresh\"}")
expect 200 "refresh"
new_access=$(json access_token <<<"$rotated"); new_refresh=$(json refresh_token <<<"$rotated")
echo "    new access_token ${new_access:0:12}…  new refresh_token ${new_refresh:0:12}…"
call GET /me "" "$new_access" >/dev/null; expect 200 "me with the new token"
echo "    GET /me with the new access token: $(status)"
call GET /me "" "$access" >/dev/null
echo "    GET /me with the old access token: $(status) (ended by the rotation)"

step "POST /auth/refresh with the OLD refresh token again"
call POST /auth/refresh "{\"refresh_token\":\"$refresh\"}" | show
expect 401 "reused refresh token"
call GET /me "" "$new_access" >/dev/null
echo "    …and reuse revoked the whole sign-in: GET /me with the new access token → $(status)"

# ---------------------------------------------------------------------------------------------
bold "(b) Integration sync on $host"
[[ -x $portico ]] || fail "no portico binary at $portico (swift build --product portico, or set PORTICO_BIN)"
step "portico api-key create --tenant $tenant --scope write"
key=$("$portico" api-key create --tenant "$tenant" --name "API demo $stamp" --scope write | tail -1)
[[ $key == pk_* ]] || fail "portico api-key create printed no key: $key"
echo "    ${key:0:12}… (shown once; only its hash is stored)"

# The receiver: verifies Portico-Signature (t=…,v1=HMAC-SHA256(secret, "t.body")) and prints.
receiver_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
cat >"$work/receiver.py" <<'PY'
import hashlib, hmac, http.server, json, os, sys, time

SECRET_FILE = sys.argv[2]

class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        secret = open(SECRET_FILE).read().strip() if os.path.exists(SECRET_FILE) else ""
        parts = dict(p.split("=", 1) for p in self.headers.get("Portico-Signature", "").split(",") if "=" in p)
        expected = hmac.new(secret.encode(), f"{parts.get('t', '')}.".encode() + body, hashlib.sha256).hexdigest()
        fresh = abs(time.time() - int(parts.get("t", "0") or 0)) < 300
        ok = bool(secret) and fresh and hmac.compare_digest(expected, parts.get("v1", ""))
        self.send_response(204 if ok else 400)
        self.end_headers()
        try:
            event = json.loads(body)
        except ValueError:
            event = {}
        print(json.dumps({"verified": ok, "event": self.headers.get("Portico-Event"),
                          "delivery": self.headers.get("Portico-Delivery"),
                          "signature": self.headers.get("Portico-Signature"), "payload": event}), flush=True)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
PY
python3 "$work/receiver.py" "$receiver_port" "$work/secret" >"$work/received.jsonl" 2>"$work/receiver.log" &
receiver_pid=$!
step "webhook receiver listening on http://127.0.0.1:$receiver_port/hooks"

# Webhook endpoints are registered by an admin in the console: sign in with a cookie jar and
# the form's CSRF token, as a browser would.
jar="$work/cookies"
csrf() { sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' "$1" | head -1; }
form() { http -b "$jar" -c "$jar" -H "Origin: $origin" -o "$work/page" -w '%{http_code}' "$@"; }
step "signing in to the console as admin@$tenant.example to register the endpoint"
http -b "$jar" -c "$jar" -o "$work/page" "$origin/admin/login"
signed_in=$(form --data-urlencode "csrf_token=$(csrf "$work/page")" --data-urlencode "email=admin@$tenant.example" \
            --data-urlencode "password=$password_demo" "$origin/admin/login")
[[ $signed_in == 303 || $signed_in == 302 ]] || fail "console sign-in answered $signed_in"
http -b "$jar" -c "$jar" -o "$work/page" "$origin/admin/webhooks"
event_fields=$(sed -n 's/.*type="checkbox" name="\(event_[a-z_]*\)".*/\1/p' "$work/page" | sort -u)
[[ -n $event_fields ]] || fail "the webhooks page shows no events to choose (is this build without webhooks?)"
args=(--data-urlencode "csrf_token=$(csrf "$work/page")" --data-urlencode "url=http://127.0.0.1:$receiver_port/hooks"
      --data-urlencode "description=API demo receiver")
for field in $event_fields; do args+=(--data-urlencode "$field=on"); done
created=$(form "${args[@]}" "$origin/admin/webhooks")
if [[ $created != 200 && $created != 201 ]]; then
  sed -n 's/.*class="field__error">\([^<]*\)<.*/    \1/p' "$work/page" >&2
  fail "registering the endpoint answered $created (start the server with PORTICO_WEBHOOKS_ALLOW_HTTP=1 PORTICO_WEBHOOKS_ALLOW_PRIVATE=1)"
fi
secret=$(grep -o '[0-9a-f]\{64\}' "$work/page" | head -1)
[[ -n $secret ]] || fail "no signing secret on the page after creating the endpoint"
echo "$secret" >"$work/secret"
echo "    endpoint registered for: $(echo $event_fields | sed 's/event_//g; s/ /, /g'); secret ${secret:0:8}… handed to the receiver"

step "PUT /admin/organizations/{external_id} × $orgs"
cat >"$work/upsert.py" <<'PY'
import http.client, json, sys, threading, time, collections

host, port, key, count, stamp = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
plans = ["Home 25", "Home 100", "Business 250"]

def run(passes):
    statuses = collections.Counter()
    errors = []
    lock = threading.Lock()
    def worker(indices):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in indices:
            body = json.dumps({"name": f"Sync Org {i:04d}", "account_number": f"SYNC-{stamp}-{i:04d}",
                               "service_plan": plans[i % 3], "service_status": "active"})
            connection.request("PUT", f"/api/v1/admin/organizations/crm-{stamp}-{i:04d}", body=body,
                               headers={"Host": f"{host}:{port}", "Authorization": f"Bearer {key}",
                                        "Content-Type": "application/json"})
            response = connection.getresponse()
            data = response.read()
            with lock:
                statuses[response.status] += 1
                if response.status >= 300 and len(errors) < 3:
                    errors.append(f"{response.status} {data[:300]!r}")
        connection.close()
    threads = [threading.Thread(target=worker, args=(range(n, count, 4),)) for n in range(4)]
    started = time.monotonic()
    for t in threads: t.start()
    for t in threads: t.join()
    elapsed = time.monotonic() - started
    return statuses, elapsed, errors

for label in ("first pass (creates)", "second pass, same bodies (idempotent)"):
    statuses, elapsed, errors = run(1)
    summary = ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items()))
    print(f"    {label}: {summary} in {elapsed:.2f} s → {count / elapsed:.0f} upserts/s (4 connections)")
    for error in errors:
        print(f"      e.g. {error}")
    if any(status >= 300 for status in statuses):
        sys.exit(1)
PY
python3 "$work/upsert.py" "$host" "$port" "$key" "$orgs" "$stamp" || fail "some upserts failed"
call GET "/admin/organizations?limit=3&updated_since=$(date -u -d '-10 minutes' +%Y-%m-%dT%H:%M:%SZ)" "" "$key" >/dev/null
expect 200 "list organizations"
echo "    GET /admin/organizations?updated_since=…: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["items"]), "on the first page, next_cursor", "set" if d["next_cursor"] else "null")' "$work/body")"

step "PATCH /admin/work-orders/$number  {\"status\": \"approved\"}  (the integration approves the app's order)"
call PATCH "/admin/work-orders/$number" '{"status":"approved","note":"Approved by the billing system"}' "$key" | show
expect 200 "status change"

step "waiting for the signed webhook at the receiver"
for _ in $(seq 1 60); do
  grep -q '"work_order.status_changed"' "$work/received.jsonl" 2>/dev/null && break
  sleep 0.5
done
grep -q '"work_order.status_changed"' "$work/received.jsonl" || { cat "$work/received.jsonl" >&2; fail "no work_order.status_changed webhook within 30 s"; }
python3 - "$work/received.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    event = json.loads(line)
    mark = "signature verified" if event["verified"] else "SIGNATURE NOT VERIFIED"
    print(f"    received {event['event']} (delivery {event['delivery']}): {mark}")
    print(f"      Portico-Signature: {event['signature']}")
    print("      " + json.dumps(event["payload"], sort_keys=True)[:400])
if not all(json.loads(line)["verified"] for line in open(sys.argv[1])):
    sys.exit(1)
PY

step "the app polls again (signing in afresh: its old sign-in was revoked above)"
tokens=$(call POST /auth/login "{\"identifier\":\"$email\",\"password\":\"$password\"}")
expect 200 "login again"
polled=$(call GET "/work-orders/$number" "" "$(json access_token <<<"$tokens")")
echo "    #$number status: $(json status <<<"$polled")"
bold "Done."
