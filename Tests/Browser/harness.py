"""The browser-test harness: one real `portico serve` on a fresh data directory, and headless
Chromium (Debian's /usr/bin/chromium through /usr/bin/chromedriver) driving it.

Tests use it through the fixtures in conftest.py; this module holds the pieces:

* `SMTPCapture` is a real SMTP server on loopback (Debian's python3-aiosmtpd, through
  Tests/PorticoTestSupport/smtp_test_server.py) with STARTTLS required, which `serve` delivers to;
* `PorticoServer` starts `portico demo` then `portico serve` (mail through `SMTP_URL` to the
  capture server) and stops both cleanly; `server.cli(...)` runs another `portico` command;
* `new_driver()` opens a headless Chromium that records console messages, uncaught errors and
  Content-Security-Policy violations from the first byte of every page;
* `set_viewport()`, `save_screenshot()`, `page_problems()` and friends check one page;
* `sign_in()` signs in through the real forms;
* `wait_for_message()` takes a message the SMTP server received and decodes it as a mail client
  would (`Mail`: html, text, links, the call-to-action button); `read_mail()` is its short form;
* `totp()` computes an authenticator's code; `ForeignSite` serves a page from another origin.
"""

from __future__ import annotations

import base64
import ctypes
import email
import email.policy
import hashlib
import hmac
import html.parser
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("PORTICO_BROWSER_ARTIFACTS", REPO_ROOT / "artifacts" / "browser"))
CHROMIUM = os.environ.get("PORTICO_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PORTICO_CHROMEDRIVER", "/usr/bin/chromedriver")

PASSWORD = "portico-demo-2024"

# Demo accounts (see README): tenant -> role -> sign-in email.
ACCOUNTS = {
    "acme": {"subscriber": "dana@acme.example", "admin": "admin@acme.example",
             "agent": "agent@acme.example", "technician": "tech@acme.example"},
    "zenith": {"subscriber": "ravi@zenith.example", "admin": "admin@zenith.example",
               "agent": "agent@zenith.example", "technician": "tech@zenith.example"},
}
COMPANY_NAMES = {"acme": "Acme Wireless", "zenith": "Zenith Networks"}

# Roles that sign in on /admin/login; "operator" signs in on the operator host; every other
# role except "anonymous" uses /portal/login.
STAFF_ROLES = {"admin", "agent", "technician"}
OPERATOR_EMAIL = "ops-browser@platform.example"
OPERATOR_PASSWORD = "operator browser passphrase"


