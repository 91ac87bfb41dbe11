#!/usr/bin/python3
"""Production-topology test: Portico as deploy/ describes it, on one machine, faults included.

    PostgreSQL 15 (own cluster, free port; Portico connects only as the application role)
      ▲ direct: `LISTEN` (PORTICO_LISTEN_DATABASE_URL), migrations (owner, once)
      ▲ PgBouncer 1.18, transaction mode (deploy/pgbouncer.ini), PORTICO_DB_STATEMENT_CACHE=off
    3 × `portico serve` (free ports, free internal ports)
      ▲ HAProxy (health check /readyz)
      ▲ Caddy 2.6, on-demand TLS from its internal CA, `ask` → instance 1's internal listener
    client (https, SNI = tenant host, Caddy's root certificate)

A write workload goes through the JSON API and the HTML forms while instance 2 gets
`kill -9` and instance 3 SIGTERM; mail goes to a slow SMTP relay. Checks: every acknowledged
write present exactly once, no duplicate at all, SIGTERM done within the grace period, a
live update reaches a subscriber on another instance than the writer, every mail delivered
exactly once, a LISTEN URL through the transaction pool is refused (not ready, one error
line), /metrics moves. Figures are printed at the end. Every port is a free one; every
process started here is stopped here.

Usage: topology.py --portico PATH [--keep]
"""

import argparse
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BASE_DOMAIN = "topology.test"
APP_PASSWORD = "app-" + uuid.uuid4().hex
OWNER_PASSWORD = "owner-" + uuid.uuid4().hex
ADMIN_PASSWORD = "admin-" + uuid.uuid4().hex
DEMO_PASSWORD = "portico-demo-2024"
SMTP_DELAY = 2.0            # seconds per message at the relay
GRACE_SECONDS = 10          # the shutdown grace period Portico promises (issue 14, item 3)
DEADLINE = time.monotonic() + 300


class Failure(Exception):
    pass


