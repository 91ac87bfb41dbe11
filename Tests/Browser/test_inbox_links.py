"""Inbox to done: every email that carries a link, followed the way a person follows it.

Each test triggers the email through the UI (or the CLI, where that is the real path), takes
the message the SMTP server received, decodes it as a mail client would, takes the link from
the HTML part's button (checking that the button has text and the text part carries the same
link), opens it in Chromium, completes the page through its real form, and checks the promised
end state. No form here is posted by hand: a 403 from the CSRF check (as emailed-link pages
once got in real browsers) fails these tests.
"""

from __future__ import annotations

import re
import secrets

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import harness
from harness import heading, main_text, path

NEW_PASSWORD = "harbour violet engine 77"
OTHER_PASSWORD = "copper meadow lantern 42"


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}@example.net"








def follow(driver, mail: harness.Mail, expected_prefix: str) -> str:
    """Opens the message's button link (after the mail-client checks) and returns it."""
    link = mail.action_link()
    assert link.startswith(expected_prefix), f"{mail.subject!r} links to {link}, not under {expected_prefix}"
    harness.open_page(driver, link)
    return link


def click_link(driver, text: str) -> None:
    link = driver.find_element(By.XPATH, f"//main//a[normalize-space()={text!r}]")
    old = driver.find_element(By.TAG_NAME, "html")
    link.click()
    harness.wait_for(driver, harness.left_the_page(old))
    harness.wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in_subscriber(driver, server, tenant: str, identifier: str, password: str) -> None:
    harness.open_page(driver, server.url(tenant, "/portal/login"))
    harness.fill(driver, "field-identifier", identifier)
    harness.fill(driver, "field-password", password)
    harness.submit(driver, "Sign in")
    assert path(driver) == "/portal", f"signing in as {identifier} led to {path(driver)} ({heading(driver)!r})"


def sign_in_staff(driver, server, tenant: str, address: str, password: str) -> None:
    """The password step of /admin/login; the caller checks where it led."""
    harness.open_page(driver, server.url(tenant, "/admin/login"))
    harness.fill(driver, "field-email", address)
    harness.fill(driver, "field-password", password)
    harness.submit(driver, "Sign in")


def register(driver, server, tenant: str = "acme", name: str = "Nora Newcomer") -> tuple[str, int]:
    """Registers through the form; returns the address and the mail count before."""
    address = unique("subscriber")
    since = server.smtp.count()
    harness.open_page(driver, server.url(tenant, "/portal/register"))
    harness.fill(driver, "field-name", name)
    harness.fill(driver, "field-email", address)
    harness.fill(driver, "field-password", OTHER_PASSWORD)
    harness.submit(driver, "Create account")
    assert heading(driver) == "Check your email"
    return address, since


def confirmed_subscriber(driver, server, tenant: str = "acme", name: str = "Nora Newcomer") -> str:
    """A new subscriber who registered and confirmed the address from the email, signed in."""
    address, since = register(driver, server, tenant, name)
    mail = harness.wait_for_message(server, address, r"^Confirm your email address", since)
    follow(driver, mail, server.url(tenant, "/portal/verify?token="))
    assert heading(driver) == "Email confirmed"
    sign_in_subscriber(driver, server, tenant, address, OTHER_PASSWORD)
    return address


def invite_staff(server, admin_driver, tenant: str, role: str = "Agent") -> tuple[str, int]:
    """The tenant's demo admin invites a new staff member on /admin/staff."""
    address = unique("staff")
    since = server.smtp.count()
    harness.open_page(admin_driver, server.url(tenant, "/admin/staff"))
    harness.fill(admin_driver, "field-email", address)
    harness.fill(admin_driver, "field-name", "Sam Staff")
    Select(admin_driver.find_element(By.ID, "field-role")).select_by_visible_text(role)
    harness.submit(admin_driver, "Send invitation")
    assert f"Invitation sent to {address}" in main_text(admin_driver) or f"Invitation sent to {address}" in admin_driver.page_source
    return address, since


def accept_staff_invitation(driver, server, tenant: str, address: str, since: int, company: str) -> None:
    mail = harness.wait_for_message(server, address, rf"^You are invited to {re.escape(company)}'s staff console", since)
    follow(driver, mail, server.url(tenant, "/admin/invite/"))
    assert heading(driver) == "Set up your staff account"
    assert not harness.page_problems(driver)
    harness.fill(driver, "field-name", "Sam Staff")
    harness.fill(driver, "field-password", OTHER_PASSWORD)
    harness.submit(driver, "Save and continue to sign-in")
    assert path(driver) == "/admin/login", f"accepting the invitation led to {path(driver)} ({heading(driver)!r})"
    assert "Your staff account is ready" in driver.page_source


