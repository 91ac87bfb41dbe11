"""The pages every layout and accessibility check visits. Add a page here and it is checked
at 360 px (and at 1280 px unless `wide=False`) on every tenant in `tenants`, screenshotted to
`artifacts/browser/<tenant>-<name>-<width>.png`, and held to the accessibility basics, no
console errors and no CSP violations.

`role` picks the browser the page is opened in: "anonymous", "subscriber", a staff role
("admin", "agent", "technician") or "operator" (on the operator host); signed-in browsers sign
in once per run through the real forms (see `signed_in` in conftest.py).
"""

from dataclasses import dataclass

TENANTS = ("acme", "zenith")
WIDTHS = (360, 1280)


@dataclass(frozen=True)
class Page:
    name: str                      # in test ids and screenshot names
    path: str
    role: str = "anonymous"
    tenants: tuple = TENANTS       # tenant slugs, or "operator" for the operator console's host
    wide: bool = True              # also check at 1280 px
    allow_console: tuple = ()      # substrings of console messages this page may log
    lands_on: str = ""             # a path prefix the page redirects to (default: `path` itself)


PUBLIC_PAGES = [
    Page("home", "/"),
    Page("login", "/portal/login"),
    Page("register", "/portal/register"),
    Page("forgot-password", "/portal/forgot-password"),
    Page("admin-login", "/admin/login"),
    Page("admin-forgot-password", "/admin/forgot-password"),
    # The browser logs the 404 of the document itself; the error page must still be tidy.
    Page("not-found", "/no-such-page", allow_console=("status of 404",)),
    Page("operator-login", "/operator/login", tenants=("operator",)),
    Page("status", "/status"),
]

SUBSCRIBER_PAGES = [
    Page("dashboard", "/portal", role="subscriber"),
    Page("profile", "/portal/profile", role="subscriber"),
    Page("work-orders", "/portal/work-orders", role="subscriber"),
    Page("work-order-new", "/portal/work-orders/new", role="subscriber"),
    # The demo gives each tenant's first subscriber orders #1001 and #1002.
    Page("work-order-detail", "/portal/work-orders/1001", role="subscriber"),
    Page("work-order-history", "/portal/work-orders/1001/history", role="subscriber"),
    Page("appointments", "/portal/appointments", role="subscriber"),
    Page("tasks", "/portal/tasks", role="subscriber"),
    Page("notes", "/portal/notes", role="subscriber"),
    Page("service", "/portal/service", role="subscriber"),
    Page("support", "/portal/support", role="subscriber"),
]

STAFF_PAGES = [
    Page("admin", "/admin", role="admin"),
    Page("admin-staff", "/admin/staff", role="admin"),
    Page("admin-audit", "/admin/audit", role="admin"),
    Page("admin-reports", "/admin/reports", role="admin"),
    Page("admin-deletion-requests", "/admin/deletion-requests", role="admin"),
    Page("admin-outbox", "/admin/outbox", role="admin"),
    Page("admin-account", "/admin/account", role="admin"),
    Page("admin-notifications", "/admin/settings/notifications", role="admin"),
    Page("admin-settings", "/admin/settings", role="admin"),
    Page("admin-settings-categories", "/admin/settings/categories", role="admin"),
    Page("admin-settings-faq", "/admin/settings/faq", role="admin"),
    Page("admin-settings-notices", "/admin/settings/notices", role="admin"),
    Page("admin-settings-security", "/admin/settings/security", role="admin"),
    Page("admin-settings-retention", "/admin/settings/retention", role="admin"),
    Page("admin-domains", "/admin/domains", role="admin"),
    Page("admin-branding", "/admin/branding", role="admin"),
    Page("admin-work-orders", "/admin/work-orders", role="agent"),
    Page("admin-work-order-detail", "/admin/work-orders/1002", role="agent"),  # 1001 is a draft: its author's alone
    Page("admin-work-order-new", "/admin/work-orders/new", role="agent"),
    Page("admin-work-orders-technician", "/admin/work-orders", role="technician"),
    Page("admin-technician", "/admin", role="technician"),
    Page("admin-customers", "/admin/customers", role="agent"),
    Page("admin-customers-not-invited", "/admin/customers?access=not_invited", role="agent"),
    # The demo's Cedar household: two logins without a password, one of them invited.
    Page("admin-invitations", "/admin/customers/invitations", role="agent"),
    Page("admin-customer-new", "/admin/customers/new", role="agent"),
    # Redirects to the demo's first subscriber account.
    Page("admin-customer-detail", "/admin/customers/account/100001", role="agent", lands_on="/admin/customers/"),
    Page("admin-appointments", "/admin/appointments", role="agent"),
    Page("admin-appointments-week", "/admin/appointments?view=week", role="agent"),
    Page("admin-appointments-technician", "/admin/appointments?view=week", role="technician"),
    Page("admin-appointment-new", "/admin/appointments/new?account=100001&work_order=1002", role="agent"),
    Page("admin-tasks", "/admin/tasks?status=all", role="agent"),
    Page("admin-import", "/admin/import", role="admin"),
    Page("admin-export", "/admin/export", role="agent"),
]

OPERATOR_PAGES = [
    Page("operator-tenants", "/operator", role="operator", tenants=("operator",)),
    Page("operator-new-tenant", "/operator/tenants/new", role="operator", tenants=("operator",)),
    Page("operator-reports", "/operator/reports", role="operator", tenants=("operator",)),
]

ALL_PAGES = PUBLIC_PAGES + SUBSCRIBER_PAGES + STAFF_PAGES + OPERATOR_PAGES

# Signed-in roles whose header menu is opened and checked at 360 and 1280 px, with the page
# it is opened on.
MENU_PAGES = {"subscriber": "/portal", "admin": "/admin"}