def log(message):
    print(f"[topology {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_ports(count):
    """Distinct free loopback ports (held together while picking, so none repeats)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def wait_for(what, check, timeout):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            result = check()
            if result:
                return result
        except Exception as error:  # noqa: BLE001 - reported on timeout
            last = error
        time.sleep(0.2)
    raise Failure(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last})" if last else ""))


class Topology:
    def __init__(self, portico, keep):
        self.portico = os.path.abspath(portico)
        self.keep = keep
        self.work = tempfile.mkdtemp(prefix="portico-topology-")
        os.chmod(self.work, 0o755)
        self.processes = {}
        self.logs = {}
        self.figures = {}
        # PostgreSQL and PgBouncer refuse to run as root: they run as `postgres` then.
        self.service_user = "postgres" if os.geteuid() == 0 else None
        (self.pg_port, self.bouncer_port, self.haproxy_port, self.caddy_https, self.caddy_http,
         *rest) = free_ports(5 + 8)
        self.http_ports = rest[0:4]
        self.internal_ports = rest[4:8]
        self.bindir = self.postgres_bindir()

    # ---- processes -------------------------------------------------------------------

    def as_service_user(self, command):
        return ["runuser", "-u", self.service_user, "--"] + command if self.service_user else command

    def start(self, name, command, env=None, cwd=None):
        path = os.path.join(self.work, f"{name}.log")
        handle = open(path, "ab")
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=cwd or self.work,
                                   start_new_session=True)
        self.processes[name] = process
        self.logs[name] = path
        return process

    def log_text(self, name):
        with open(self.logs[name], "rb") as handle:
            return handle.read().decode("utf-8", "replace")

    def stop_all(self):
        for name, process in reversed(list(self.processes.items())):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=15)
                except Exception:  # noqa: BLE001 - last resort below
                    try:
                        os.killpg(process.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass

    def run(self, command, env=None, check=True, user=False, input=None):
        result = subprocess.run(self.as_service_user(command) if user else command, env=env, cwd=self.work,
                                capture_output=True, text=True, timeout=240, input=input)
        if check and result.returncode != 0:
            raise Failure(f"{' '.join(command[:3])}… exited {result.returncode}: {result.stderr[-1500:]}{result.stdout[-500:]}")
        return result

    # ---- PostgreSQL ------------------------------------------------------------------

    @staticmethod
    def postgres_bindir():
        for candidate in sorted((p for p in os.listdir("/usr/lib/postgresql") if p.isdigit()), key=int, reverse=True):
            path = f"/usr/lib/postgresql/{candidate}/bin"
            if os.path.exists(f"{path}/initdb"):
                return path
        raise Failure("PostgreSQL server binaries not found (apt-get install postgresql)")

    def give_to_service_user(self, path):
        if self.service_user:
            entry = pwd.getpwnam(self.service_user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def start_postgres(self):
        data = os.path.join(self.work, "pgdata")
        sockets = os.path.join(self.work, "pgsocket")
        password_file = os.path.join(self.work, "pgpass-admin")
        os.mkdir(sockets)
        with open(password_file, "w") as handle:
            handle.write(ADMIN_PASSWORD)
        for path in (self.work, sockets, password_file):
            self.give_to_service_user(path)
        self.run([f"{self.bindir}/initdb", "-D", data, "-U", "topology_admin", "--pwfile", password_file,
                  "--auth=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-instructions"], user=True)
        self.start("postgres", self.as_service_user([
            f"{self.bindir}/postgres", "-D", data, "-c", "listen_addresses=127.0.0.1", "-c", f"port={self.pg_port}",
            "-c", f"unix_socket_directories={sockets}", "-c", "max_connections=200", "-c", "fsync=off",
        ]))
        wait_for("PostgreSQL", lambda: self.psql("SELECT 1", database="postgres", check=False).returncode == 0, 30)
        self.psql(f"""
            CREATE ROLE portico_owner LOGIN PASSWORD '{OWNER_PASSWORD}';
            CREATE ROLE portico_app LOGIN PASSWORD '{APP_PASSWORD}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
            CREATE DATABASE portico OWNER portico_owner ENCODING 'UTF8' TEMPLATE template0;
            -- PgBouncer 1.18 drops the `options` startup parameter (ignore_startup_parameters):
            -- the same settings on the role (deploy/SCALING.md).
            ALTER ROLE portico_app SET DateStyle = 'ISO';
            ALTER ROLE portico_app SET TimeZone = 'UTC';
            ALTER ROLE portico_app SET IntervalStyle = 'iso_8601';
            ALTER ROLE portico_app SET extra_float_digits = 3;
        """, database="postgres")

    def psql(self, sql, database="portico", check=True):
        env = dict(os.environ, PGPASSWORD=ADMIN_PASSWORD)
        # Statements from standard input run one by one (CREATE DATABASE cannot be in a transaction).
        return self.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-h", "127.0.0.1", "-p", str(self.pg_port),
                         "-U", "topology_admin", "-d", database, "-f", "-"], env=env, check=check, input=sql)

    def scalar(self, sql):
        return self.psql(sql).stdout.strip()

    def url(self, role, password, port):
        return f"postgresql://{role}:{password}@127.0.0.1:{port}/portico"

    # ---- PgBouncer -------------------------------------------------------------------

    def start_pgbouncer(self):
        """deploy/pgbouncer.ini as shipped, with only the lines marked "test:" replaced."""
        with open(os.path.join(ROOT, "deploy", "pgbouncer.ini")) as handle:
            ini = handle.read()
        replacements = {
            r"^portico = .*$": f"portico = host=127.0.0.1 port={self.pg_port} dbname=portico",
            r"^listen_addr = .*$": "listen_addr = 127.0.0.1",
            r"^listen_port = .*$": f"listen_port = {self.bouncer_port}",
            r"^unix_socket_dir = .*$": f"unix_socket_dir = {self.work}/pgsocket",
            r"^auth_file = .*$": f"auth_file = {self.work}/userlist.txt",
            r"^logfile = .*$": f"logfile = {self.work}/pgbouncer-file.log",
            r"^pidfile = .*$": f"pidfile = {self.work}/pgbouncer.pid",
            r"^default_pool_size = .*$": "default_pool_size = 10",
        }
        for pattern, value in replacements.items():
            ini, count = re.subn(pattern, value, ini, flags=re.MULTILINE)
            if count != 1:
                raise Failure(f"deploy/pgbouncer.ini: expected one line matching {pattern}")
        path = os.path.join(self.work, "pgbouncer.ini")
        with open(path, "w") as handle:
            handle.write(ini)
        with open(os.path.join(self.work, "userlist.txt"), "w") as handle:
            handle.write(f'"portico_app" "{APP_PASSWORD}"\n')
        for name in ("pgbouncer.ini", "userlist.txt"):
            self.give_to_service_user(os.path.join(self.work, name))
        version = self.run(["pgbouncer", "--version"]).stdout.splitlines()[0]
        self.figures["pgbouncer"] = version
        self.start("pgbouncer", self.as_service_user(["pgbouncer", path]))
        env = dict(os.environ, PGPASSWORD=APP_PASSWORD)
        probe = ["psql", "-X", "-At", "-h", "127.0.0.1", "-p", str(self.bouncer_port), "-U", "portico_app", "-d", "portico",
                 "-c", "SHOW TimeZone"]
        result = wait_for("PgBouncer", lambda: (r := self.run(probe, env=env, check=False)).returncode == 0 and r, 20)
        if result.stdout.strip() != "UTC":
            raise Failure(f"through PgBouncer the app role's TimeZone is {result.stdout.strip()!r}, expected UTC")
        log(f"{version} accepted deploy/pgbouncer.ini (transaction mode) on port {self.bouncer_port}")

    # ---- Portico ---------------------------------------------------------------------

    def portico_env(self, index, smtp_port, listen_through_bouncer=False):
        data = os.path.join(self.work, f"portico{index}")
        os.makedirs(data, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.work,
            "DATABASE_URL": self.url("portico_app", APP_PASSWORD, self.bouncer_port),
            "PORTICO_DB_STATEMENT_CACHE": "off",
            "PORTICO_LISTEN_DATABASE_URL": self.url("portico_app", APP_PASSWORD,
                                                    self.bouncer_port if listen_through_bouncer else self.pg_port),
            "PORTICO_DB_POOL_SIZE": "6",
            "PORTICO_DATA_DIR": data,
            "PORTICO_INTERNAL_PORT": str(self.internal_ports[index - 1]),
            "PORTICO_BASE_DOMAIN": BASE_DOMAIN,
            "PORTICO_OPERATOR_HOST": f"operator.{BASE_DOMAIN}",
            "PORTICO_PUBLIC_SCHEME": "https",
            "PORTICO_PUBLIC_PORT": str(self.caddy_https),
            "PORTICO_TRUSTED_PROXIES": "127.0.0.1",
            "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            "SMTP_STARTTLS": "off",
            "SMTP_FROM": f"portal@{BASE_DOMAIN}",
            "LOG_LEVEL": "info",
        }
        return env

    def cli(self, *arguments, env):
        return self.run([self.portico, *arguments], env=env)

    def start_portico(self, index, smtp_port, listen_through_bouncer=False):
        env = self.portico_env(index, smtp_port, listen_through_bouncer)
        return self.start(f"portico{index}", [self.portico, "serve", "--hostname", "127.0.0.1",
                                              "--port", str(self.http_ports[index - 1])], env=env)

    def ready(self, index):
        return http_status("127.0.0.1", self.http_ports[index - 1], "GET", "/readyz") == 200

    # ---- HAProxy and Caddy -----------------------------------------------------------

    def start_haproxy(self):
        servers = "\n".join(f"    server portico{i} 127.0.0.1:{self.http_ports[i - 1]} check" for i in (1, 2, 3))
        config = f"""
global
    maxconn 4000

defaults
    mode http
    timeout connect 2s
    timeout client 65s
    timeout server 65s
    timeout tunnel 1h
    # Only a request that never reached an instance is retried elsewhere: a POST that an
    # instance took and then died on must not run twice.
    retries 3
    option redispatch
    retry-on conn-failure
    option forwardfor

frontend portico
    bind 127.0.0.1:{self.haproxy_port}
    default_backend portico

backend portico
    balance leastconn
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
{servers}
"""
        path = os.path.join(self.work, "haproxy.cfg")
        with open(path, "w") as handle:
            handle.write(config)
        self.run(["haproxy", "-c", "-f", path])
        self.start("haproxy", ["haproxy", "-db", "-f", path])
        wait_for("HAProxy", lambda: http_status("127.0.0.1", self.haproxy_port, "GET", "/healthz") == 200, 20)

    def start_caddy(self):
        storage = os.path.join(self.work, "caddy")
        config = f"""
{{
	admin off
	http_port {self.caddy_http}
	https_port {self.caddy_https}
	storage file_system {storage}
	skip_install_trust
	on_demand_tls {{
		ask http://127.0.0.1:{self.internal_ports[0]}/internal/tls/ask
	}}
}}

https:// {{
	tls internal {{
		on_demand
	}}
	reverse_proxy 127.0.0.1:{self.haproxy_port} {{
		flush_interval -1
	}}
}}
"""
        path = os.path.join(self.work, "Caddyfile")
        with open(path, "w") as handle:
            handle.write(config)
        env = dict(os.environ, HOME=self.work, XDG_DATA_HOME=os.path.join(self.work, "xdg-data"),
                   XDG_CONFIG_HOME=os.path.join(self.work, "xdg-config"))
        self.run(["caddy", "validate", "--adapter", "caddyfile", "--config", path], env=env)
        self.start("caddy", ["caddy", "run", "--adapter", "caddyfile", "--config", path], env=env)
        self.ca_file = os.path.join(storage, "pki", "authorities", "local", "root.crt")
        wait_for("Caddy's local CA", lambda: os.path.exists(self.ca_file), 30)
        wait_for("Caddy's https port", lambda: socket.create_connection(("127.0.0.1", self.caddy_https), 1).close() or True, 30)

    def curl_tls(self, host):
        return subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20",
                               "--resolve", f"{host}:{self.caddy_https}:127.0.0.1", "--cacert", self.ca_file,
                               f"https://{host}:{self.caddy_https}/healthz"], capture_output=True, text=True)


# ---- HTTP clients ---------------------------------------------------------------------

def http_status(host, port, method, path, headers=None, timeout=5):
    try:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        connection.request(method, path, headers=headers or {})
        status = connection.getresponse().status
        connection.close()
        return status
    except OSError:
        return None


class ResolvedHTTPS(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 with the tenant host as SNI and Host, like curl --resolve."""

    def __init__(self, host, port, context, timeout=30):
        super().__init__(host, port, context=context, timeout=timeout)

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class Client:
    """A visitor through Caddy: one keep-alive connection, cookies, redirects not followed."""

    def __init__(self, topology, host):
        self.host = host
        self.port = topology.caddy_https
        self.context = ssl.create_default_context(cafile=topology.ca_file)
        self.cookies = {}
        self.connection = None

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = ResolvedHTTPS(self.host, self.port, self.context)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
                # A kept-alive connection Caddy closed: only safe to repeat when nothing was sent
                # on it this time, which these errors do not promise — so only for GET.
                self.connection.close()
                self.connection = None
                if method != "GET" or attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, dict((k.lower(), v) for k, v in response.getheaders()), data.decode("utf-8", "replace")

    def csrf(self, path):
        status, _, page = self.request("GET", path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if status != 200 or not match:
            raise Failure(f"GET {path}: {status}, no CSRF token")
        return match.group(1)

    def form(self, path, fields, multipart=False):
        """A browser's form post: url-encoded, or multipart for forms that take files."""
        if multipart:
            boundary = "topology" + uuid.uuid4().hex
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                     for name, value in fields.items()]
            body = ("".join(parts) + f"--{boundary}--\r\n").encode()
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            body = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        return self.request("POST", path, body=body, headers={
            "Content-Type": content_type, "Origin": f"https://{self.host}:{self.port}"})

    def sign_in(self, email):
        token = self.csrf("/portal/login")
        status, headers, _ = self.form("/portal/login", {"csrf_token": token, "identifier": email, "password": DEMO_PASSWORD})
        if status not in (302, 303):
            raise Failure(f"sign-in of {email}: {status}")


