/// The name of a page template, checked against the default theme when the application starts
/// (`ThemeLibrary` refuses to start without each of them), so a handler cannot ask for a
/// template that does not exist and a typo is a compile error, not a 500 at render time.
/// Themes may still replace any of these files; the names are what stays fixed.
public struct TemplateName: Hashable, Sendable, CustomStringConvertible {
    /// The file under `Themes/<theme>/` without `.mustache`.
    public let path: String

    private init(_ path: String) { self.path = path }

    public var description: String { path }

    /// The two parts of an email (every `NotificationKind` has both, checked at start).
    public static func emailText(_ kind: NotificationKind) -> TemplateName { TemplateName("email/\(kind.rawValue).text") }
    public static func emailHTML(_ kind: NotificationKind) -> TemplateName { TemplateName("email/\(kind.rawValue).html") }

    public static let adminAccount = TemplateName("admin/account")
    public static let adminApiKeys = TemplateName("admin/api-keys")
    public static let adminAppointmentsCalendar = TemplateName("admin/appointments/calendar")
    public static let adminAppointmentsDetail = TemplateName("admin/appointments/detail")
    public static let adminAppointmentsNew = TemplateName("admin/appointments/new")
    public static let adminAudit = TemplateName("admin/audit")
    public static let adminBranding = TemplateName("admin/branding")
    public static let adminCustomersDeleteLogin = TemplateName("admin/customers/delete-login")
    public static let adminCustomersDetail = TemplateName("admin/customers/detail")
    public static let adminCustomersEdit = TemplateName("admin/customers/edit")
    public static let adminCustomersInvitations = TemplateName("admin/customers/invitations")
    public static let adminCustomersLetter = TemplateName("admin/customers/letter")
    public static let adminCustomersList = TemplateName("admin/customers/list")
    public static let adminCustomersViewAs = TemplateName("admin/customers/view-as")
    public static let adminDeletionRequests = TemplateName("admin/deletion-requests")
    public static let adminDomains = TemplateName("admin/domains")
    public static let adminExport = TemplateName("admin/export")
    public static let adminHome = TemplateName("admin/home")
    public static let adminImport = TemplateName("admin/import")
    public static let adminImportMapping = TemplateName("admin/import-mapping")
    public static let adminImportResult = TemplateName("admin/import-result")
    public static let adminLogin = TemplateName("admin/login")
    public static let adminLoginCode = TemplateName("admin/login-code")
    public static let adminNotifications = TemplateName("admin/notifications")
    public static let adminOutbox = TemplateName("admin/outbox")
    public static let adminReports = TemplateName("admin/reports")
    public static let adminSettingsApiAccess = TemplateName("admin/settings/api-access")
    public static let adminSettingsCategories = TemplateName("admin/settings/categories")
    public static let adminSettingsCategory = TemplateName("admin/settings/category")
    public static let adminSettingsFaq = TemplateName("admin/settings/faq")
    public static let adminSettingsFaqEntry = TemplateName("admin/settings/faq-entry")
    public static let adminSettingsIndex = TemplateName("admin/settings/index")
    public static let adminSettingsLanguages = TemplateName("admin/settings/languages")
    public static let adminSettingsNotice = TemplateName("admin/settings/notice")
    public static let adminSettingsNotices = TemplateName("admin/settings/notices")
    public static let adminSettingsRetention = TemplateName("admin/settings/retention")
    public static let adminSettingsSecurity = TemplateName("admin/settings/security")
    public static let adminSettingsTimeZone = TemplateName("admin/settings/time-zone")
    public static let adminSettingsWebhook = TemplateName("admin/settings/webhook")
    public static let adminSettingsWebhooks = TemplateName("admin/settings/webhooks")
    public static let adminStaff = TemplateName("admin/staff")
    public static let adminTasksList = TemplateName("admin/tasks/list")
    public static let adminWorkOrdersDetail = TemplateName("admin/work-orders/detail")
    public static let adminWorkOrdersNew = TemplateName("admin/work-orders/new")
    public static let adminWorkOrdersQueue = TemplateName("admin/work-orders/queue")

    public static let errorsError = TemplateName("errors/error")
    public static let errorsNeutral = TemplateName("errors/neutral")

