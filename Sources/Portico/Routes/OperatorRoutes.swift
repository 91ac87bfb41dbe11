import Foundation

/// `/operator` on the operator host: the platform operator's console and its sign-in.
enum OperatorRoutes {
    static let home = Route("/operator")
    static let backups = Route("/operator/backups")
    static let enrol = Route("/operator/enrol")
    static let language = Route("/operator/language")
    static let login = Route("/operator/login")
    static let loginCode = Route("/operator/login/code")
    static let logout = Route("/operator/logout")
    static let reports = Route("/operator/reports")
    static let report = Route1<String>("/operator/reports/:file")
    static let setup = Route1<String>("/operator/setup/:token")
    static let tenants = Route("/operator/tenants")
    static let tenant = Route1<String>("/operator/tenants/:slug")
    static let tenantData = Route1<String>("/operator/tenants/:slug/data")
    static let tenantDelete = Route1<String>("/operator/tenants/:slug/delete")
    static let tenantExport = Route1<String>("/operator/tenants/:slug/export")
    static let tenantResume = Route1<String>("/operator/tenants/:slug/resume")
    static let tenantStaffResetLink = Route1<String>("/operator/tenants/:slug/staff-reset-link")
    static let tenantSuspend = Route1<String>("/operator/tenants/:slug/suspend")
    static let newTenant = Route("/operator/tenants/new")
}
