"""Fixtures of the browser tests.

* `server` (session): one `portico serve` with demo data on a fresh data directory and a free
  port, delivering mail over SMTP (STARTTLS) to a capture server on another free port;
  `server.url("acme", "/portal")`, `server.smtp` (with `harness.wait_for_message`),
  `server.cli("operator", "create", …)`, `server.data_dir`.
* `signed_in(role, tenant="acme")` (session): a shared Chromium signed in as that demo
  account through the real form (once per run); "anonymous" gives a shared signed-out one.
  Use it for pages that only read; the browser stays signed in for the next test.
* `new_browser()` (per test): a fresh, signed-out Chromium, closed after the test. Use it for
  journeys that change the session (signing out, registering) or the server's state.

When a test fails, the browser that opened a page last is screenshotted to
`artifacts/browser/FAILED-<test>.png`.
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest

import harness


def _binary() -> Path:
    configured = os.environ.get("PORTICO_BIN")
    if configured:
        return Path(configured)
    for candidate in (harness.REPO_ROOT / ".build" / "debug" / "portico",
                      harness.REPO_ROOT / ".build" / "release" / "portico"):
        if candidate.exists():
            return candidate
    pytest.exit("set PORTICO_BIN to a built `portico`, or run Tests/Browser/run.sh (it builds one)", returncode=2)


def pytest_sessionstart(session):
    # A CI runner that cancels a job sends SIGTERM: turn it into the KeyboardInterrupt pytest
    # handles, so fixtures still stop the server and close the browsers.
    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, interrupt)
    harness.ARTIFACTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def server():
    binary = _binary()
    if not binary.exists():
        pytest.exit(f"PORTICO_BIN={binary} does not exist", returncode=2)
    portico = harness.PorticoServer(binary, log_path=harness.ARTIFACTS / "server.log")
    try:
        portico.start()
        yield portico
    finally:
        portico.stop()


@pytest.fixture(scope="session")
def _shared_drivers():
    drivers: dict = {}
    yield drivers
    for driver in drivers.values():
        driver.quit()


@pytest.fixture(scope="session")
def signed_in(server, _shared_drivers):
    def browser(role: str = "anonymous", tenant: str = "acme"):
        key = (tenant, role)
        if key in _shared_drivers and not harness.alive(_shared_drivers[key]):
            _shared_drivers.pop(key).quit()  # crashed: start over with a new one
        if key not in _shared_drivers:
            driver = harness.new_driver()
            try:
                if role != "anonymous":
                    harness.sign_in(driver, server, tenant, role)
            except Exception:
                driver.quit()
                raise
            _shared_drivers[key] = driver
        return _shared_drivers[key]
    return browser


@pytest.fixture
def new_browser():
    drivers = []

    def browser(width: int = 1280, height: int = 900, lang: str = "en-US"):
        driver = harness.new_driver(width, height, lang)
        drivers.append(driver)
        return driver
    yield browser
    for driver in drivers:
        driver.quit()


@pytest.fixture(autouse=True)
def _forget_last_driver():
    harness.last_driver = None
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and harness.last_driver is not None:
        name = "FAILED-" + re.sub(r"[^A-Za-z0-9._-]+", "_", item.name)
        try:
            harness.save_screenshot(harness.last_driver, name, full_page=False)
            (harness.ARTIFACTS / f"{name}.html").write_text(harness.last_driver.page_source)
        except Exception:  # noqa: BLE001 — a dead browser: the failure itself says enough
            pass
