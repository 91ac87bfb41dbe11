"""A subscriber downloads their data as a ZIP from the profile page and asks for their login
to be deleted; an admin finds the request and deletes the login; the subscriber is signed out."""

import json
import tempfile
import time
import zipfile
from pathlib import Path

from selenium.webdriver.common.by import By

import harness

# Acme's second demo subscriber: the only person on their account (no hand-over needed), and
# no other browser test signs in as them.
EMAIL = "luis@acme.example"


def wait_for_download(folder: Path, timeout: float = 20) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [path for path in folder.iterdir() if path.suffix == ".zip"]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no ZIP arrived in {folder}: {[path.name for path in folder.iterdir()]}")


def test_subscriber_downloads_their_data_and_asks_for_deletion(server, new_browser):
    driver = new_browser(1280, 900)
    harness.open_page(driver, server.url("acme", "/portal/login"))
    harness.fill(driver, "field-identifier", EMAIL)
    harness.fill(driver, "field-password", harness.PASSWORD)
    harness.submit(driver, "Sign in")
    assert driver.execute_script("return location.pathname") == "/portal"

    with tempfile.TemporaryDirectory() as folder:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": folder})
        harness.open_page(driver, server.url("acme", "/portal/profile"))
        section = driver.find_element(By.ID, "your-data")
        assert "Download everything this portal holds about you" in section.text
        assert not harness.page_problems(driver)
        harness.click_like_a_user(driver, section.find_element(By.LINK_TEXT, "Download my data"))
        archive = wait_for_download(Path(folder))
        assert archive.name.startswith("acme-my-data-"), archive.name
        with zipfile.ZipFile(archive) as zip_file:
            names = set(zip_file.namelist())
            assert {"README.txt", "data.json", "profile.txt", "work-orders.csv"} <= names, names
            readme = zip_file.read("README.txt").decode()
            assert "Luis Ortega" in readme and EMAIL in readme
            data = json.loads(zip_file.read("data.json"))
            assert data["profile"]["email"] == EMAIL
            assert all(order["number"] > 0 for order in data["work_orders"])

    # Ask for deletion, with a reason.
    harness.fill(driver, "field-reason", "Moving to the city")
    harness.submit(driver, "Ask to delete my login")
    notice = driver.find_element(By.CSS_SELECTOR, ".notice").text
    assert "We have your request" in notice, notice
    assert driver.find_element(By.XPATH, "//button[normalize-space()='Withdraw my request']")
    assert not harness.page_problems(driver)

    # An admin finds it and carries it out.
    admin = new_browser(1280, 900)
    harness.sign_in(admin, server, "acme", "admin")
    harness.open_page(admin, server.url("acme", "/admin/deletion-requests"))
    row = admin.find_element(By.XPATH, f"//tr[contains(., '{EMAIL}')]")
    assert "Moving to the city" in row.text
    assert not harness.page_problems(admin)
    old = admin.find_element(By.TAG_NAME, "html")
    harness.click_like_a_user(admin, row.find_element(By.PARTIAL_LINK_TEXT, "Review and delete"))
    harness.wait_for(admin, harness.left_the_page(old))
    assert "Delete Luis Ortega" in admin.find_element(By.TAG_NAME, "h1").text
    harness.fill(admin, "field-confirm_email", EMAIL)
    harness.submit(admin, "Delete this login")
    notice = admin.find_element(By.CSS_SELECTOR, ".notice").text
    assert "login is deleted" in notice, notice
    assert EMAIL not in admin.find_element(By.TAG_NAME, "main").text

    # The subscriber's next page is the sign-in page, and the address no longer signs in.
    harness.open_page(driver, server.url("acme", "/portal/profile"))
    assert driver.execute_script("return location.pathname") == "/portal/login"
    harness.fill(driver, "field-identifier", EMAIL)
    harness.fill(driver, "field-password", harness.PASSWORD)
    harness.submit(driver, "Sign in")
    assert driver.execute_script("return location.pathname") == "/portal/login"
