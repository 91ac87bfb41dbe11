"""Issue 17's promise, checked on the demo as people meet it: zenith's portal, console and emails
speak Spanish on Madrid time, acme's English on Chicago time, and no page or email a person
reads says "UTC"."""

import re

import pytest
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


# Per tenant: the browser's language, the sign-in button, the proposal email's subject, and the
# visit window as that language writes it on the ISP's clock.
CASES = {
    "zenith": {"browser": "es-ES", "lang": "es", "sign_in": "Entrar", "subject": r"^Propuesta de visita: ",
               "window": "martes, 12 de enero de 2027, 09:00–11:00 CET", "text_window": "09:00–11:00 CET",
               "page_window": "12 de enero de 2027, 09:00–11:00 CET"},
    "acme": {"browser": "en-US", "lang": "en", "sign_in": "Sign in", "subject": r"^Proposed visit: ",
             "window": "Tue 12 Jan 2027, 09:00–11:00 CST", "text_window": None,
             "page_window": "Tue 12 Jan 2027, 09:00–11:00 CST"},
}


@pytest.mark.parametrize("tenant", ["zenith", "acme"])
def test_each_tenant_speaks_its_language_on_its_clock_in_portal_console_and_email(server, new_browser, tenant):
    case = CASES[tenant]

    def signed_in(role):
        driver = new_browser(1280, 900, lang=case["browser"])
        sign_in(driver, server, tenant, role, case["sign_in"])
        return driver

    # The agent's and admin's console: the tenant's language, times on its clock.
    agent = signed_in("agent")
    console = read_every_page(agent, server, tenant, STAFF_PATHS, case["lang"])
    assert ZONE_NOTES[tenant] in console["/admin/appointments?view=week"]
    read_every_page(signed_in("admin"), server, tenant, ADMIN_PATHS, case["lang"])

    since = server.smtp.count()
    propose_visit(agent, server, tenant)

    # The subscriber's email: the tenant's language, the window on its clock with its zone, never UTC.
    mail = harness.wait_for_message(server, harness.ACCOUNTS[tenant]["subscriber"], case["subject"], since)
    assert str(mail.message["Content-Language"]) == case["lang"]
    assert case["window"] in mail.subject, mail.subject
    if case["text_window"]:
        assert case["text_window"] in mail.text, mail.text
    for part in (mail.subject, mail.text, mail.html):
        assert "UTC" not in part

    # The subscriber, signed in from the same kind of browser: the portal likewise, the same window.
    portal = read_every_page(signed_in("subscriber"), server, tenant, SUBSCRIBER_PATHS, case["lang"])
    assert case["page_window"] in portal["/portal/appointments"], portal["/portal/appointments"][:600]