# MARK: - Server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent():
    """In the child before exec: get SIGTERM if the test process dies, so a killed run does not
    leave a server (and its PostgreSQL) behind. `serve` stops its cluster on SIGTERM."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


# Debian's interpreter, which has python3-aiosmtpd (the venv running pytest does not need it).
SYSTEM_PYTHON = os.environ.get("PORTICO_TEST_PYTHON", "/usr/bin/python3")
SMTP_SERVER_SCRIPT = REPO_ROOT / "Tests" / "PorticoTestSupport" / "smtp_test_server.py"


class SMTPCapture:
    """A real SMTP relay for the server under test: smtp_test_server.py (the one the Swift
    tests use) on a free port of 127.0.0.1, offering and requiring STARTTLS with a certificate
    from a private CA made here, as a production relay would. `serve` trusts that CA through
    `SMTP_CA_FILE`, so mail travels exactly the production path (libcurl, STARTTLS, DATA).
    Every accepted message is saved as `<n>.eml` (the DATA as received) and `<n>.json` (the
    envelope) in `directory`."""

    def __init__(self, work_dir: Path, log_path: Path):
        self.work_dir = work_dir
        self.directory = work_dir / "messages"
        self.log_path = log_path
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self._log = None
        self._parsed: dict[int, Mail] = {}

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> Path:
        return self.work_dir / "ca.pem"

    def _certificates(self) -> None:
        def run(*arguments):
            subprocess.run(["openssl", *arguments], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           cwd=self.work_dir, timeout=60)
        curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        run("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", f"/CN=Portico browser-test CA {os.getpid()}",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        run("req", *curve, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
        (self.work_dir / "server.ext").write_text(
            "basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\n"
            "extendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost, IP:127.0.0.1\n")
        run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
            "0x" + os.urandom(8).hex(), "-days", "2", "-extfile", "server.ext", "-out", "server.pem")

    def start(self, timeout: float = 20) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._certificates()
        ready = self.work_dir / "ready.json"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [SYSTEM_PYTHON, str(SMTP_SERVER_SCRIPT), "--directory", str(self.directory), "--ready-file", str(ready),
             "--starttls", "--cert", str(self.work_dir / "server.pem"), "--key", str(self.work_dir / "server.key")],
            stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the SMTP capture server exited ({self.process.returncode}); is python3-aiosmtpd "
                                   f"installed (apt-get install python3-aiosmtpd)?\n{self.log_path.read_text(errors='replace')}")
            try:
                self.port = json.loads(ready.read_text())["port"]
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except (OSError, ValueError, KeyError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the SMTP capture server was not ready within {timeout:.0f} s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self._log:
            self._log.close()

    def count(self) -> int:
        """How many messages arrived so far (a marker for `wait_for_message(since=…)`)."""
        return len(list(self.directory.glob("*.eml")))

    def messages(self, since: int = 0) -> list[Mail]:
        """The messages received after the first `since`, in order of arrival."""
        numbers = sorted(int(path.stem) for path in self.directory.glob("*.eml") if path.stem.isdigit())
        for number in numbers:
            if number not in self._parsed:
                self._parsed[number] = Mail.load(self.directory, number)
        return [self._parsed[number] for number in numbers if number > since]


class PorticoServer:
    """`portico demo` then `portico serve` on a fresh data directory and a free port, sending
    its mail through `SMTP_URL` to an `SMTPCapture`."""

    def __init__(self, binary: Path, log_path: Path):
        self.binary = binary
        self.port = free_port()
        # The loopback TLS-ask listener too: another Portico on this machine may hold 8081.
        self.internal_port = free_port()
        self.data_dir = Path(tempfile.mkdtemp(prefix="portico-browser-"))
        # Running as root, the embedded PostgreSQL runs as `postgres`: let it reach the folder so
        # the cluster stays inside it (removed with it) instead of under /var/tmp.
        os.chmod(self.data_dir, 0o755)
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self._log = None
        self.smtp = SMTPCapture(self.data_dir / "smtp", log_path.parent / "smtp.log")

    @property
    def env(self) -> dict:
        env = dict(os.environ)
        env.update({
            "PORTICO_DATA_DIR": str(self.data_dir),
            "PORTICO_PUBLIC_PORT": str(self.port),
            "PORTICO_INTERNAL_PORT": str(self.internal_port),
            "PORTICO_HOME": str(REPO_ROOT),
            # Every page the suite opens must be readable by templates without reflection.
            "PORTICO_AUDIT_VIEWS": "1",
            "LOG_LEVEL": os.environ.get("PORTICO_BROWSER_LOG_LEVEL", "info"),
            # The production mail path: STARTTLS required (the default), the relay's private CA trusted.
            "SMTP_URL": self.smtp.url,
            "SMTP_CA_FILE": str(self.smtp.ca_file),
        })
        for name in ("DATABASE_URL", "MIGRATE_DATABASE_URL", "SMTP_STARTTLS", "SMTP_FROM", "PORTICO_BASE_DOMAIN",
                     "PORTICO_OPERATOR_HOST", "PORTICO_PUBLIC_SCHEME", "PORTICO_TRUSTED_PROXIES"):
            env.pop(name, None)
        return env

    def cli(self, *arguments: str, timeout: float = 120) -> str:
        """Runs `portico <arguments>` against this server's database (as an operator on the
        machine would) and returns what it printed; raises with its output if it failed."""
        done = subprocess.run([str(self.binary), *arguments], env=self.env, cwd=REPO_ROOT, capture_output=True,
                              text=True, timeout=timeout, preexec_fn=_die_with_parent)
        if done.returncode != 0:
            raise RuntimeError(f"`portico {' '.join(arguments)}` exited with {done.returncode}:\n{done.stdout}{done.stderr}")
        return done.stdout

    def url(self, host: str, path: str = "/") -> str:
        """`host` is a tenant slug (`acme`), `operator`, or a full host name."""
        if "." not in host:
            host = f"{host}.localhost"
        return f"http://{host}:{self.port}{path}"

    def start(self, timeout: float = 180) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.smtp.start()
        self._log = open(self.log_path, "wb")
        demo = subprocess.run([str(self.binary), "demo"], env=self.env, cwd=REPO_ROOT, stdout=self._log,
                              stderr=subprocess.STDOUT, timeout=timeout, preexec_fn=_die_with_parent)
        if demo.returncode != 0:
            raise RuntimeError(f"`portico demo` exited with {demo.returncode}:\n{self.log_tail()}")
        self.process = subprocess.Popen(
            [str(self.binary), "serve", "--hostname", "127.0.0.1", "--port", str(self.port)],
            env=self.env, cwd=REPO_ROOT, stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"`portico serve` exited with {self.process.returncode}:\n{self.log_tail()}")
            if self.http_status("/readyz", host="acme") == 200:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"`portico serve` was not ready within {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.25)

    def http_status(self, path: str, host: str = "acme") -> int | None:
        """Status of a GET straight to the server (no proxy), with the tenant's Host header."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", path, headers={"Host": f"{host}.localhost:{self.port}"})
            return connection.getresponse().status
        except OSError:
            return None
        finally:
            connection.close()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        try:
            if self.process and self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
        finally:
            self._stop_cluster_if_running()
            self.smtp.stop()
            if self._log:
                self._log.close()
            if os.environ.get("PORTICO_BROWSER_KEEP_DATA") != "1":
                shutil.rmtree(self.data_dir, ignore_errors=True)

    def _stop_cluster_if_running(self) -> None:
        """`serve` stops the embedded cluster it started; this is the safety net for a server
        that was killed or never got that far."""
        try:
            cluster = json.loads((self.data_dir / "embedded-postgres.json").read_text())["clusterPath"]
        except (OSError, ValueError, KeyError):
            return
        if not Path(cluster, "postmaster.pid").exists():
            self._remove_cluster_outside_data_dir(cluster)
            return
        bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                         if p.parent.name.isdigit() else 0)
        if not bindirs:
            return
        command = [str(bindirs[-1] / "pg_ctl"), "-D", cluster, "-m", "fast", "-w", "stop"]
        if os.geteuid() == 0:
            command = ["/usr/sbin/runuser", "-u", "postgres", "--"] + command
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        self._remove_cluster_outside_data_dir(cluster)

    def _remove_cluster_outside_data_dir(self, cluster: str) -> None:
        path = Path(cluster)
        if os.environ.get("PORTICO_BROWSER_KEEP_DATA") != "1" and self.data_dir not in path.parents \
                and path.name.startswith("portico-pg-") and path.parent == Path("/var/tmp"):
            shutil.rmtree(path, ignore_errors=True)