def set_up_operator(driver, server) -> str:
    """`portico operator create` (the real path: an operator is made on the machine), then the
    printed set-up link in Chromium: password, authenticator enrolment, recovery codes."""
    address = unique("operator")
    printed = server.cli("operator", "create", "--email", address)
    links = re.findall(r"https?://\S+/operator/setup/\S+", printed)
    assert links, f"no set-up link in:\n{printed}"
    assert links[0].startswith(server.url("operator", "/operator/setup/"))
    harness.open_page(driver, links[0])
    assert heading(driver) == "Choose your operator password"
    harness.fill(driver, "field-password", NEW_PASSWORD)
    harness.submit(driver, "Continue")
    assert path(driver) == "/operator/enrol", f"set-up led to {path(driver)} ({heading(driver)!r})"
    key = driver.find_element(By.XPATH, "//main//p[starts-with(normalize-space(), 'Key:')]/code").text
    harness.fill(driver, "field-code", harness.totp(key))
    harness.submit(driver, "Continue")
    assert heading(driver) == "Save your recovery codes"
    click_link(driver, "Continue to the console")
    assert path(driver) == "/operator" and heading(driver) == "Tenants"
    return address


# MARK: - Subscribers


def test_verification_link_confirms_the_address(server, new_browser):
    driver = new_browser(360, 800)
    address, since = register(driver, server, name="Vera Verify")
    mail = harness.wait_for_message(server, address, r"^Confirm your email address for Acme Wireless$", since)
    assert mail.envelope["tls"], "the relay received the message without STARTTLS"
    assert mail.button()["text"] == "Confirm my email address"
    follow(driver, mail, server.url("acme", "/portal/verify?token="))
    assert heading(driver) == "Email confirmed"
    assert address in main_text(driver)
    assert not harness.page_problems(driver)

    sign_in_subscriber(driver, server, "acme", address, OTHER_PASSWORD)
    assert "Please confirm your email" not in main_text(driver)


def test_subscriber_password_reset(server, new_browser):
    driver = new_browser(360, 800)
    address, _ = register(driver, server, name="Rita Reset")
    driver.delete_all_cookies()  # a different day, signed out

    harness.open_page(driver, server.url("acme", "/portal/login"))
    click_link(driver, "Forgot your password?")
    since = server.smtp.count()
    harness.fill(driver, "field-email", address)
    harness.submit(driver, "Send the link")
    assert heading(driver) == "Check your email"

    mail = harness.wait_for_message(server, address, r"^Reset your Acme Wireless password$", since)
    assert mail.button()["text"] == "Choose a new password"
    harness.save_mail_screenshot(new_browser(600, 800), mail, "mail-acme-reset-password")
    link = follow(driver, mail, server.url("acme", "/portal/reset-password?token="))
    assert heading(driver) == "Choose a new password"
    assert not harness.page_problems(driver)
    harness.fill(driver, "field-password", NEW_PASSWORD)
    harness.submit(driver, "Save the new password")
    assert heading(driver) == "Your password is changed", main_text(driver)

    sign_in_subscriber(driver, server, "acme", address, NEW_PASSWORD)
    # The link worked once.
    harness.open_page(driver, link)
    assert heading(driver) == "This link is not valid any more"


def test_household_invitation(server, new_browser):
    owner = new_browser(1280, 900)
    confirmed_subscriber(owner, server, name="Olive Owner")
    invitee = unique("household")
    harness.open_page(owner, server.url("acme", "/portal/profile"))
    since = server.smtp.count()
    harness.fill(owner, "field-member_name", "Hank Household")
    harness.fill(owner, "field-member_email", invitee)
    harness.submit(owner, "Send invitation")
    assert f"Invitation sent to {invitee}" in owner.page_source

    mail = harness.wait_for_message(server, invitee, r"^You are invited to the Acme Wireless customer portal$", since)
    assert mail.button()["text"] == "Accept the invitation"
    driver = new_browser(360, 800)
    follow(driver, mail, server.url("acme", "/portal/invite/"))
    assert heading(driver) == "Welcome to Acme Wireless"
    assert not harness.page_problems(driver)
    harness.fill(driver, "field-name", "Hank Household")
    harness.fill(driver, "field-password", NEW_PASSWORD)
    harness.submit(driver, "Create my login")
    assert heading(driver) == "Your account is ready", main_text(driver)

    sign_in_subscriber(driver, server, "acme", invitee, NEW_PASSWORD)
    harness.open_page(driver, server.url("acme", "/portal/profile"))
    assert "Olive Owner" in main_text(driver), "the new member does not see the household they joined"


