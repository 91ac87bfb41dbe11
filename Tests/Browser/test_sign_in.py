"""Signing in and out through the real forms and the header menu."""

import pytest
from selenium.webdriver.common.by import By

import harness


def rendered(driver, element) -> bool:
    # Not Selenium's is_displayed(): its atom calls everything inside a closed <details>
    # hidden, even when CSS shows it (the wide-screen menu does).
    return driver.execute_script("return arguments[0].checkVisibility({visibilityProperty: true})", element)


def sign_out_through_menu(driver, width):
    button = driver.find_element(By.XPATH, "//header//nav//button[normalize-space()='Sign out']")
    toggle = driver.find_element(By.CSS_SELECTOR, "header summary.menu__toggle")
    if width < 960:
        # Small screens fold the navigation into a <details> menu behind its toggle.
        assert rendered(driver, toggle), "no menu toggle on a phone"
        assert not rendered(driver, button), "the menu should start closed on a phone"
        toggle.click()
    else:
        assert not rendered(driver, toggle), "wide screens should not need the menu toggle"
    harness.wait_for(driver, lambda d: rendered(d, button))
    old = driver.find_element(By.TAG_NAME, "html")
    harness.click_like_a_user(driver, button)
    harness.wait_for(driver, harness.left_the_page(old))


@pytest.mark.parametrize("width", [360, 1280])
def test_subscriber_signs_in_and_out(server, new_browser, width):
    driver = new_browser(width, 800)
    harness.open_page(driver, server.url("acme", "/portal/login"))
    harness.fill(driver, "field-identifier", "dana@acme.example")
    harness.fill(driver, "field-password", harness.PASSWORD)
    harness.submit(driver, "Sign in")

    assert driver.execute_script("return location.pathname") == "/portal"
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Hello, ")
    assert not harness.page_errors(driver)

    sign_out_through_menu(driver, width)
    assert driver.execute_script("return location.pathname") in ("/", "/portal/login")
    # Signed out for real: the dashboard sends us to sign in again.
    harness.open_page(driver, server.url("acme", "/portal"))
    assert driver.execute_script("return location.pathname") == "/portal/login"


def test_staff_admin_signs_in_and_out(server, new_browser):
    driver = new_browser(360, 800)
    harness.sign_in(driver, server, "acme", "admin")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Command centre"
    sign_out_through_menu(driver, 360)
    assert driver.execute_script("return location.pathname") == "/admin/login"
    harness.open_page(driver, server.url("acme", "/admin"))
    assert driver.execute_script("return location.pathname") == "/admin/login"


def test_wrong_password_shows_the_error_summary(server, new_browser):
    driver = new_browser(360, 800)
    harness.open_page(driver, server.url("acme", "/portal/login"))
    harness.fill(driver, "field-identifier", "dana@acme.example")
    harness.fill(driver, "field-password", "not-the-password")
    harness.submit(driver, "Sign in")

    summary = driver.find_element(By.CSS_SELECTOR, ".error-summary[role=alert]")
    assert summary.is_displayed()
    assert driver.execute_script("return location.pathname") == "/portal/login"
    # The typed identifier is kept; the password is not.
    assert driver.find_element(By.ID, "field-identifier").get_attribute("value") == "dana@acme.example"
    assert driver.find_element(By.ID, "field-password").get_attribute("value") == ""
    assert not harness.page_problems(driver, allow_console=("status of 401",))