# MARK: - Browser

# Injected before any page script: records CSP violations and uncaught errors of every page.
_RECORDER = """
(() => {
  const log = window.__portico = {csp: [], errors: []};
  document.addEventListener('securitypolicyviolation', (e) => {
    log.csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || location.href}:${e.lineNumber}`);
  });
  window.addEventListener('error', (e) => {
    log.errors.push(e.message ? `${e.message} at ${e.filename}:${e.lineno}`
                              : `failed to load ${(e.target && (e.target.src || e.target.href)) || 'a resource'}`);
  }, true);
  window.addEventListener('unhandledrejection', (e) => { log.errors.push(`unhandled rejection: ${e.reason}`); });
})();
"""


def new_driver(width: int = 1280, height: int = 900, lang: str = "en-US") -> webdriver.Chrome:
    """A headless Chromium whose Accept-Language is `lang` (English unless a test asks)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars",
                     "--force-device-scale-factor=1", f"--window-size={width},{height}", "--no-proxy-server",
                     "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                     "--password-store=basic", "--disable-background-networking", f"--lang={lang}"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.page_load_strategy = "normal"
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _RECORDER})
    set_viewport(driver, width, height)
    return driver


def alive(driver) -> bool:
    try:
        return driver.execute_script("return 1") == 1
    except Exception:  # noqa: BLE001 — any failure means the browser is gone
        return False


def set_viewport(driver, width: int, height: int = 800) -> None:
    """Makes the layout viewport exactly `width` CSS pixels at device scale 1. Desktop mode
    (`mobile: False`) on purpose: mobile emulation zooms out to fit a too-wide page, which
    hides the horizontal overflow the 360-px check looks for."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def wait_for(driver, condition, timeout: float = 10):
    return WebDriverWait(driver, timeout).until(condition)