def test_subscriber_invitation_from_staff(server, new_browser):
    admin = new_browser(1280, 900)
    harness.sign_in(admin, server, "zenith", "admin")
    harness.open_page(admin, server.url("zenith", "/admin/customers/new"))
    harness.fill(admin, "field-name", f"Invited household {secrets.token_hex(3)}")
    harness.submit(admin, "Save")
    assert re.fullmatch(r"/admin/customers/[0-9a-f-]{36}", path(admin)), path(admin)
    invitee = unique("invited")
    since = server.smtp.count()
    harness.fill(admin, "field-member_name", "Ivy Invited")
    harness.fill(admin, "field-member_email", invitee)
    harness.submit(admin, "Send invitation")

    # Zenith's portal speaks Spanish first: an invitee has no language of their own yet, so the
    # email goes in the tenant's default; the pages then follow the browser (English here).
    mail = harness.wait_for_message(server, invitee, r"^Te invitamos al portal de clientes de Zenith Networks$", since)
    assert mail.message["Content-Language"] == "es"
    driver = new_browser(360, 800)
    follow(driver, mail, server.url("zenith", "/portal/invite/"))
    assert heading(driver) == "Welcome to Zenith Networks"
    assert invitee in main_text(driver)
    harness.fill(driver, "field-name", "Ivy Invited")
    harness.fill(driver, "field-password", NEW_PASSWORD)
    harness.submit(driver, "Create my login")
    assert heading(driver) == "Your account is ready", main_text(driver)
    sign_in_subscriber(driver, server, "zenith", invitee, NEW_PASSWORD)
    assert heading(driver) == "Hello, Ivy Invited"


def test_email_change_confirmation(server, new_browser):
    driver = new_browser(360, 800)
    old_address = confirmed_subscriber(driver, server, name="Eli Email")
    new_address = unique("changed")
    harness.open_page(driver, server.url("acme", "/portal/profile"))
    since = server.smtp.count()
    harness.fill(driver, "field-new_email", new_address)
    harness.fill(driver, "field-email_password", OTHER_PASSWORD)
    harness.submit(driver, "Change email")
    assert f"We sent a confirmation link to {new_address}" in driver.page_source

    mail = harness.wait_for_message(server, new_address, r"^Confirm your new email address for Acme Wireless$", since)
    assert mail.button()["text"] == "Confirm my new email address"
    follow(driver, mail, server.url("acme", "/portal/verify?token="))
    assert heading(driver) == "Email confirmed"
    assert new_address in main_text(driver)
    # The old address hears about it (no link in that notice).
    harness.wait_for_message(server, old_address, r"email address", since)

    fresh = new_browser(360, 800)
    sign_in_subscriber(fresh, server, "acme", new_address, OTHER_PASSWORD)
    harness.open_page(fresh, server.url("acme", "/portal/profile"))
    assert new_address in main_text(fresh)


def test_unsubscribe_link_of_a_notification(server, new_browser):
    driver = new_browser(1280, 900)
    address = confirmed_subscriber(driver, server, name="Una Unsubscribe")
    harness.open_page(driver, server.url("acme", "/portal/work-orders/new"))
    since = server.smtp.count()
    harness.fill(driver, "field-title", "Dish came loose in the wind")
    Select(driver.find_element(By.ID, "field-category")).select_by_visible_text("Repair")
    harness.fill(driver, "field-description", "The dish on the roof points at the neighbour now.")
    harness.submit(driver, "Submit")

    mail = harness.wait_for_message(server, address, r"^We received work order #\d+", since)
    harness.save_mail_screenshot(new_browser(600, 800), mail, "mail-acme-work-order-received")
    link = mail.link_named("Unsubscribe from these emails")
    assert link.startswith(server.url("acme", "/portal/unsubscribe/"))
    assert link in mail.text_links(), f"the text part does not carry the unsubscribe link:\n{mail.text}"
    assert link in str(mail.message["List-Unsubscribe"]), "the visible link and List-Unsubscribe differ"
    assert mail.button()["text"] == "View the work order"

    reader = new_browser(360, 800)  # opened from a phone's mail app: no session needed
    harness.open_page(reader, link)
    assert heading(reader) == "Stop these emails?"
    assert not harness.page_problems(reader)
    harness.submit(reader, "Unsubscribe")
    assert heading(reader) == "You are unsubscribed", main_text(reader)

    harness.open_page(driver, server.url("acme", "/portal/profile"))
    box = driver.find_element(By.XPATH, "//label[contains(normalize-space(), 'Work order updates')]/input")
    assert not box.is_selected(), "work-order mail is still switched on after unsubscribing"


