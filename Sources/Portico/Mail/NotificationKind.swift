/// Every email Portico sends. Security mail always goes out; tenant admins can switch the
/// others off (`tenant_settings.disabled_notifications`), and subscribers can opt out of
/// non-security mail in their profile.
public enum NotificationKind: String, Sendable, CaseIterable {
    case verifyEmail = "verify_email"
    case resetPassword = "reset_password"
    case inviteCustomer = "invite_customer"
    case inviteStaff = "invite_staff"
    case changeEmail = "change_email"
    case emailChangedNotice = "email_changed_notice"
    case passwordChanged = "password_changed"
    case accountExists = "account_exists"
    case addressInUse = "address_in_use"
    case welcome
    case workOrderReceived = "work_order_received"
    case workOrderApproved = "work_order_approved"
    case workOrderRejected = "work_order_rejected"
    case workOrderStatusChanged = "work_order_status_changed"
    case workOrderProgress = "work_order_progress"
    case workOrderCompleted = "work_order_completed"
    case workOrderComment = "work_order_comment"
    case appointmentProposed = "appointment_proposed"
    case appointmentConfirmed = "appointment_confirmed"
    case appointmentChanged = "appointment_changed"
    case appointmentReminder = "appointment_reminder"
    case taskAssigned = "task_assigned"
    case staffNotice = "staff_notice"

    /// Mail whose link is a one-time token: the outbox keeps the token out of stored bodies.
    public var carriesLinkToken: Bool {
        switch self {
        case .verifyEmail, .resetPassword, .inviteCustomer, .inviteStaff, .changeEmail: true
        default: false
        }
    }

    /// Mail about the account's security: cannot be switched off.
    public var isSecurity: Bool {
        switch self {
        case .verifyEmail, .resetPassword, .inviteCustomer, .inviteStaff, .changeEmail, .emailChangedNotice, .passwordChanged, .accountExists,
            .addressInUse:
            true
        default:
            false
        }
    }

    /// Mail to the tenant's staff rather than its subscribers.
    public var isStaffMail: Bool { self == .inviteStaff || self == .staffNotice }

    public var label: String {
        switch self {
        case .verifyEmail: "Email verification"
        case .resetPassword: "Password reset"
        case .inviteCustomer: "Subscriber invitation"
        case .inviteStaff: "Staff invitation"
        case .changeEmail: "Email change confirmation"
        case .emailChangedNotice: "Email changed notice"
        case .passwordChanged: "Password changed notice"
        case .accountExists: "Registration attempt on an existing account"
        case .addressInUse: "Someone else tried to use an address that has an account"
        case .welcome: "Welcome"
        case .workOrderReceived: "Work order received"
        case .workOrderApproved: "Work order approved"
        case .workOrderRejected: "Work order rejected"
        case .workOrderStatusChanged: "Work order status changed"
        case .workOrderProgress: "Work order progress or ETA changed"
        case .workOrderCompleted: "Work order completed"
        case .workOrderComment: "New comment from staff"
        case .appointmentProposed: "Appointment proposed"
        case .appointmentConfirmed: "Appointment confirmed"
        case .appointmentChanged: "Appointment changed"
        case .appointmentReminder: "Appointment reminder (24 h before)"
        case .taskAssigned: "Task assigned"
        case .staffNotice: "Notices to staff"
        }
    }

    /// The text of the email's call-to-action button: what following the link does. The HTML
    /// part shows it on the button; the text part carries the same link after its sentence.
    public var actionLabel: String {
        switch self {
        case .verifyEmail: "Confirm my email address"
        case .resetPassword: "Choose a new password"
        case .inviteCustomer: "Accept the invitation"
        case .inviteStaff: "Set up my staff account"
        case .changeEmail: "Confirm my new email address"
        case .emailChangedNotice: "Open your account"
        case .passwordChanged: "Reset my password"
        case .accountExists, .addressInUse: "Sign in"
        case .welcome: "Open your customer portal"
        case .workOrderReceived, .workOrderApproved, .workOrderRejected, .workOrderStatusChanged, .workOrderProgress, .workOrderCompleted:
            "View the work order"
        case .workOrderComment: "Read the comment"
        case .appointmentProposed: "Confirm or ask to reschedule"
        case .appointmentConfirmed, .appointmentChanged, .appointmentReminder: "View the appointment"
        case .taskAssigned: "View your tasks"
        case .staffNotice: "Open it in the staff console"
        }
    }
}