# The driver that opened a page last: conftest screenshots it when a test fails.
last_driver = None


def open_page(driver, url: str) -> None:
    """Opens a page and waits for it to be loaded; drops console messages of earlier pages."""
    global last_driver
    last_driver = driver
    console_messages(driver)
    driver.get(url)
    wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def console_messages(driver) -> list[dict]:
    """Console messages since the last call (the driver's log is read-once)."""
    try:
        return driver.get_log("browser")
    except Exception:  # noqa: BLE001 — a driver without the log: nothing to report
        return []


def save_screenshot(driver, name: str, full_page: bool = True) -> Path:
    """Saves `artifacts/browser/<name>.png`: the whole page (up to 6000 px tall) by default."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if full_page:
        metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        viewport = metrics.get("cssLayoutViewport") or metrics["layoutViewport"]
        clip = {"x": 0, "y": 0, "scale": 1,
                "width": max(viewport["clientWidth"], min(size["width"], 4000)),
                "height": max(viewport["clientHeight"], min(size["height"], 6000))}
        shot = driver.execute_cdp_cmd("Page.captureScreenshot",
                                      {"format": "png", "captureBeyondViewport": True, "clip": clip})
        path.write_bytes(base64.b64decode(shot["data"]))
    else:
        driver.save_screenshot(str(path))
    return path


# MARK: - Checks

_OVERFLOW = r"""
const doc = document.documentElement;
const result = {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, culprits: [], cutOff: []};
const name = (el, r) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
  + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '')
  + ` [${Math.round(r.left)}..${Math.round(r.right)}]`;
