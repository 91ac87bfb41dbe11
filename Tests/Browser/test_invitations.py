"""Staff invite a login that has no password (the demo's Cedar household), the subscriber
accepts from the email the server wrote, and the account page shows the new state."""

import pytest
from selenium.webdriver.common.by import By

import harness


def sign_in_agent(driver, server, tenant: str) -> None:
    harness.open_page(driver, server.url(tenant, "/admin/login"))
    harness.fill(driver, "field-email", harness.ACCOUNTS[tenant]["agent"])
    harness.fill(driver, "field-password", harness.PASSWORD)
    harness.submit(driver, "Sign in")


@pytest.mark.parametrize("tenant,width", [("acme", 1280), ("zenith", 360)])
def test_invite_a_login_and_accept_it(server, new_browser, tenant, width):
    staff = new_browser(width, 900)
    sign_in_agent(staff, server, tenant)
    harness.open_page(staff, server.url(tenant, "/admin/customers?q=cedar&access=not_invited"))
    staff.find_element(By.LINK_TEXT, "Cedar household").click()
    harness.wait_for(staff, lambda d: "/admin/customers/" in d.current_url and d.execute_script("return document.readyState") == "complete")
    account_url = staff.current_url
    members = staff.find_element(By.ID, "members-heading").find_element(By.XPATH, "..").text
    assert "Not invited" in members and "Invited " in members, members

    email = f"sam@{tenant}.example"
    harness.submit(staff, f"Send invitation to {email}")
    notice = staff.find_element(By.CSS_SELECTOR, ".notice").text
    assert notice == f"Invitation sent to {email}.", notice
    harness.save_screenshot(staff, f"{tenant}-admin-customer-invited-{width}")
    assert not harness.page_problems(staff)

    mail = harness.read_mail(server, to=email)
    links = [link for link in mail.links() if "/portal/invite/" in link]
    assert links, f"no invitation link in {mail.path.name}:\n{mail.text}"
    subscriber = new_browser(width, 900)
    harness.open_page(subscriber, links[0])
    harness.fill(subscriber, "field-name", "Sam Cedar")
    harness.fill(subscriber, "field-password", "cedar lane lantern 7")
    harness.submit(subscriber, "Create my login")
    assert subscriber.find_element(By.TAG_NAME, "h1").text == "Your account is ready"

    harness.open_page(staff, account_url)
    members = staff.find_element(By.ID, "members-heading").find_element(By.XPATH, "..").text
    assert "Accepted " in members, members
