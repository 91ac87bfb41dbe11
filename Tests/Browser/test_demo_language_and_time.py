"""Issue 17's promise, checked on the demo as people meet it: zenith's portal, console and emails
speak Spanish on Madrid time, acme's English on Chicago time, and no page or email a person
reads says "UTC"."""

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import harness
from harness import html_lang, main_text

# Pages a subscriber and staff read; the settings pages that offer a list of time zones (where
# "UTC" is one of the choices) are left out on purpose.
SUBSCRIBER_PATHS = ["/portal", "/portal/work-orders", "/portal/work-orders/1002", "/portal/appointments", "/portal/tasks",
                    "/portal/notes", "/portal/service"]
STAFF_PATHS = ["/admin", "/admin/work-orders", "/admin/work-orders/1002", "/admin/appointments",
               "/admin/appointments?view=week", "/admin/tasks?status=all", "/admin/customers"]
ADMIN_PATHS = ["/admin/audit", "/admin/outbox", "/admin/reports", "/admin/webhooks"]

# How the calendar names the zone its times are in.
ZONE_NOTES = {"zenith": "Horas en Europe/Madrid", "acme": "Times are in America/Chicago"}


def sign_in(driver, server, tenant: str, role: str, submit_label: str) -> None:
    """The real sign-in form, in whatever language it came up in."""
    staff = role in harness.STAFF_ROLES
    harness.open_page(driver, server.url(tenant, "/admin/login" if staff else "/portal/login"))
    harness.fill(driver, "field-email" if staff else "field-identifier", harness.ACCOUNTS[tenant][role])
    harness.fill(driver, "field-password", harness.PASSWORD)
    harness.submit(driver, submit_label)
    assert harness.path(driver) == ("/admin" if staff else "/portal"), harness.heading(driver)


def read_every_page(driver, server, tenant: str, paths: list[str], lang: str) -> dict[str, str]:
    """Opens each page; each is in `lang` and none says UTC. Returns the pages' main texts."""
    texts = {}
    for path in paths:
        harness.open_page(driver, server.url(tenant, path))
        assert html_lang(driver) == lang, f"{tenant}{path} is in {html_lang(driver)!r}"
        body = driver.find_element(By.TAG_NAME, "body").text
        assert "UTC" not in body, f"{tenant}{path} shows UTC: {body[max(0, body.find('UTC') - 80):body.find('UTC') + 20]!r}"
        assert not harness.page_errors(driver), f"{tenant}{path}: {harness.page_errors(driver)}"
        texts[path] = main_text(driver)
    return texts


def propose_visit(agent, server, tenant: str) -> None:
    """The agent proposes a visit for the first subscriber: 09:00–11:00 on a January Tuesday,
    typed as the clock on the wall shows it where the ISP is."""
    harness.open_page(agent, server.url(tenant, "/admin/appointments/new?account=100001&work_order=1002"))
    for field, value in (("field-date", "2027-01-12"), ("field-start", "09:00"), ("field-end", "11:00")):
        element = agent.find_element(By.ID, field)
        agent.execute_script("arguments[0].value = arguments[1]", element, value)
    Select(agent.find_element(By.ID, "field-status")).select_by_value("proposed")
    button = agent.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
    old = agent.find_element(By.TAG_NAME, "html")
    harness.click_like_a_user(agent, button)
    harness.wait_for(agent, harness.left_the_page(old))
    assert re.match(r"^/admin/appointments/[0-9a-f-]{36}$", harness.path(agent)), harness.path(agent)
    assert "09:00" in main_text(agent) and "11:00" in main_text(agent), main_text(agent)


def test_zenith_speaks_spanish_on_madrid_time_in_portal_console_and_email(server, new_browser):
    # The agent's console, from a Spanish browser: Spanish, times on Madrid's clock.
    agent = new_browser(1280, 900, lang="es-ES")
    sign_in(agent, server, "zenith", "agent", "Entrar")
    console = read_every_page(agent, server, "zenith", STAFF_PATHS, "es")
    assert ZONE_NOTES["zenith"] in console["/admin/appointments?view=week"]
    admin = new_browser(1280, 900, lang="es-ES")
    sign_in(admin, server, "zenith", "admin", "Entrar")
    read_every_page(admin, server, "zenith", ADMIN_PATHS, "es")

    since = server.smtp.count()
    propose_visit(agent, server, "zenith")

    # The subscriber's email: Spanish, the window on Madrid's clock with its zone, never UTC.
    mail = harness.wait_for_message(server, harness.ACCOUNTS["zenith"]["subscriber"], r"^Propuesta de visita: ", since)
    assert str(mail.message["Content-Language"]) == "es"
    assert "martes, 12 de enero de 2027, 09:00–11:00 CET" in mail.subject, mail.subject
    assert "09:00–11:00 CET" in mail.text, mail.text
    for part in (mail.subject, mail.text, mail.html):
        assert "UTC" not in part

    # The subscriber, signed in from a Spanish browser: the portal in Spanish, the same window.
    subscriber = new_browser(1280, 900, lang="es-ES")
    sign_in(subscriber, server, "zenith", "subscriber", "Entrar")
    portal = read_every_page(subscriber, server, "zenith", SUBSCRIBER_PATHS, "es")
    assert "12 de enero de 2027, 09:00–11:00 CET" in portal["/portal/appointments"], portal["/portal/appointments"][:600]


def test_acme_speaks_english_on_chicago_time(server, new_browser):
    agent = new_browser(1280, 900, lang="en-US")
    sign_in(agent, server, "acme", "agent", "Sign in")
    console = read_every_page(agent, server, "acme", STAFF_PATHS, "en")
    assert ZONE_NOTES["acme"] in console["/admin/appointments?view=week"]
    admin = new_browser(1280, 900, lang="en-US")
    sign_in(admin, server, "acme", "admin", "Sign in")
    read_every_page(admin, server, "acme", ADMIN_PATHS, "en")

    since = server.smtp.count()
    propose_visit(agent, server, "acme")
    mail = harness.wait_for_message(server, harness.ACCOUNTS["acme"]["subscriber"], r"^Proposed visit: ", since)
    assert str(mail.message["Content-Language"]) == "en"
    assert "Tue 12 Jan 2027, 09:00–11:00 CST" in mail.subject, mail.subject
    for part in (mail.subject, mail.text, mail.html):
        assert "UTC" not in part

    subscriber = new_browser(1280, 900, lang="en-US")
    sign_in(subscriber, server, "acme", "subscriber", "Sign in")
    portal = read_every_page(subscriber, server, "acme", SUBSCRIBER_PATHS, "en")
    assert "Tue 12 Jan 2027, 09:00–11:00 CST" in portal["/portal/appointments"], portal["/portal/appointments"][:600]