for (const el of document.body.querySelectorAll('*')) {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) continue;
  // Wider than the viewport (what makes it scroll sideways); parked off-screen content such
  // as the skip link is absolutely positioned entirely to the left, and fine.
  if (doc.scrollWidth > window.innerWidth && result.culprits.length < 8 && r.right > window.innerWidth + 0.5)
    result.culprits.push(name(el, r));
  // Partly past the left edge: that part cannot be scrolled to, it is simply lost.
  if (r.left < -1 && r.right > 0 && result.cutOff.length < 8 && getComputedStyle(el).visibility !== 'hidden')
    result.cutOff.push(name(el, r));
}
return result;
"""

# Basic WCAG checks a script can make. Returns a list of problems (empty: all good).
_ACCESSIBILITY = r"""
const problems = [];
const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
const text = (el) => (el.textContent || '').replace(/\s+/g, ' ').trim();
const describe = (el) => el.outerHTML.replace(/\s+/g, ' ').slice(0, 140);
const labelledBy = (el) => (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
  .map((id) => document.getElementById(id)).filter(Boolean).map(text).join(' ').trim();
const accessibleName = (el) => (el.getAttribute('aria-label') || '').trim() || labelledBy(el)
  || (el.labels ? Array.from(el.labels).map(text).join(' ').trim() : '') || (el.getAttribute('title') || '').trim();

const lang = document.documentElement.getAttribute('lang');
if (!lang || !lang.trim()) problems.push('html has no lang');
if (!document.title.trim()) problems.push('the page has no title');

const mains = document.querySelectorAll('main, [role=main]');
if (mains.length !== 1) problems.push(`${mains.length} main landmarks (want exactly 1)`);
if (!document.querySelector('header')) problems.push('no header');
if (!document.querySelector('footer')) problems.push('no footer');
const h1s = document.querySelectorAll('h1');
if (h1s.length !== 1) problems.push(`${h1s.length} h1 headings (want exactly 1)`);

const skip = document.querySelector('a.skip-link[href^="#"]');
if (!skip) problems.push('no skip link');
else {
  const target = document.getElementById(skip.getAttribute('href').slice(1));
  if (!target) problems.push(`the skip link leads to ${skip.getAttribute('href')}, which does not exist`);
  else if (target !== mains[0]) problems.push('the skip link does not lead to the main landmark');
  const first = document.body.querySelector('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])');
  if (first !== skip) problems.push('the skip link is not the first focusable element');
}

for (const el of document.querySelectorAll('input, select, textarea')) {
  const type = (el.getAttribute('type') || '').toLowerCase();
  if (type === 'hidden') continue;
  if (['submit', 'button', 'reset'].includes(type)) {
    if (!(el.value || '').trim() && !accessibleName(el)) problems.push(`button without a name: ${describe(el)}`);
    continue;
  }
  if (!accessibleName(el)) problems.push(`form control without a label: ${describe(el)}`);
}

for (const el of document.querySelectorAll('button, [role=button], summary')) {
  if (!text(el) && !accessibleName(el) && !el.querySelector('img[alt]:not([alt=""])'))
    problems.push(`button without an accessible name: ${describe(el)}`);
}

for (const el of document.querySelectorAll('a[href]')) {
  if (!visible(el) && !el.classList.contains('skip-link')) continue;
  if (!text(el) && !accessibleName(el) && !el.querySelector('img[alt]:not([alt=""])'))
    problems.push(`link without an accessible name: ${describe(el)}`);
}

for (const img of document.querySelectorAll('img')) {
  if (!img.hasAttribute('alt')) problems.push(`image without alt: ${describe(img)}`);
}

const seen = new Map();
for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
for (const [id, count] of seen) if (count > 1) problems.push(`id "${id}" is used ${count} times`);

for (const label of document.querySelectorAll('label[for]')) {
  if (!document.getElementById(label.htmlFor)) problems.push(`label for missing id "${label.htmlFor}"`);
}
return problems;
"""


# Labels (headers, buttons, badges, terms, form labels, navigation) must break between words,
# never inside one ("Subscri-bers"): a word whose text lies on two lines is a problem. Hyphens,
# dashes and slashes are break points like spaces.
_BROKEN_WORDS = r"""
const problems = [];
const labels = 'th, button, .button, .badge, dt, label, legend, header nav a, summary, .hint, .word';
for (const el of document.querySelectorAll(labels)) {
  // Not rendered (a closed menu's content, display: none): nothing to read.
  if (!el.checkVisibility({visibilityProperty: true}) || el.closest('.visually-hidden')) continue;
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('.visually-hidden')) continue;
    const words = /[^\s\-\u2013\u2014\/@.]+/g;
    for (let m = words.exec(node.textContent); m; m = words.exec(node.textContent)) {
      if (m[0].length < 2) continue;
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const lines = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (lines.size > 1 && problems.length < 8)
        problems.push(`the word "${m[0]}" breaks across lines in ${el.tagName.toLowerCase()} "${el.textContent.replace(/\s+/g, ' ').trim().slice(0, 60)}"`);
    }
  }
}
return problems;
"""


def broken_words(driver) -> list[str]:
    return driver.execute_script(_BROKEN_WORDS)


def overflow(driver) -> dict:
    return driver.execute_script(_OVERFLOW)


def accessibility_problems(driver) -> list[str]:
    return driver.execute_script(_ACCESSIBILITY)


# Console messages no page is blamed for. (None: /favicon.ico answers on every host, so the
# icon Chromium asks for on its own no longer logs a 404.)
IGNORED_CONSOLE: tuple[str, ...] = ()


def page_errors(driver, allow: tuple[str, ...] = ()) -> list[str]:
    """Console errors and warnings, uncaught exceptions and CSP violations of the current page
    (since it was opened with `open_page`). `allow` holds substrings of messages to ignore."""
    allow = tuple(allow) + IGNORED_CONSOLE
    problems = []
    for entry in console_messages(driver):
        if entry.get("level") in ("SEVERE", "WARNING"):
            message = entry["message"]
            problems.append(f"console {entry['level'].lower()}: {message[:200]}{'…' if len(message) > 200 else ''}")
    recorded = driver.execute_script("return window.__portico || {csp: [], errors: []}")
    problems += [f"CSP violation: {item}" for item in recorded["csp"]]
    problems += [f"script error: {item}" for item in recorded["errors"]]
    return [p for p in problems if not any(a in p for a in allow)]


def page_problems(driver, allow_console: tuple[str, ...] = ()) -> list[str]:
    """Everything the page checks look at: horizontal overflow, accessibility basics, labels
    broken inside a word, console errors and CSP violations."""
    problems = []
    measured = overflow(driver)
    if measured["scrollWidth"] > measured["innerWidth"]:
        problems.append(f"horizontal scrolling: the page is {measured['scrollWidth']} px wide in a "
                        f"{measured['innerWidth']} px viewport; too wide: {', '.join(measured['culprits']) or '?'}")
    if measured["cutOff"]:
        problems.append(f"cut off at the left edge: {', '.join(measured['cutOff'])}")
    problems += accessibility_problems(driver)
    problems += broken_words(driver)
    problems += page_errors(driver, allow=allow_console)
    return problems


# MARK: - Journeys


def fill(driver, field_id: str, value: str) -> None:
    element = driver.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(value)


def click_like_a_user(driver, element) -> None:
    """A real mouse click at the middle of the element. WebDriver's element click refuses
    content inside a closed <details> even when CSS shows it (the wide-screen menu)."""
    rect = driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'}); const r = arguments[0].getBoundingClientRect();"
        "return [r.left + r.width / 2, r.top + r.height / 2];", element)
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(int(rect[0]), int(rect[1])).click()
    actions.perform()


def left_the_page(element):
    """A wait condition: `element`'s document has been replaced (the browser navigated).
    Like `EC.staleness_of`, but ChromeDriver sometimes answers a query about an element of a
    document that is going away with "Node with given id does not belong to the document"
    instead of a stale-element error; that means the same thing, not a failure."""
    def gone(_driver) -> bool:
        try:
            element.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
    return gone


def submit(driver, label: str) -> None:
    """Clicks the submit button with this text and waits for the next page."""
    button = driver.find_element(By.XPATH, f"//main//button[normalize-space()={json.dumps(label)}]")
    old = driver.find_element(By.TAG_NAME, "html")
    button.click()
    wait_for(driver, left_the_page(old))
    wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in_operator(driver, server: PorticoServer) -> None:
    """An operator as one is made: `portico operator create` prints a set-up link; the page
    asks for a password, then for an authenticator (the key on the page, the code computed as
    an app would), then shows the recovery codes."""
    printed = server.cli("operator", "create", "--email", OPERATOR_EMAIL)
    found = re.search(r"setup link \(one use, 7 days\): (\S+)", printed)
    if not found:
        raise AssertionError(f"`portico operator create` printed no set-up link: {printed}")
    open_page(driver, found.group(1))
    fill(driver, "field-password", OPERATOR_PASSWORD)
    submit(driver, "Continue")
    key = driver.find_element(By.XPATH, "//main//p[starts-with(normalize-space(), 'Key:')]/code").text
    fill(driver, "field-code", totp(key))
    submit(driver, "Continue")
    open_page(driver, server.url("operator", "/operator"))
    path = driver.execute_script("return location.pathname")
    if path != "/operator":
        raise AssertionError(f"the operator set-up led to {path}, not /operator")


def heading(driver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def path(driver) -> str:
    return driver.execute_script("return location.pathname")


def main_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "main").text


def html_lang(driver) -> str:
    return driver.execute_script("return document.documentElement.lang")


def switch_language(driver, code: str) -> None:
    """Picks `code` in the footer's language switcher and waits for the page it leads to."""
    Select(driver.find_element(By.ID, "language-select")).select_by_value(code)
    old = driver.find_element(By.TAG_NAME, "html")
    click_like_a_user(driver, driver.find_element(By.CSS_SELECTOR, "form.language-switcher button[type=submit]"))
    wait_for(driver, left_the_page(old))
    wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in(driver, server: PorticoServer, tenant: str, role: str) -> None:
    """Signs in through the real form: a subscriber on /portal/login, staff on /admin/login,
    an operator through the set-up of a new operator account."""
    if role == "operator":
        sign_in_operator(driver, server)
        return
    email_address = ACCOUNTS[tenant][role]
    if role in STAFF_ROLES:
        open_page(driver, server.url(tenant, "/admin/login"))
        fill(driver, "field-email", email_address)
        fill(driver, "field-password", PASSWORD)
        submit(driver, "Sign in")
        expected = "/admin"
    else:
        open_page(driver, server.url(tenant, "/portal/login"))
        fill(driver, "field-identifier", email_address)
        fill(driver, "field-password", PASSWORD)
        submit(driver, "Sign in")
        expected = "/portal"
    path = driver.execute_script("return location.pathname")
    if path != expected:
        heading = driver.find_element(By.TAG_NAME, "h1").text
        raise AssertionError(f"signing in as {email_address} led to {path} ({heading!r}), not {expected}")