    public static let operatorBackups = TemplateName("operator/backups")
    public static let operatorForm = TemplateName("operator/form")
    public static let operatorNewTenant = TemplateName("operator/new-tenant")
    public static let operatorReports = TemplateName("operator/reports")
    public static let operatorTenant = TemplateName("operator/tenant")
    public static let operatorTenantData = TemplateName("operator/tenant-data")
    public static let operatorTenants = TemplateName("operator/tenants")

    public static let portalAccountForgot = TemplateName("portal/account/forgot")
    public static let portalAccountLogin = TemplateName("portal/account/login")
    public static let portalAccountMessage = TemplateName("portal/account/message")
    public static let portalAccountRegister = TemplateName("portal/account/register")
    public static let portalAccountSetPassword = TemplateName("portal/account/set-password")
    public static let portalAppointmentsDetail = TemplateName("portal/appointments/detail")
    public static let portalAppointmentsList = TemplateName("portal/appointments/list")
    public static let portalDashboard = TemplateName("portal/dashboard")
    public static let portalHome = TemplateName("portal/home")
    public static let portalNotes = TemplateName("portal/notes")
    public static let portalProfile = TemplateName("portal/profile")
    public static let portalService = TemplateName("portal/service")
    public static let portalSupport = TemplateName("portal/support")
    public static let portalTasks = TemplateName("portal/tasks")
    public static let portalUnsubscribe = TemplateName("portal/unsubscribe")
    public static let portalWorkOrdersDetail = TemplateName("portal/work-orders/detail")
    public static let portalWorkOrdersForm = TemplateName("portal/work-orders/form")
    public static let portalWorkOrdersHistory = TemplateName("portal/work-orders/history")
    public static let portalWorkOrdersList = TemplateName("portal/work-orders/list")

    public static let status = TemplateName("status")

    /// Every page template and both parts of every email.
    public static let all: [TemplateName] =
        [
            .adminAccount,
            .adminApiKeys,
            .adminAppointmentsCalendar,
            .adminAppointmentsDetail,
            .adminAppointmentsNew,
            .adminAudit,
            .adminBranding,
            .adminCustomersDeleteLogin,
            .adminCustomersDetail,
            .adminCustomersEdit,
            .adminCustomersInvitations,
            .adminCustomersLetter,
            .adminCustomersList,
            .adminCustomersViewAs,
            .adminDeletionRequests,
            .adminDomains,
            .adminExport,
            .adminHome,
            .adminImport,
            .adminImportMapping,
            .adminImportResult,
            .adminLogin,
            .adminLoginCode,
            .adminNotifications,
            .adminOutbox,
            .adminReports,
            .adminSettingsApiAccess,
            .adminSettingsCategories,
            .adminSettingsCategory,
            .adminSettingsFaq,
            .adminSettingsFaqEntry,
            .adminSettingsIndex,
            .adminSettingsLanguages,
            .adminSettingsNotice,
            .adminSettingsNotices,
            .adminSettingsRetention,
            .adminSettingsSecurity,
            .adminSettingsTimeZone,
            .adminSettingsWebhook,
            .adminSettingsWebhooks,
            .adminStaff,
            .adminTasksList,
            .adminWorkOrdersDetail,
            .adminWorkOrdersNew,
            .adminWorkOrdersQueue,
            .errorsError,
            .errorsNeutral,
            .operatorBackups,
            .operatorForm,
            .operatorNewTenant,
            .operatorReports,
            .operatorTenant,
            .operatorTenantData,
            .operatorTenants,
            .portalAccountForgot,
            .portalAccountLogin,
            .portalAccountMessage,
            .portalAccountRegister,
            .portalAccountSetPassword,
            .portalAppointmentsDetail,
            .portalAppointmentsList,
            .portalDashboard,
            .portalHome,
            .portalNotes,
            .portalProfile,
            .portalService,
            .portalSupport,
            .portalTasks,
            .portalUnsubscribe,
            .portalWorkOrdersDetail,
            .portalWorkOrdersForm,
            .portalWorkOrdersHistory,
            .portalWorkOrdersList,
            .status,
        ] + NotificationKind.allCases.flatMap { [emailText($0), emailHTML($0)] }
}