# MARK: - Staff


def test_staff_invitation(server, new_browser, signed_in):
    admin = signed_in("admin", "acme")
    address, since = invite_staff(server, admin, "acme")
    driver = new_browser(360, 800)
    accept_staff_invitation(driver, server, "acme", address, since, "Acme Wireless")
    sign_in_staff(driver, server, "acme", address, OTHER_PASSWORD)
    assert path(driver) == "/admin", f"signing in led to {path(driver)} ({heading(driver)!r})"


def test_staff_password_reset_keeps_two_factor(server, new_browser, signed_in):
    admin = signed_in("admin", "acme")
    address, since = invite_staff(server, admin, "acme")
    driver = new_browser(1280, 900)
    accept_staff_invitation(driver, server, "acme", address, since, "Acme Wireless")
    sign_in_staff(driver, server, "acme", address, OTHER_PASSWORD)
    assert path(driver) == "/admin"

    # Turn on two-factor sign-in on /admin/account.
    harness.open_page(driver, server.url("acme", "/admin/account"))
    harness.submit(driver, "Set up an authenticator")
    key = driver.find_element(By.XPATH, "//main//p[starts-with(normalize-space(), 'Key:')]/code").text
    harness.fill(driver, "field-code", harness.totp(key))
    harness.submit(driver, "Turn on two-factor sign-in")
    assert "Two-factor sign-in is on" in main_text(driver)

    # Forgot the password: the link on the sign-in page, a neutral answer, the email.
    phone = new_browser(360, 800)
    harness.open_page(phone, server.url("acme", "/admin/login"))
    click_link(phone, "Forgot your password?")
    assert path(phone) == "/admin/forgot-password"
    assert not harness.page_problems(phone)
    since = server.smtp.count()
    harness.fill(phone, "field-email", address)
    harness.submit(phone, "Send the link")
    assert heading(phone) == "Check your email"

    mail = harness.wait_for_message(server, address, r"^Reset your Acme Wireless password$", since)
    assert mail.button()["text"] == "Choose a new password"
    link = follow(phone, mail, server.url("acme", "/admin/reset-password?token="))
    assert heading(phone) == "Choose a new password"
    assert not harness.page_problems(phone)
    harness.fill(phone, "field-password", NEW_PASSWORD)
    harness.submit(phone, "Save the new password")
    assert heading(phone) == "Your password is changed", main_text(phone)

    # The reset ended the other session.
    harness.open_page(driver, server.url("acme", "/admin"))
    assert path(driver) == "/admin/login", "the session from before the reset still works"

    # The new password works, and the authenticator is still asked for.
    sign_in_staff(phone, server, "acme", address, NEW_PASSWORD)
    assert path(phone) == "/admin/login/code", f"no two-factor step after the reset: {path(phone)}"
    harness.fill(phone, "field-code", harness.totp(key, step_offset=1))
    harness.submit(phone, "Continue")
    assert path(phone) == "/admin", f"the code step led to {path(phone)} ({heading(phone)!r})"

    harness.open_page(phone, link)
    assert heading(phone) == "This link is not valid any more"


# MARK: - Operators and new tenants


def test_operator_set_up_from_the_cli(server, new_browser):
    driver = new_browser(360, 800)
    set_up_operator(driver, server)
    assert not harness.page_problems(driver)


