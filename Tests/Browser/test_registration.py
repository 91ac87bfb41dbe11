"""A new subscriber registers, confirms the address from the email, and signs in."""

import secrets

from selenium.webdriver.common.by import By

import harness


def test_register_confirm_and_sign_in(server, new_browser):
    driver = new_browser(360, 800)
    address = f"newcomer-{secrets.token_hex(4)}@example.net"
    password = "meadow lantern copper 42"

    harness.open_page(driver, server.url("acme", "/portal/register"))
    harness.fill(driver, "field-name", "Nora Newcomer")
    harness.fill(driver, "field-email", address)
    harness.fill(driver, "field-password", password)
    harness.submit(driver, "Create account")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Check your email"
    assert address in driver.find_element(By.TAG_NAME, "main").text
    assert not harness.page_problems(driver)

    mail = harness.read_mail(server, to=address)
    links = [link for link in mail.links() if "/portal/verify?token=" in link]
    assert links, f"no verification link in {mail.path.name}:\n{mail.text}"
    assert links[0].startswith(server.url("acme", "/portal/verify?token="))

    harness.open_page(driver, links[0])
    assert driver.find_element(By.TAG_NAME, "h1").text == "Email confirmed"
    assert address in driver.find_element(By.TAG_NAME, "main").text
    assert not harness.page_problems(driver)
    harness.save_screenshot(driver, "acme-email-confirmed-360")

    harness.open_page(driver, server.url("acme", "/portal/login"))
    harness.fill(driver, "field-identifier", address)
    harness.fill(driver, "field-password", password)
    harness.submit(driver, "Sign in")
    assert driver.execute_script("return location.pathname") == "/portal"
    assert driver.find_element(By.TAG_NAME, "h1").text == "Hello, Nora Newcomer"
    assert "Please confirm your email" not in driver.find_element(By.TAG_NAME, "main").text
