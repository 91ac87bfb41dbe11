"""/admin/reports in a real browser: every chart renders as an SVG the browser lays out (with
its accessible name and bars), the CSV links download the same range, and the page logs no
console error and no CSP violation (the charts use no inline style or script)."""

from selenium.webdriver.common.by import By

import harness

CHARTS = """
return Array.from(document.querySelectorAll('svg.chart')).map((svg) => {
  const box = svg.getBoundingClientRect();
  const labelled = (svg.getAttribute('aria-labelledby') || '').split(' ').map((id) => document.getElementById(id));
  return {id: svg.id, role: svg.getAttribute('role'), width: box.width, height: box.height,
          name: labelled.map((el) => el ? el.textContent.trim() : '').join(' | '),
          bars: svg.querySelectorAll('.chart__bars rect').length,
          drawn: Array.from(svg.querySelectorAll('.chart__bars rect')).filter((r) => r.getBBox().height > 0).length,
          fill: svg.querySelector('.chart__bars rect') ? getComputedStyle(svg.querySelector('.chart__bars rect')).fill : '',
          table: !!svg.closest('.report__body').querySelector('table')};
});
"""

DOWNLOAD = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {credentials: 'same-origin'})
  .then(async (r) => done({status: r.status, type: r.headers.get('content-type'), text: await r.text()}))
  .catch((e) => done({status: 0, type: '', text: String(e)}));
"""


def test_reports_draw_accessible_charts(server, signed_in):
    driver = signed_in("admin", "acme")
    harness.set_viewport(driver, 1280, 900)
    harness.open_page(driver, server.url("acme", "/admin/reports"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Reports"
    charts = driver.execute_script(CHARTS)
    assert [chart["id"] for chart in charts] == [
        "chart-work-orders-weekly", "chart-time-by-category", "chart-time-by-technician", "chart-overdue-weekly",
        "chart-appointments-weekly", "chart-subscriber-activity-weekly", "chart-integrations-weekly"]
    for chart in charts:
        assert chart["role"] == "img" and chart["table"], chart
        assert chart["width"] > 300 and chart["height"] > 100, chart
        assert "|" in chart["name"] and len(chart["name"]) > 20, chart
        # Colours come from the stylesheet: a bar without them would be black (rgb(0, 0, 0)).
        if chart["bars"]:
            assert chart["fill"] not in ("", "rgb(0, 0, 0)"), chart
    # The demo's work orders were submitted within the last twelve weeks.
    weekly = charts[0]
    assert weekly["bars"] == 12 * 3 and weekly["drawn"] > 0, weekly
    harness.save_screenshot(driver, "acme-reports-1280")
    problems = harness.page_problems(driver)
    assert not problems, "\n".join(problems)

    # The filter form: a category narrows the page and its CSV links.
    link = driver.find_element(By.CSS_SELECTOR, "#report-work-orders-weekly a[download]")
    href = link.get_attribute("href")
    assert "/admin/reports/work-orders-weekly.csv?from=" in href
    download = driver.execute_async_script(DOWNLOAD, href)
    assert download["status"] == 200 and download["type"].startswith("text/csv"), download
    lines = download["text"].strip().split("\r\n")
    assert lines[0] == "week_starting,opened,approved,completed" and len(lines) == 13, lines

    # A bad range: a message, not a crash.
    harness.open_page(driver, server.url("acme", "/admin/reports?from=2026-05-01&to=2026-04-01"))
    assert "is after the end date" in driver.find_element(By.TAG_NAME, "main").text
    assert not harness.page_errors(driver, allow=("status of 422",))


def test_reports_narrow_screen(server, signed_in):
    driver = signed_in("admin", "zenith")
    harness.set_viewport(driver, 360, 800)
    harness.open_page(driver, server.url("zenith", "/admin/reports"))
    charts = driver.execute_script(CHARTS)
    assert len(charts) == 7 and all(0 < chart["width"] <= 360 for chart in charts), charts
    harness.save_screenshot(driver, "zenith-reports-360")
    problems = harness.page_problems(driver)
    assert not problems, "\n".join(problems)
