import Foundation
import Hummingbird
import Mustache
import PorticoCrypto
import Postgres

extension AdminCustomersController {
    // MARK: Detail

    @MustacheView
    struct DetailView {
        let layout: LayoutModel
        let id: String
        let name: String
        let accountNumber: String
        /// "Account 100042".
        let summary: String
        let kind: String
        let plan: String
        let address: String
        let status: String
        let statusLabel: String
        let members: [Member]
        let equipment: [Equipment]
        let notes: [NoteRow]
        let tasks: [TaskRow]
        let orders: [WorkOrderCard]
        let form: FormView
        let edit: EditView
        let canEdit: Bool
        /// Admins delete logins (a subscriber's data rights).
        let canDeleteLogins: Bool
        let accessCode: String?
        let newWorkOrderHref: String
        let ordersHref: String
        let appointments: [AppointmentLink]
        let newAppointmentHref: String?
        let tasksHref: String
        @MustacheView
        struct Member {
            let memberId: String; let name: String; let email: String; let phone: String; let role: String; let status: String
            let roleLabel: String; let statusLabel: String
            let verified: Bool; let suspended: Bool
            let invitation: String; let invitationKey: String; let canInvite: Bool; let inviteLabel: String
            /// The hidden ends of the invite and delete buttons' names: "to ana@…", "of ana@…".
            let inviteTo: String; let deleteOf: String
        }
        @MustacheView
        struct Equipment { let equipmentId: String; let model: String; let serial: String; let mac: String; let installedOn: String? }
        @MustacheView
        struct NoteRow { let body: String; let author: String; let when: String; let shared: Bool }
        @MustacheView
        struct TaskRow {
            let title: String; let status: String; let statusLabel: String; let due: String?
            init(_ task: TaskItem) {
                self.title = task.title
                self.status = task.status.rawValue
                self.statusLabel = L10n.t("console.customer.taskStatus.\(task.status.rawValue)")
                self.due = task.dueDate
            }
        }
    }

    func renderDetail(
        _ id: UUID, context: StaffRequestContext, form: FormState = FormState(), notice: String? = nil, accessCode: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let account = try await customers.detail(id, staff: context.staff, tenant: context.tenant.id)
        let (organization, members, invitations) = (account.organization, account.members, account.invitations)
        var layout = context.layout(title: organization.name, current: ConsoleRoutes.customers.path)
        layout.notice = notice
        let values = [
            "name": organization.name, "account_number": organization.accountNumber, "kind": organization.kind.rawValue,
            "service_address": organization.serviceAddress, "service_plan": organization.servicePlan,
            "service_status": organization.serviceStatus.rawValue,
        ]
        let today = ISODates.today()
        let encodedAccount = organization.accountNumber.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let texts = L10n.texts
        let view = DetailView(
            layout: layout, id: id.uuidString.lowercased(), name: organization.name, accountNumber: organization.accountNumber,
            summary: texts("console.customer.summary", ["account": organization.accountNumber]),
            kind: texts("console.customer.kindName.\(organization.kind.rawValue)"), plan: organization.servicePlan,
            address: organization.serviceAddress,
            status: organization.serviceStatus.rawValue, statusLabel: organization.serviceStatus.label,
            members: members.map { member in
                let invitation = invitations[member.id] ?? .notInvited
                return .init(
                    memberId: member.id.uuidString.lowercased(), name: member.name, email: member.email, phone: member.phone,
                    role: member.role.rawValue, status: member.status.rawValue,
                    roleLabel: texts("console.customer.memberRole.\(member.role.rawValue)"),
                    statusLabel: texts("console.customer.memberStatus.\(member.status.rawValue)"), verified: member.isEmailVerified,
                    suspended: member.status == .suspended || member.status == .locked,
                    invitation: invitation.label, invitationKey: invitation.key.rawValue,
                    canInvite: member.status == .pending && invitation.key != .accepted,
                    inviteLabel: texts(invitation.key == .notInvited ? "console.customer.sendInvitation" : "console.customer.resendInvitation"),
                    inviteTo: texts("console.customer.inviteTo", ["email": member.email]),
                    deleteOf: texts("console.customer.ofEmail", ["email": member.email]))
            },
            equipment: account.equipment.map {
                .init(equipmentId: $0.id.uuidString.lowercased(), model: $0.model, serial: $0.serial, mac: $0.mac, installedOn: $0.installedOn)
            },
            notes: account.notes.map {
                .init(body: $0.body, author: $0.authorName, when: DisplayDate.dateTime($0.createdAt), shared: $0.visibility == .shared)
            },
            tasks: account.tasks.map(DetailView.TaskRow.init),
            orders: account.orders.map { WorkOrderCard($0, today: today, base: ConsoleRoutes.workOrders.path) },
            form: FormView(form),
            edit: editView(
                context, values: form.values.isEmpty ? values : values.merging(form.values) { $1 }, form: form,
                title: organization.name, action: ConsoleRoutes.customer(id)),
            canEdit: context.staff.role >= .agent, canDeleteLogins: context.staff.role >= .admin, accessCode: accessCode,
            newWorkOrderHref: "\(ConsoleRoutes.newWorkOrder.path)?account=\(encodedAccount)",
            ordersHref: "\(ConsoleRoutes.workOrders.path)?account=\(encodedAccount)",
            appointments: account.appointments, newAppointmentHref: "\(ConsoleRoutes.newAppointment.path)?account=\(encodedAccount)",
            tasksHref: "\(ConsoleRoutes.tasks.path)?status=all&account=\(encodedAccount)")
        return try renderer.render(.adminCustomersDetail, theme: context.tenant.theme, view, status: status)
    }

    /// Staff quote account numbers, not ids: `/admin/customers/account/100042` opens the account.
    @Sendable func byAccountNumber(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let number = String((context.parameters.get("number") ?? "").prefix(64))
        let organization = try await customers.find(accountNumber: number, tenant: context.tenant.id)
        guard let organization else { throw AppError.notFound("subscriber account") }
        return Redirect(to: ConsoleRoutes.customer(organization.id)).response
    }

    @Sendable func detail(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await renderDetail(try organizationID(context), context: context)
    }

    /// Runs a change on the account's page; problems re-render it with the reasons.
    func act(
        _ id: UUID, _ request: Request, context: StaffRequestContext, form: FormFields, notice: String,
        _ action: () async throws -> Void
    ) async throws -> HTML {
        do {
            try await action()
            return try await renderDetail(id, context: context, notice: notice)
        } catch let error as AppError where [.validation, .conflict].contains(error.kind) {
            return try await renderDetail(id, context: context, form: FormState.keeping(form, rejectedBy: error), status: error.status)
        }
    }

    @Sendable func update(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let form = try await FormFields.read(request)
        return try await act(id, request, context: context, form: form, notice: L10n.t("console.customer.saved")) {
            try await customers.update(
                id, with: try OrganizationInput.parse(form), staff: context.staff, origin: context.origin(request), tenant: context.tenant.id)
        }
    }
}
