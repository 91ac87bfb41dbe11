"""Staff work a submitted order while the subscriber watches its page in another browser."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import harness

STATUS_BADGE = "#live-status .badge"


def test_subscriber_sees_approval_and_status_change_live(server, new_browser):
    # The demo's first zenith subscriber submitted #1002; it waits for approval.
    subscriber = new_browser(360, 800)
    harness.sign_in(subscriber, server, "zenith", "subscriber")
    harness.open_page(subscriber, server.url("zenith", "/portal/work-orders/1002"))
    assert subscriber.find_element(By.CSS_SELECTOR, STATUS_BADGE).text == "Submitted"
    # Marks this page load: a reload would lose it.
    subscriber.execute_script("window.stillTheSamePage = true")

    admin = new_browser(1280, 900)
    harness.sign_in(admin, server, "zenith", "admin")
    harness.open_page(admin, server.url("zenith", "/admin/work-orders/1002"))
    harness.submit(admin, "Approve")
    assert "Approved" in admin.find_element(By.CSS_SELECTOR, "[role=status]").text

    harness.wait_for(subscriber, lambda d: d.find_element(By.CSS_SELECTOR, STATUS_BADGE).text == "Approved", timeout=10)

    Select(admin.find_element(By.ID, "u-status")).select_by_value("in_progress")
    harness.fill(admin, "u-progress", "40")
    harness.submit(admin, "Save")
    harness.wait_for(subscriber, lambda d: d.find_element(By.CSS_SELECTOR, STATUS_BADGE).text == "In progress", timeout=10)
    harness.wait_for(subscriber, lambda d: "40 % done" in d.find_element(By.ID, "live-status").text, timeout=10)

    assert subscriber.execute_script("return window.stillTheSamePage === true"), "the page updated without reloading"
    harness.save_screenshot(subscriber, "zenith-work-order-live-update-360")
    assert not harness.page_errors(subscriber)