class _LinkCollector(html.parser.HTMLParser):
    """The links of an HTML part, with their visible text and inline style, as a reader sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[dict] = []
        self._open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            link = {"href": attributes["href"], "text": "", "style": attributes.get("style") or ""}
            self.links.append(link)
            self._open.append(link)
        elif tag == "img" and self._open:
            self._open[-1]["text"] += " " + (attributes.get("alt") or "")

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            link = self._open.pop()
            link["text"] = re.sub(r"\s+", " ", link["text"]).strip()

    def handle_data(self, data):
        for link in self._open:
            link["text"] += data


_URL = re.compile(r"https?://[^\s<>\"')]+")


@dataclass
class Mail:
    """One message the SMTP server received, decoded the way a mail client does it
    (`email` with `policy.default`: MIME structure, quoted-printable and base64 bodies,
    encoded-word headers)."""

    number: int
    envelope: dict
    message: email.message.EmailMessage
    path: Path = field(default=None)

    @classmethod
    def load(cls, directory: Path, number: int) -> Mail:
        path = directory / f"{number}.eml"
        envelope = json.loads((directory / f"{number}.json").read_text())
        return cls(number, envelope, email.message_from_bytes(path.read_bytes(), policy=email.policy.default), path)

    @property
    def to(self) -> str:
        return str(self.message["To"] or "")

    @property
    def recipients(self) -> list[str]:
        return [address.lower() for address in self.envelope.get("rcpt_tos", [])]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""

    def html_links(self) -> list[dict]:
        """Every `<a href>` of the HTML part: `{"href", "text", "style"}`."""
        collector = _LinkCollector()
        collector.feed(self.html)
        return collector.links

    def text_links(self) -> list[str]:
        return _URL.findall(self.text)

    def links(self) -> list[str]:
        """Every web link of both parts."""
        return _URL.findall(self.text + "\n" + self.html)

    def button(self) -> dict:
        """The call-to-action: the link styled as a button in the HTML part."""
        buttons = [link for link in self.html_links() if "display:inline-block" in link["style"].replace(" ", "")]
        assert len(buttons) == 1, f"expected one button in message {self.number} ({self.subject!r}), found {buttons}"
        return buttons[0]

    def action_link(self) -> str:
        """The button's link, after checking what a reader relies on: the button has visible
        text, and the text part carries the very same link."""
        button = self.button()
        assert button["text"], f"the button of {self.subject!r} has no visible text: {button}"
        assert button["href"] in self.text_links(), \
            f"the text part of {self.subject!r} does not carry the button's link {button['href']}:\n{self.text}"
        return button["href"]

    def link_named(self, text: str) -> str:
        """The HTML link whose visible text is `text` (e.g. "Unsubscribe from these emails")."""
        matches = [link["href"] for link in self.html_links() if link["text"] == text]
        assert matches, f"no link named {text!r} in {self.subject!r}: {self.html_links()}"
        return matches[0]


def save_mail_screenshot(driver, mail: Mail, name: str) -> Path:
    """Shows the message's HTML part in the browser as a webmail would (a local file, images
    from their URLs) and saves `artifacts/browser/<name>.png`."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = ARTIFACTS / f"{name}.html"
    page.write_text(mail.html)
    driver.get(page.as_uri())
    wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete")
    return save_screenshot(driver, name)


