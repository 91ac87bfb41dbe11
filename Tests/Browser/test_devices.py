"""Where you're signed in: a subscriber signed in on two browsers ends the other one from the
profile page, and staff see their sessions on My account."""

from selenium.webdriver.common.by import By

import harness


def sign_in_subscriber(driver, server, email: str) -> None:
    harness.open_page(driver, server.url("zenith", "/portal/login"))
    harness.fill(driver, "field-identifier", email)
    harness.fill(driver, "field-password", harness.PASSWORD)
    harness.submit(driver, "Sign in")
    assert driver.execute_script("return location.pathname") == "/portal"


def test_subscriber_signs_out_another_device(server, new_browser):
    # Zenith's second demo subscriber, so the shared signed-in browsers of the page tour keep
    # their sessions.
    email = "sofia@zenith.example"
    phone = new_browser(360, 800)
    laptop = new_browser(1280, 900)
    sign_in_subscriber(phone, server, email)
    sign_in_subscriber(laptop, server, email)

    harness.open_page(laptop, server.url("zenith", "/portal/profile"))
    section = laptop.find_element(By.ID, "devices")
    items = section.find_elements(By.CSS_SELECTOR, "li.settings-item")
    assert len(items) == 2, section.text
    current = [item for item in items if "This device" in item.text]
    assert len(current) == 1 and "Chrome" in current[0].text and "127.0.0.1" in current[0].text
    harness.save_screenshot(laptop, "zenith-profile-devices-1280")
    assert not harness.page_problems(laptop)

    other = next(item for item in items if "This device" not in item.text)
    old = laptop.find_element(By.TAG_NAME, "html")
    other.find_element(By.XPATH, ".//button[starts-with(normalize-space(), 'Sign out')]").click()
    harness.wait_for(laptop, harness.left_the_page(old))
    notice = laptop.find_element(By.CSS_SELECTOR, ".notice").text
    assert "was signed out" in notice, notice
    assert "You are signed in on this device only." in laptop.find_element(By.ID, "devices").text

    # The phone finds itself signed out at its next request.
    harness.open_page(phone, server.url("zenith", "/portal/profile"))
    assert phone.execute_script("return location.pathname") == "/portal/login"
    harness.open_page(laptop, server.url("zenith", "/portal"))
    assert laptop.execute_script("return location.pathname") == "/portal"


def test_staff_see_their_sessions(server, signed_in):
    driver = signed_in("admin", "zenith")
    harness.open_page(driver, server.url("zenith", "/admin/account"))
    section = driver.find_element(By.ID, "devices")
    assert "This device" in section.text
    assert driver.find_element(By.ID, "field-current_password")