def test_first_admin_invitation_and_operator_reset_links(server, new_browser):
    operator = new_browser(1280, 900)
    set_up_operator(operator, server)
    slug = f"wisp{secrets.token_hex(3)}"
    first_admin = unique("first-admin")
    harness.open_page(operator, server.url("operator", "/operator/tenants/new"))
    harness.fill(operator, "field-slug", slug)
    harness.fill(operator, "field-name", "Ridge Line Wireless")
    harness.fill(operator, "field-admin_email", first_admin)
    since = server.smtp.count()
    harness.submit(operator, "Create the tenant")
    assert f"Created {slug}" in operator.page_source

    # The first admin's invitation, on the new tenant's own host.
    mail = harness.wait_for_message(server, first_admin, r"^You are invited to Ridge Line Wireless's staff console$", since)
    assert mail.button()["text"] == "Set up my staff account"
    admin = new_browser(360, 800)
    follow(admin, mail, server.url(slug, "/admin/invite/"))
    assert heading(admin) == "Set up your staff account"
    harness.fill(admin, "field-name", "Fay First")
    harness.fill(admin, "field-password", OTHER_PASSWORD)
    harness.submit(admin, "Save and continue to sign-in")
    sign_in_staff(admin, server, slug, first_admin, OTHER_PASSWORD)
    assert path(admin) == "/admin"

    # The only admin lost the password and the mailbox: the operator console issues a link.
    harness.open_page(operator, server.url("operator", "/operator"))
    click_link(operator, "Ridge Line Wireless")
    assert path(operator) == f"/operator/tenants/{slug}"
    assert first_admin in main_text(operator)
    harness.fill(operator, "field-email", first_admin)
    harness.submit(operator, "Issue a set-password link")
    issued = operator.find_element(By.ID, "issued-link").get_attribute("value")
    assert issued.startswith(server.url(slug, "/admin/reset-password?token="))
    assert not harness.page_problems(operator)

    harness.open_page(admin, issued)
    harness.fill(admin, "field-password", NEW_PASSWORD)
    harness.submit(admin, "Save the new password")
    assert heading(admin) == "Your password is changed"
    sign_in_staff(admin, server, slug, first_admin, NEW_PASSWORD)
    assert path(admin) == "/admin"

    # And from the CLI: `portico staff reset-link`.
    printed = server.cli("staff", "reset-link", "--tenant", slug, "--email", first_admin)
    links = re.findall(r"https?://\S+/admin/reset-password\?token=\S+", printed)
    assert links and links[0].startswith(server.url(slug, "/admin/reset-password?token=")), printed
    phone = new_browser(360, 800)
    harness.open_page(phone, links[0])
    assert heading(phone) == "Choose a new password"
    harness.fill(phone, "field-password", OTHER_PASSWORD)
    harness.submit(phone, "Save the new password")
    assert heading(phone) == "Your password is changed"
    sign_in_staff(phone, server, slug, first_admin, OTHER_PASSWORD)
    assert path(phone) == "/admin"

    # Both links are in the tenant's audit log, under who issued them.
    harness.open_page(phone, server.url(slug, "/admin/audit"))
    log = main_text(phone)
    assert "staff.password.reset_link_issued" in log


# MARK: - Cross-site forms stay refused


@pytest.mark.parametrize("framing", ["page", "sandboxed-frame"])
def test_a_cross_site_form_post_is_refused(server, new_browser, framing):
    driver = new_browser(1280, 900)
    confirmed_subscriber(driver, server, name="Carla Careful")
    harness.open_page(driver, server.url("acme", "/portal/profile"))
    # The worst case: the attacker even knows the victim's CSRF token.
    token = driver.find_element(By.CSS_SELECTOR, "main form[action='/portal/profile'] input[name=csrf_token]").get_attribute("value")
    target = server.url("acme", "/portal/profile")
    form = (f'<form id="f" method="post" action="{target}" target="_top">'
            f'<input name="csrf_token" value="{token}"><input name="name" value="Hacked Name"><input name="phone" value="666">'
            f'</form><script>document.getElementById("f").submit()</script>')
    pages = {"/form": f"<!doctype html><title>Win a prize</title>{form}"}
    # A sandboxed frame has an opaque origin: Chromium sends `Origin: null` for its form.
    pages["/"] = (f"<!doctype html><title>Win a prize</title>"
                  f'<iframe sandbox="allow-forms allow-scripts allow-top-navigation" src="/form"></iframe>'
                  if framing == "sandboxed-frame" else pages["/form"])
    with harness.ForeignSite(pages) as site:
        driver.get(site.url("/"))
        harness.wait_for(driver, lambda d: d.current_url.startswith(target), timeout=15)
        harness.wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete")
        assert "This form could not be accepted (it was sent from another site)" in driver.page_source \
            or "This form could not be accepted (its origin is not valid)" in driver.page_source, driver.page_source[:2000]

    harness.open_page(driver, server.url("acme", "/portal/profile"))
    assert driver.find_element(By.ID, "field-name").get_attribute("value") == "Carla Careful"