def wait_for_message(server: PorticoServer, to: str, subject: str | None = None, since: int = 0,
                     timeout: float = 30) -> Mail:
    """The newest message to `to` whose subject matches the regular expression `subject`, among
    those received after the first `since` (`server.smtp.count()` before the action), waiting
    for the outbox worker to deliver it."""
    deadline = time.monotonic() + timeout
    wanted = to.lower()
    while True:
        for mail in reversed(server.smtp.messages(since)):
            if wanted in mail.recipients and (subject is None or re.search(subject, mail.subject)):
                return mail
        if time.monotonic() > deadline:
            seen = [(mail.recipients, mail.subject) for mail in server.smtp.messages(since)]
            raise TimeoutException(f"no email to {to}{f' with a subject like {subject!r}' if subject else ''} "
                                   f"within {timeout:.0f} s; received: {seen}")
        time.sleep(0.2)


def read_mail(server: PorticoServer, to: str, timeout: float = 30) -> Mail:
    """The newest message to `to` the SMTP server received (waiting for it)."""
    return wait_for_message(server, to, timeout=timeout)


# MARK: - Authenticator codes and foreign sites


def totp(manual_key: str, step_offset: int = 0, at: float | None = None) -> str:
    """The 6-digit RFC 6238 code (SHA-1, 30 s) an authenticator app shows for the key the
    page displays (base32, in groups of four)."""
    key = manual_key.replace(" ", "").upper()
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    counter = int((time.time() if at is None else at) // 30) + step_offset
    digest = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


class ForeignSite:
    """Another website (an attacker's page) on its own origin, `http://127.0.0.1:<free port>`:
    serves `pages[path]` as HTML. Use it as a context manager."""

    def __init__(self, pages: dict[str, str]):
        self.pages = pages
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 — the stdlib's name
                body = site.pages.get(self.path.split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> ForeignSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
