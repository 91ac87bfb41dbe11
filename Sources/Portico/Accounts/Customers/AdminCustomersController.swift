import Foundation
import Hummingbird
import Mustache
import PorticoCrypto
import Postgres

/// `/admin/customers` (agents and admins): subscriber accounts with their members, plan,
/// service status and equipment; create and edit; invite a member by email or print an
/// access-code letter; send or resend a login's invitation and see where each stands; suspend
/// and reactivate logins; notes and tasks; a read-only, audited "view as the subscriber".
struct AdminCustomersController {
    let dependencies: AppDependencies
    var renderer: PageRenderer { dependencies.renderer }
    var repositories: Repositories { dependencies.repositories }
    static let pageSize = 50

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.customers, use: list)
        group.get(ConsoleRoutes.newCustomer, use: newForm)
        group.post(ConsoleRoutes.customers, use: create)
        group.get(ConsoleRoutes.customerByAccount, use: byAccountNumber)
        group.get(ConsoleRoutes.customer, use: detail)
        group.post(ConsoleRoutes.customer, use: update)
        group.post(ConsoleRoutes.customerInvite, use: invite)
        group.post(ConsoleRoutes.customerAccessCode, use: accessCode)
        group.post(ConsoleRoutes.customerMemberInvite, use: inviteMember)
        group.post(ConsoleRoutes.customerMemberSuspend, use: suspend)
        group.post(ConsoleRoutes.customerMemberReactivate, use: reactivate)
        group.post(ConsoleRoutes.customerEquipment, use: addEquipment)
        group.post(ConsoleRoutes.customerEquipmentDelete, use: removeEquipment)
        group.post(ConsoleRoutes.customerNotes, use: addNote)
        group.post(ConsoleRoutes.customerTasks, use: addTask)
        group.get(ConsoleRoutes.customerViewAs, use: viewAs)
    }

    func organizationID(_ context: StaffRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound("subscriber account") }
        return id
    }

    func audit(
        _ context: StaffRequestContext, _ request: Request, action: String, target: String, details: [String: String] = [:], in tx: TenantTransaction
    ) async throws {
        try await repositories.audit.record(
            .init(
                actorKind: "staff", actorId: context.staff.id, actorLabel: context.staff.email, action: action,
                targetKind: "organization", targetId: target, ip: context.clientIP,
                userAgent: request.headers[.userAgent] ?? "", details: details), in: tx)
    }

    // MARK: List and create

    @MustacheView
    struct ListView {
        let layout: LayoutModel
        let rows: [Row]
        /// "12 accounts" / "3 accounts match", counted in the page's language.
        let total: String
        let query: String
        let accessOptions: [Option]
        let filtered: Bool
        let inviteHref: String?
        let nextPage: String?
        let previousPage: String?
        @MustacheView
        struct Row {
            let name: String; let accountNumber: String; let plan: String; let status: String; let statusLabel: String; let href: String
            let access: [AccessCount]
        }
        @MustacheView
        struct AccessCount { let key: String; let text: String }
    }

    /// "2 have a login", "1 not invited": how an account's logins stand with their invitations.
    static func accessCounts(_ counts: [(InvitationStatus.Key, Int)]) -> [ListView.AccessCount] {
        let texts = L10n.texts
        return counts.map { key, count in
            ListView.AccessCount(key: key.rawValue, text: texts.plural("console.customers.access.\(key.rawValue)", count: count))
        }
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let query = String((request.uri.queryParameters.get("q") ?? "").prefix(200)).trimmingCharacters(in: .whitespaces)
        let page = max(0, min(100_000, Int(request.uri.queryParameters.get("page") ?? "0") ?? 0))
        let access = request.uri.queryParameters.get("access").flatMap { InvitationStatus.Key(rawValue: String($0)) }
        let (organizations, total, counts) = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            let organizations = try await repositories.organizations.list(
                search: query, access: access, limit: Self.pageSize + 1,
                offset: page * Self.pageSize, in: tx)
            return (
                organizations, try await repositories.organizations.count(search: query, access: access, in: tx),
                try await InvitationStatus.summaries(of: organizations.prefix(Self.pageSize).map(\.id), in: tx)
            )
        }
        let filter = Self.listQuery(search: query, access: access)
        let bulk = CustomerInvitations.Selection(search: query, access: access)
        return try renderer.render(
            .adminCustomersList, theme: context.tenant.theme,
            ListView(
                layout: context.layout(title: L10n.t("console.customers.title"), current: ConsoleRoutes.customers.path),
                rows: organizations.prefix(Self.pageSize).map {
                    .init(
                        name: $0.name, accountNumber: $0.accountNumber, plan: $0.servicePlan, status: $0.serviceStatus.rawValue,
                        statusLabel: $0.serviceStatus.label, href: ConsoleRoutes.customer($0.id),
                        access: Self.accessCounts(counts[$0.id] ?? []))
                },
                total: L10n.texts.plural(query.isEmpty && access == nil ? "console.customers.count" : "console.customers.countMatch", count: total),
                query: query,
                accessOptions: [Option(value: "", label: L10n.t("console.customers.any"), selected: access == nil)]
                    + InvitationStatus.Key.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0 == access) },
                filtered: !query.isEmpty || access != nil,
                inviteHref: bulk.states.isEmpty ? nil : "\(ConsoleRoutes.invitations.path)?" + filter,
                nextPage: organizations.count > Self.pageSize ? "\(ConsoleRoutes.customers.path)?\(filter)&page=\(page + 1)" : nil,
                previousPage: page > 0 ? "\(ConsoleRoutes.customers.path)?\(filter)&page=\(page - 1)" : nil))
    }

    /// `q=…&access=…` for links that keep the list's filter.
    static func listQuery(search: String, access: InvitationStatus.Key?) -> String {
        let encoded = search.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return "q=\(encoded)" + (access.map { "&access=\($0.rawValue)" } ?? "")
    }

    @MustacheView
    struct EditView {
        let layout: LayoutModel
        let form: FormView
        let kinds: [Option]
        let statuses: [Option]
        let action: String
    }

    func editView(_ context: StaffRequestContext, values: [String: String], form: FormState = FormState(), title: String, action: String) -> EditView
    {
        EditView(
            layout: context.layout(title: title, current: ConsoleRoutes.customers.path),
            form: FormView(FormState(values: values, errors: form.errors, message: form.message)),
            kinds: OrganizationKind.allCases.map {
                Option(
                    value: $0.rawValue, label: L10n.t("console.customer.kindOption.\($0.rawValue)"),
                    selected: $0.rawValue == (values["kind"] ?? "household"))
            },
            statuses: ServiceStatus.allCases.map {
                Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == (values["service_status"] ?? "pending_install"))
            },
            action: action)
    }

    @Sendable func newForm(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try renderer.render(
            .adminCustomersEdit, theme: context.tenant.theme,
            editView(context, values: [:], title: L10n.t("console.customer.newTitle"), action: ConsoleRoutes.customers.path))
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        do {
            let fields = try OrganizationInput.parse(form)
            let organization = try await dependencies.pool.withTenant(context.tenant.id) { tx in
                let organization = try await repositories.organizations.create(fields, in: tx)
                try await audit(context, request, action: "organization.created", target: organization.accountNumber, in: tx)
                return organization
            }
            return Redirect(to: ConsoleRoutes.customer(organization.id)).response
        } catch let error as AppError where error.kind == .validation || error.kind == .conflict {
            let view = editView(
                context, values: FormState.keeping(form).values,
                form: FormState(errors: error.fields, message: error.fields.isEmpty ? error.message : nil),
                title: L10n.t("console.customer.newTitle"), action: ConsoleRoutes.customers.path)
            return try renderer.render(.adminCustomersEdit, theme: context.tenant.theme, view, status: error.status).response(
                from: request, context: context)
        }
    }

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
        let data = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            guard let organization = try await repositories.organizations.find(id: id, in: tx) else { throw AppError.notFound("subscriber account") }
            let members = try await repositories.customers.members(of: id, in: tx)
            return (
                organization, members, try await InvitationStatus.of(members.map(\.id), in: tx),
                try await repositories.organizations.equipment(of: id, in: tx),
                try await repositories.notes.list(organization: id, sharedOnly: false, limit: 50, in: tx),
                try await repositories.tasks.list(organization: id, status: nil, in: tx),
                try await repositories.workOrders.list(WorkOrderFilter(organizationId: id), limit: 20, offset: 0, in: tx),
                try await AppointmentLink.load(
                    AppointmentFilter(from: Date().addingTimeInterval(-30 * 86_400), organizationId: id),
                    staff: context.staff, repositories: repositories, in: tx)
            )
        }
        let (organization, members, invitations, equipment, notes, tasks, orders, appointments) = data
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
            equipment: equipment.map {
                .init(equipmentId: $0.id.uuidString.lowercased(), model: $0.model, serial: $0.serial, mac: $0.mac, installedOn: $0.installedOn)
            },
            notes: notes.map {
                .init(body: $0.body, author: $0.authorName, when: DisplayDate.dateTime($0.createdAt), shared: $0.visibility == .shared)
            },
            tasks: tasks.map(DetailView.TaskRow.init),
            orders: orders.map { WorkOrderCard($0, today: today, base: ConsoleRoutes.workOrders.path) },
            form: FormView(form),
            edit: editView(
                context, values: form.values.isEmpty ? values : values.merging(form.values) { $1 }, form: form,
                title: organization.name, action: ConsoleRoutes.customer(id)),
            canEdit: context.staff.role >= .agent, canDeleteLogins: context.staff.role >= .admin, accessCode: accessCode,
            newWorkOrderHref: "\(ConsoleRoutes.newWorkOrder.path)?account=\(encodedAccount)",
            ordersHref: "\(ConsoleRoutes.workOrders.path)?account=\(encodedAccount)",
            appointments: appointments, newAppointmentHref: "\(ConsoleRoutes.newAppointment.path)?account=\(encodedAccount)",
            tasksHref: "\(ConsoleRoutes.tasks.path)?status=all&account=\(encodedAccount)")
        return try renderer.render(.adminCustomersDetail, theme: context.tenant.theme, view, status: status)
    }

    /// Staff quote account numbers, not ids: `/admin/customers/account/100042` opens the account.
    @Sendable func byAccountNumber(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let number = String((context.parameters.get("number") ?? "").prefix(64))
        let organization = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            try await repositories.organizations.find(accountNumber: number, in: tx)
        }
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
            var state = FormState.keeping(form)
            state.errors = error.fields
            state.message = error.fields.isEmpty ? error.message : nil
            return try await renderDetail(id, context: context, form: state, status: error.status)
        }
    }

    @Sendable func update(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let form = try await FormFields.read(request)
        return try await act(id, request, context: context, form: form, notice: L10n.t("console.customer.saved")) {
            let fields = try OrganizationInput.parse(form)
            try await dependencies.pool.withTenant(context.tenant.id) { tx in
                guard let updated = try await repositories.organizations.update(id, with: fields, in: tx) else {
                    throw AppError.notFound("subscriber account")
                }
                try await audit(context, request, action: "organization.updated", target: updated.accountNumber, in: tx)
            }
        }
    }

    @Sendable func invite(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let form = try await FormFields.read(request)
        _ = try await requireOrganization(id, context: context)
        return try await act(
            id, request, context: context, form: form, notice: L10n.t("console.customer.invitationSent", ["email": form.text("member_email")])
        ) {
            _ = try await CustomerAccounts(dependencies: dependencies).inviteMember(
                name: form.text("member_name"), email: form.text("member_email"), organization: id, invitedBy: context.staff.email,
                tenant: context.tenant, origin: context.origin(request), createdByStaff: context.staff.id)
        }
    }

    /// Sends a login without a password its invitation, or a new one (the old link stops working).
    @Sendable func inviteMember(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        guard let text = context.parameters.get("customer"), let customerID = UUID(uuidString: text) else { throw AppError.notFound("login") }
        do {
            let (customer, sent) = try await CustomerInvitations(dependencies: dependencies).invite(
                customer: customerID, organization: id, by: context.staff, tenant: context.tenant, origin: context.origin(request))
            return try await renderDetail(
                id, context: context,
                notice: sent == .resent
                    ? L10n.t("console.customer.invitationResent", ["email": customer.email])
                    : L10n.t("console.customer.invitationSent", ["email": customer.email]))
        } catch let error as AppError where error.kind == .conflict || error.kind == .tooManyRequests {
            var html = try await renderDetail(id, context: context, form: FormState(message: error.message), status: error.status)
            if let retryAfter = error.retryAfter { html.headers[.retryAfter] = "\(retryAfter)" }
            return html
        }
    }

    func requireOrganization(_ id: UUID, context: StaffRequestContext) async throws -> Organization {
        let organization = try await dependencies.pool.withTenant(context.tenant.id) { tx in try await repositories.organizations.find(id: id, in: tx)
        }
        guard let organization else { throw AppError.notFound("subscriber account") }
        return organization
    }

    /// A new access code for a letter: shown once, on a printable page; only its hash is kept.
    @Sendable func accessCode(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let organization = try await requireOrganization(id, context: context)
        let code = SecureRandom.humanCode(length: 10)
        try await dependencies.pool.withTenant(context.tenant.id) { tx in
            try await tx.execute(
                "UPDATE account_tokens SET consumed_at = now() WHERE kind = 'access_code' AND organization_id = \(id) AND consumed_at IS NULL")
            try await AccountTokens.insert(
                token: code, kind: .accessCode, email: "", organizationID: id, createdBy: context.staff.id,
                lifetime: AccountTokens.Kind.accessCode.lifetime, in: tx)
            try await audit(context, request, action: "organization.access_code_issued", target: organization.accountNumber, in: tx)
        }
        let formatted = "\(code.prefix(4))-\(code.dropFirst(4).prefix(4))-\(code.suffix(2))"
        return try renderer.render(
            .adminCustomersLetter, theme: context.tenant.theme,
            LetterView(
                layout: {
                    var layout = context.layout(title: L10n.t("console.letter.title"), current: ConsoleRoutes.customers.path);
                    layout.printable = true;
                    return layout
                }(),
                name: organization.name, address: organization.serviceAddress, accountNumber: organization.accountNumber, code: formatted,
                registerUrl: context.tenant.url(PortalRoutes.register.path), companyName: context.tenant.branding.companyName,
                supportPhone: context.tenant.branding.supportPhone, backHref: ConsoleRoutes.customer(id),
                expires: DisplayDate.date(Date().addingTimeInterval(90 * 86_400))))
    }

    @MustacheView
    struct LetterView {
        let layout: LayoutModel
        let name: String
        let address: String
        let accountNumber: String
        let code: String
        let registerUrl: String
        let companyName: String
        let supportPhone: String?
        let backHref: String
        let expires: String
        /// "You can follow … with Acme online."
        let followText: String
        /// "The code works once and expires on …."
        let expiresText: String
        let callText: String?

        init(
            layout: LayoutModel, name: String, address: String, accountNumber: String, code: String, registerUrl: String, companyName: String,
            supportPhone: String?, backHref: String, expires: String
        ) {
            self.layout = layout
            self.name = name
            self.address = address
            self.accountNumber = accountNumber
            self.code = code
            self.registerUrl = registerUrl
            self.companyName = companyName
            self.supportPhone = supportPhone
            self.backHref = backHref
            self.expires = expires
            let texts = L10n.texts
            followText = texts("console.letter.follow", ["company": companyName])
            expiresText = texts("console.letter.expires", ["date": expires])
            callText = supportPhone.map { texts("console.letter.call", ["phone": $0]) }
        }
    }

    func member(_ context: StaffRequestContext, organization: UUID) async throws -> Customer {
        guard let text = context.parameters.get("customer"), let id = UUID(uuidString: text) else { throw AppError.notFound("customer") }
        let customer = try await dependencies.pool.withTenant(context.tenant.id) { tx in try await repositories.customers.find(id: id, in: tx) }
        guard let customer, customer.organizationId == organization else { throw AppError.notFound("customer") }
        return customer
    }

    @Sendable func suspend(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let customer = try await member(context, organization: id)
        try await dependencies.pool.withTenant(context.tenant.id) { tx in
            try await repositories.customers.setStatus(.suspended, for: customer.id, in: tx)
            _ = try await dependencies.sessions.revokeAll(kind: .customer, principal: customer.id, except: nil, in: tx)
            try await repositories.apiTokens.revokeAll(customer: customer.id, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: context.staff.id, actorLabel: context.staff.email, action: "customer.suspended",
                    targetKind: "customer", targetId: customer.email, ip: context.clientIP), in: tx)
        }
        return try await renderDetail(id, context: context, notice: L10n.t("console.customer.suspended", ["name": customer.name]))
    }

    @Sendable func reactivate(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let customer = try await member(context, organization: id)
        try await dependencies.pool.withTenant(context.tenant.id) { tx in
            let hasPassword = try await repositories.customers.credentials(id: customer.id, in: tx)?.passwordHash != nil
            try await repositories.customers.setStatus(hasPassword ? .active : .pending, for: customer.id, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: context.staff.id, actorLabel: context.staff.email, action: "customer.reactivated",
                    targetKind: "customer", targetId: customer.email, ip: context.clientIP), in: tx)
        }
        return try await renderDetail(id, context: context, notice: L10n.t("console.customer.reactivated", ["name": customer.name]))
    }

    @Sendable func addEquipment(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let form = try await FormFields.read(request)
        _ = try await requireOrganization(id, context: context)
        return try await act(id, request, context: context, form: form, notice: L10n.t("console.customer.equipmentAdded")) {
            let equipment = try EquipmentInput.parse(form)
            try await dependencies.pool.withTenant(context.tenant.id) { tx in
                _ = try await repositories.organizations.addEquipment(equipment, to: id, in: tx)
            }
        }
    }

    @Sendable func removeEquipment(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        guard let text = context.parameters.get("equipment"), let equipmentID = UUID(uuidString: text) else { throw AppError.notFound("equipment") }
        let removed = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            try await repositories.organizations.removeEquipment(equipmentID, from: id, in: tx)
        }
        guard removed else { throw AppError.notFound("equipment") }
        return try await renderDetail(id, context: context, notice: L10n.t("console.customer.equipmentRemoved"))
    }

    @Sendable func addNote(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let form = try await FormFields.read(request)
        _ = try await requireOrganization(id, context: context)
        return try await act(id, request, context: context, form: form, notice: L10n.t("console.customer.noteAdded")) {
            let body = form.text("note_body")
            guard !body.isEmpty, body.count <= 10_000 else { throw AppError.validation(["note_body": L10n.t("console.customer.noteNeeded")]) }
            let visibility: Visibility = form.text("note_visibility") == "shared" ? .shared : .internalOnly
            try await dependencies.pool.withTenant(context.tenant.id) { tx in
                _ = try await repositories.notes.create(
                    organization: id, customer: nil, body: body, visibility: visibility, author: context.staff.actor, in: tx)
            }
        }
    }

    @Sendable func addTask(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let form = try await FormFields.read(request)
        _ = try await requireOrganization(id, context: context)
        return try await act(id, request, context: context, form: form, notice: L10n.t("console.customer.taskCreated")) {
            _ = try await StaffTasks(dependencies: dependencies).create(
                StaffTasks.Input(form: form), for: id, staff: context.staff,
                origin: context.origin(request), tenant: context.tenant)
        }
    }

    // MARK: View as the subscriber

    @MustacheView
    struct ViewAsView {
        let layout: LayoutModel
        let name: String
        let backHref: String
        /// "Zed's portal"
        let heading: String
        /// "Notes from Acme"
        let notesHeading: String
        let orders: [WorkOrderCard]
        let appointments: [PortalAppointmentsController.AppointmentView]
        let tasks: [DetailView.TaskRow]
        let notes: [DetailView.NoteRow]
    }

    /// What the subscriber's portal shows, read-only, with staff-only data left out exactly as
    /// the portal leaves it out. Every look is audited.
    @Sendable func viewAs(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let data = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            guard let organization = try await repositories.organizations.find(id: id, in: tx) else { throw AppError.notFound("subscriber account") }
            try await audit(context, request, action: "organization.viewed_as_customer", target: organization.accountNumber, in: tx)
            let orders = try await repositories.workOrders.list(WorkOrderFilter(organizationId: id), limit: 20, offset: 0, in: tx)
            let appointments = try await repositories.appointments.list(organization: id, from: Date(), to: nil, in: tx)
            return (
                organization, orders, appointments,
                try await repositories.tasks.list(organization: id, status: .open, in: tx),
                try await repositories.notes.list(organization: id, sharedOnly: true, limit: 10, in: tx)
            )
        }
        let today = ISODates.today()
        var layout = context.layout(title: L10n.t("console.viewAs.title", ["name": data.0.name]), current: ConsoleRoutes.customers.path)
        layout.notice = L10n.t("console.viewAs.readOnly", ["name": data.0.name])
        return try renderer.render(
            .adminCustomersViewAs, theme: context.tenant.theme,
            ViewAsView(
                layout: layout, name: data.0.name, backHref: ConsoleRoutes.customer(id),
                heading: L10n.t("console.viewAs.heading", ["name": data.0.name]),
                notesHeading: L10n.t("console.viewAs.notesFrom", ["company": layout.siteName]),
                orders: data.1.map { WorkOrderCard($0, today: today, base: ConsoleRoutes.workOrders.path) },
                appointments: data.2.map { PortalAppointmentsController.view($0, technician: nil, workOrder: nil) },
                tasks: data.3.map(DetailView.TaskRow.init),
                notes: data.4.map { .init(body: $0.body, author: $0.authorName, when: DisplayDate.dateTime($0.createdAt), shared: true) }))
    }
}
