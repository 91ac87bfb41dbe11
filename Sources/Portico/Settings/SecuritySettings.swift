import Foundation
import Postgres

/// A tenant's session and security options, each within safe bounds.
public struct SecuritySettings: Sendable, Decodable, Equatable {
    public var staffIdleMinutes: Int
    public var customerIdleHours: Int
    public var rememberMeDays: Int
    public var requireStaffTotp: Bool

    public static let staffIdleBounds = 5...60
    public static let customerIdleBounds = 1...72
    public static let rememberMeBounds = 1...90
    /// A remembered device that goes unused this long is signed out even before its duration ends.
    public static let rememberIdleCapDays = 30

    public static let defaults = SecuritySettings(staffIdleMinutes: 30, customerIdleHours: 24, rememberMeDays: 90, requireStaffTotp: false)

    public init(staffIdleMinutes: Int, customerIdleHours: Int, rememberMeDays: Int, requireStaffTotp: Bool) {
        self.staffIdleMinutes = staffIdleMinutes
        self.customerIdleHours = customerIdleHours
        self.rememberMeDays = rememberMeDays
        self.requireStaffTotp = requireStaffTotp
    }

    /// Idle timeout in seconds for a new session of this kind.
    public func idleSeconds(_ kind: PrincipalKind, remember: Bool) -> Int {
        switch kind {
        case .staff: staffIdleMinutes * 60
        case .customer: remember ? min(rememberMeDays, Self.rememberIdleCapDays) * 86_400 : customerIdleHours * 3600
        }
    }

    /// Reads the form; every field outside its bounds is explained.
    public static func parse(_ form: FormFields) throws -> SecuritySettings {
        var problems: [String: String] = [:]
        func number(_ field: String, _ bounds: ClosedRange<Int>, _ problemKey: String) -> Int {
            let text = form.text(field).trimmingCharacters(in: .whitespaces)
            guard let value = Int(text), bounds.contains(value) else {
                problems[field] = L10n.t(problemKey, ["min": "\(bounds.lowerBound)", "max": "\(bounds.upperBound)"])
                return bounds.lowerBound
            }
            return value
        }
        let staff = number("staff_idle_minutes", staffIdleBounds, "console.settings.security.badStaffIdle")
        let customer = number("customer_idle_hours", customerIdleBounds, "console.settings.security.badCustomerIdle")
        let remember = number("remember_me_days", rememberMeBounds, "console.settings.security.badRememberMe")
        let require = form.text("require_staff_totp")
        if !["", "yes", "no"].contains(require) { problems["require_staff_totp"] = L10n.t("console.settings.security.chooseYesNo") }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        return SecuritySettings(staffIdleMinutes: staff, customerIdleHours: customer, rememberMeDays: remember, requireStaffTotp: require == "yes")
    }
}