# ---- the scenario ---------------------------------------------------------------------

class Workload:
    """Writers through Caddy until stopped; each write carries a unique marker in its title."""

    def __init__(self, topology, api_key):
        self.topology = topology
        self.api_key = api_key
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acknowledged = []      # (marker, channel)
        self.attempted = 0
        self.server_errors = 0
        self.threads = []
        self.errors = []
        self.answers = {}           # channel → {HTTP status (None: no answer): count}

    def record(self, marker, channel, ok, status):
        with self.lock:
            self.attempted += 1
            answers = self.answers.setdefault(channel, {})
            answers[status] = answers.get(status, 0) + 1
            if ok:
                self.acknowledged.append((marker, channel))
            if status is not None and status >= 500:
                self.server_errors += 1

    def api_writer(self, tenant, organization, count=None):
        client = Client(self.topology, f"{tenant}.{BASE_DOMAIN}")
        written = 0
        while not self.stop.is_set() and (count is None or written < count):
            marker = f"topo-{uuid.uuid4().hex[:12]}"
            body = json.dumps({"organization_external_id": organization, "title": f"API {marker}",
                               "description": "Written by the topology test."})
            try:
                status, _, _ = client.request("POST", "/api/v1/admin/work-orders", body=body, headers={
                    "Authorization": f"Bearer {self.api_key[tenant]}", "Content-Type": "application/json"})
            except (OSError, http.client.HTTPException):
                status = None
                client.connection = None
            self.record(marker, f"api:{tenant}", status == 201, status)
            written += 1
            if status is None or status >= 500:
                time.sleep(0.1)

    def subscriber_writer(self, tenant, email, count):
        """A mobile app: signs in through the subscriber API and submits work orders, each of
        which mails the subscriber (work_order_received) and the tenant's staff."""
        client = Client(self.topology, f"{tenant}.{BASE_DOMAIN}")
        status, _, body = client.request("POST", "/api/v1/auth/login", body=json.dumps(
            {"identifier": email, "password": DEMO_PASSWORD}), headers={"Content-Type": "application/json"})
        if status != 200:
            raise Failure(f"subscriber API sign-in of {email}: {status} {body[:200]}")
        tokens = json.loads(body)
        token = tokens.get("access_token") or tokens["accessToken"]
        for _ in range(count):
            marker = f"topo-{uuid.uuid4().hex[:12]}"
            try:
                status, _, _ = client.request("POST", "/api/v1/work-orders", body=json.dumps(
                    {"title": f"App {marker}", "description": "Submitted through the subscriber API.", "category": "Repair",
                     "priority": "normal", "submit": True}),
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            except (OSError, http.client.HTTPException):
                status = None
                client.connection = None
            self.record(marker, f"subscriber-api:{tenant}", status == 201, status)

    def form_writer(self, email):
        client = Client(self.topology, f"acme.{BASE_DOMAIN}")
        client.sign_in(email)
        while not self.stop.is_set():
            marker = f"topo-{uuid.uuid4().hex[:12]}"
            status = None
            try:
                token = client.csrf("/portal/work-orders/new")
                status, headers, _ = client.form("/portal/work-orders", {
                    "csrf_token": token, "title": f"Form {marker}", "description": "Written through the HTML form.",
                    "category": "Repair", "priority": "normal", "action": "submit"}, multipart=True)
                ok = status == 303 and "/portal/work-orders/" in headers.get("location", "")
            except (OSError, http.client.HTTPException, Failure):
                ok = False
                client.connection = None
            self.record(marker, "form", ok, status)
            if status is None or status >= 500:
                time.sleep(0.1)

    def begin(self, targets):
        for target, arguments in targets:
            thread = threading.Thread(target=self.guarded, args=(target, arguments), daemon=True)
            thread.start()
            self.threads.append(thread)

    def guarded(self, target, arguments):
        """A writer that fails outright (its sign-in, say) fails the test instead of dying quietly."""
        try:
            target(*arguments)
        except Exception as error:  # noqa: BLE001 - reported below
            with self.lock:
                self.errors.append(f"{target.__name__}{arguments}: {error}")

    def end(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def read_sse(topology, port, cookies, host, events, ready, stop):
    """A subscriber's live-update stream, straight to one instance (no balancer in between)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/portal/events", headers={
        "Host": host, "Accept": "text/event-stream", "X-Forwarded-Proto": "https",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    response = connection.getresponse()
    if response.status != 200:
        events.append(f"status {response.status}")
        ready.set()
        return
    buffer = b""
    while not stop.is_set():
        chunk = response.fp.read1(4096) if hasattr(response.fp, "read1") else response.read(1)
        if not chunk:
            break
        buffer += chunk
        if b": connected" in buffer:
            ready.set()
        for line in buffer.split(b"\n"):
            if line.startswith(b"data:"):
                events.append(line[5:].strip().decode())
        buffer = buffer[buffer.rfind(b"\n") + 1:]
    connection.close()


def scrape(topology, index):
    connection = http.client.HTTPConnection("127.0.0.1", topology.internal_ports[index - 1], timeout=10)
    connection.request("GET", "/metrics")
    response = connection.getresponse()
    return response.status, response.read().decode()


def metric(text, name, **labels):
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return None


def scenario(topology):
    log(f"work directory {topology.work}")
    topology.start_postgres()
    log(f"PostgreSQL on 127.0.0.1:{topology.pg_port}: roles portico_owner and portico_app")
    topology.start_pgbouncer()

    smtp_log = os.path.join(topology.work, "smtp-received.jsonl")
    smtp_ready = os.path.join(topology.work, "smtp-ready.json")
    topology.start("smtp", ["/usr/bin/python3", os.path.join(HERE, "slow_smtp.py"), "--ready-file", smtp_ready,
                            "--log", smtp_log, "--delay", str(SMTP_DELAY)])
    smtp_port = wait_for("the SMTP relay", lambda: os.path.exists(smtp_ready) and json.load(open(smtp_ready))["port"], 20)
    open(smtp_log, "a").close()

    # The owner once, for migrations (direct); everything else as the application role
    # through PgBouncer with the statement cache off.
    env = topology.portico_env(1, smtp_port)
    topology.cli("migrate", "up", env=dict(env, MIGRATE_DATABASE_URL=topology.url("portico_owner", OWNER_PASSWORD, topology.pg_port)))
    for _ in range(2):   # twice: PgBouncer has served earlier clients the second time
        topology.cli("migrate", "status", env=env)
    topology.cli("demo", env=env)
    api_key = {}
    for tenant in ("acme", "zenith"):
        api_key[tenant] = topology.cli("api-key", "create", "--tenant", tenant, "--name", "Topology test", "--scope", "write",
                                       env=env).stdout.strip().splitlines()[-1]
    version = topology.cli("--version", env=env).stdout.strip()
    topology.figures["portico --version"] = version
    log(f"migrated, demo tenants and API keys created through PgBouncer (portico {version})")

    # Acme takes the bulk writes without mail (its admins switched every optional email
    # off); Zenith gets a fixed number of work orders, each mailing its subscriber.
    optional = ["welcome", "work_order_received", "work_order_approved", "work_order_rejected", "work_order_status_changed",
                "work_order_progress", "work_order_completed", "work_order_comment", "appointment_proposed",
                "appointment_confirmed", "appointment_changed", "appointment_reminder", "task_assigned", "staff_notice"]
    array = "ARRAY[" + ",".join(f"'{kind}'" for kind in optional) + "]"
    topology.psql(f"""
        INSERT INTO tenant_settings (tenant_id, disabled_notifications) SELECT id, {array} FROM tenants WHERE slug = 'acme'
            ON CONFLICT (tenant_id) DO UPDATE SET disabled_notifications = EXCLUDED.disabled_notifications;
        UPDATE organizations o SET external_id = 'topology-' || t.slug
          FROM tenants t, customers c
         WHERE o.tenant_id = t.id AND c.tenant_id = o.tenant_id AND c.organization_id = o.id
           AND c.email IN ('dana@acme.example', 'ravi@zenith.example');
    """)

    for index in (1, 2, 3):
        topology.start_portico(index, smtp_port)
    for index in (1, 2, 3):
        wait_for(f"portico{index} ready", lambda i=index: topology.ready(i), 60)
    log("three instances ready behind PgBouncer")

    # A LISTEN URL through the transaction pool: refused, not silently deaf.
    deaf = topology.start_portico(4, smtp_port, listen_through_bouncer=True)
    wait_for("the deaf instance's error line", lambda: "PORTICO_LISTEN_DATABASE_URL" in topology.log_text("portico4"), 30)
    if topology.ready(4):
        raise Failure("an instance whose LISTEN goes through the transaction pool reports ready")
    status, text = scrape(topology, 4)
    if metric(text, "portico_listen_state", state="not_delivered") != 1:
        raise Failure("/metrics of the deaf instance does not say not_delivered")
    errors = [line for line in topology.log_text("portico4").splitlines() if "PORTICO_LISTEN_DATABASE_URL" in line]
    os.killpg(deaf.pid, signal.SIGTERM)
    deaf.wait(timeout=30)
    topology.figures["LISTEN through the transaction pool"] = f"not ready, {len(errors)} error line(s)"
    log("LISTEN through the transaction pool: /readyz 503 and one error line naming PORTICO_LISTEN_DATABASE_URL")

    topology.start_haproxy()
    topology.start_caddy()
    # The first handshake makes Caddy ask Portico and issue the certificate; its NotBefore is
    # the current second, which curl may see as "not yet valid" for a moment: retry briefly.
    attempts = []
    def tenant_host_served():
        attempts.append(topology.curl_tls(f"acme.{BASE_DOMAIN}"))
        return attempts[-1].stdout == "200"
    try:
        wait_for("a certificate for the tenant host", tenant_host_served, 15)
    except Failure:
        raise Failure(f"tenant host over TLS: {attempts[-1].stdout} {attempts[-1].stderr.strip()}")
    unknown = topology.curl_tls(f"nobody-{uuid.uuid4().hex[:6]}.{BASE_DOMAIN}")
    if unknown.returncode == 0:
        raise Failure(f"an unknown host got a certificate: {unknown.stdout}")
    log(f"Caddy: acme.{BASE_DOMAIN} got a certificate from the local CA; an unknown host was refused (curl exit {unknown.returncode})")

    # Live update across instances: the subscriber's stream on instance 1, the write through instance 2.
    subscriber = Client(topology, f"acme.{BASE_DOMAIN}")
    subscriber.sign_in("dana@acme.example")
    events, ready, stop_stream = [], threading.Event(), threading.Event()
    reader = threading.Thread(target=read_sse, args=(topology, topology.http_ports[0], subscriber.cookies, f"acme.{BASE_DOMAIN}",
                                                     events, ready, stop_stream), daemon=True)
    reader.start()
    if not ready.wait(15) or (events and events[0].startswith("status")):
        raise Failure(f"the live-update stream did not open: {events}")
    status, text = scrape(topology, 1)
    if (metric(text, "portico_sse_connections") or 0) < 1:
        raise Failure("instance 1's /metrics does not count the open live-update stream")
    written = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", topology.http_ports[1], timeout=15)
    connection.request("POST", "/api/v1/admin/work-orders", body=json.dumps({
        "organization_external_id": "topology-acme", "title": "Live update across instances"}), headers={
        "Host": f"acme.{BASE_DOMAIN}", "Authorization": f"Bearer {api_key['acme']}", "Content-Type": "application/json",
        "X-Forwarded-Proto": "https"})
    if connection.getresponse().status != 201:
        raise Failure("the live-update write was refused")
    wait_for("the live update on the other instance", lambda: any('"type"' in e for e in events), 10)
    topology.figures["live update across instances"] = f"{time.monotonic() - written:.2f} s"
    stop_stream.set()
    log(f"live update reached instance 1's subscriber {topology.figures['live update across instances']} after the write on instance 2")

    # The workload, with a kill -9 and a SIGTERM in the middle of it.
    workload = Workload(topology, api_key)
    workload.begin([(workload.api_writer, ("acme", "topology-acme")), (workload.api_writer, ("acme", "topology-acme")),
                    (workload.form_writer, ("dana@acme.example",)), (workload.form_writer, ("luis@acme.example",))])
    time.sleep(6)
    victim = topology.processes["portico2"]
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    log("kill -9 portico2")
    time.sleep(3)
    topology.start_portico(2, smtp_port)
    wait_for("portico2 back", lambda: topology.ready(2), 60)
    log("portico2 restarted and ready")
    # Mail now: a fixed number of Zenith work orders submitted by a subscriber, each queueing mail.
    mail_writer = threading.Thread(target=workload.guarded, args=(workload.subscriber_writer, ("zenith", "ravi@zenith.example", 8)),
                                   daemon=True)
    mail_writer.start()
    mail_writer.join(timeout=60)
    time.sleep(2 * SMTP_DELAY)
    term = topology.processes["portico3"]
    sent_at = time.monotonic()
    os.killpg(term.pid, signal.SIGTERM)
    try:
        term.wait(timeout=GRACE_SECONDS + 50)
    except subprocess.TimeoutExpired:
        os.killpg(term.pid, signal.SIGKILL)
        term.wait()
    drain = time.monotonic() - sent_at
    topology.figures["SIGTERM drain"] = f"{drain:.1f} s (exit {term.returncode})"
    log(f"SIGTERM portico3: exited after {drain:.1f} s with status {term.returncode}")
    time.sleep(4)
    workload.end()
    log(f"workload stopped: {workload.attempted} writes attempted, {len(workload.acknowledged)} acknowledged")

    # Every acknowledged write exactly once; nothing at all twice.
    rows = topology.psql("SELECT substring(title FROM 'topo-[0-9a-f]{12}') AS marker, count(*) FROM work_orders "
                         "WHERE title ~ 'topo-[0-9a-f]{12}' GROUP BY 1").stdout.split()
    counts = {}
    for row in rows:
        marker, count = row.split("|")
        counts[marker] = int(count)
    acknowledged = [marker for marker, _ in workload.acknowledged]
    present = sum(1 for marker in acknowledged if counts.get(marker) == 1)
    missing = [marker for marker in acknowledged if marker not in counts]
    duplicated = [marker for marker, count in counts.items() if count > 1]
    by_channel = {}
    for _, channel in workload.acknowledged:
        by_channel[channel] = by_channel.get(channel, 0) + 1
    topology.figures["writes acknowledged"] = f"{len(acknowledged)} ({', '.join(f'{k} {v}' for k, v in sorted(by_channel.items()))})"
    topology.figures["writes present exactly once"] = present
    topology.figures["writes duplicated"] = len(duplicated)
    topology.figures["writes unacknowledged but present"] = len(counts) - len(set(acknowledged) & set(counts))
    topology.figures["5xx answers"] = workload.server_errors
    for channel, answers in sorted(workload.answers.items()):
        topology.figures[f"answers {channel}"] = ", ".join(f"{status}: {count}" for status, count in
                                                           sorted(answers.items(), key=lambda item: str(item[0])))

    # Every mail delivered once: wait until the outbox has nothing left to send.
    def drained():
        left = topology.scalar("SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')")
        return left == "0"
    try:
        wait_for("the outbox to drain", drained, max(30, DEADLINE - time.monotonic() - 20))
    except Failure as error:
        log(str(error))
    queued = int(topology.scalar("SELECT count(*) FROM outbox"))
    sent = int(topology.scalar("SELECT count(*) FROM outbox WHERE status = 'sent'"))
    with open(smtp_log) as handle:
        received = [json.loads(line)["message_id"] for line in handle if line.strip()]
    unique = set(received)
    topology.figures["mails queued"] = queued
    topology.figures["mails marked sent"] = sent
    topology.figures["mails delivered (distinct Message-IDs)"] = len(unique)
    topology.figures["mails duplicated"] = len(received) - len(unique)

    status, text = scrape(topology, 1)
    with open(os.path.join(topology.work, "metrics-portico1.txt"), "w") as handle:
        handle.write(text)     # kept with --keep (e.g. for `promtool check metrics`)
    requests = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("portico_http_requests_total{"))
    topology.figures["portico1 /metrics requests counted"] = int(requests)

    print()
    print("Topology test figures")
    for name, value in topology.figures.items():
        print(f"  {name}: {value}")
    print()

    problems = list(workload.errors)
    if missing or present != len(acknowledged):
        problems.append(f"{len(acknowledged) - present} acknowledged write(s) not present exactly once (missing: {missing[:5]})")
    if duplicated:
        problems.append(f"{len(duplicated)} write(s) stored more than once: {duplicated[:5]}")
    if len(acknowledged) < 50:
        problems.append(f"only {len(acknowledged)} writes acknowledged: the workload did not run")
    if drain > GRACE_SECONDS + 5:
        problems.append(f"SIGTERM took {drain:.1f} s, more than the {GRACE_SECONDS} s grace period (+5 s)")
    if queued == 0:
        problems.append("no mail was queued")
    if len(unique) != queued or sent != queued:
        problems.append(f"{queued} mails queued, {sent} marked sent, {len(unique)} delivered")
    if len(received) != len(unique):
        problems.append(f"{len(received) - len(unique)} mail(s) delivered twice")
    if requests <= 0:
        problems.append("/metrics counted no request")
    if problems:
        raise Failure("; ".join(problems))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portico", required=True, help="the portico binary")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    options = parser.parse_args()
    for tool in ("pgbouncer", "haproxy", "caddy", "curl", "psql"):
        if shutil.which(tool) is None:
            print(f"topology: {tool} is missing (deploy/install-deps.sh --test installs it)", file=sys.stderr)
            return 2
    topology = Topology(options.portico, options.keep)
    timer = threading.Timer(DEADLINE - time.monotonic() + 60, lambda: (log("over time: stopping"), topology.stop_all(), os._exit(1)))
    timer.daemon = True
    timer.start()
    try:
        scenario(topology)
        log("PASS")
        print("1 passed, 0 failed")
        return 0
    except Failure as error:
        log(f"FAIL: {error}")
        for name in topology.logs:
            if name.startswith("portico") or name in ("pgbouncer", "caddy", "haproxy"):
                tail = topology.log_text(name).splitlines()[-15:]
                print(f"--- last lines of {name}.log ---\n" + "\n".join(tail), file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    finally:
        topology.stop_all()
        if options.keep:
            log(f"kept {topology.work}")
        else:
            shutil.rmtree(topology.work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
