import Foundation
import Hummingbird
import Mustache
import PorticoCrypto
import Postgres

/// `/admin/webhooks` (admins, under Settings): endpoints that receive signed event POSTs.
/// Create (the signing secret is shown once), rotate the secret (shown once), enable,
/// disable, delete; per endpoint the delivery log with every attempt and a redeliver button.
/// Another tenant's endpoint or delivery id is the same 404 as a missing one.
struct WebhooksController {
    let configuration: AppConfiguration
    let endpoints: WebhookEndpoints
    let renderer: PageRenderer
    let support: SettingsSupport

    /// The notices after a redirect (`?done=enabled`), in the reader's language.
    static var messages: [String: String] {
        Dictionary(uniqueKeysWithValues: ["enabled", "disabled", "deleted", "redelivered"].map { ($0, L10n.t("console.webhooks.done.\($0)")) })
    }

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.webhooks, use: list)
        group.post(ConsoleRoutes.webhooks, use: create)
        group.get(ConsoleRoutes.webhook, use: show)
        group.post(ConsoleRoutes.webhookEnable, use: enable)
        group.post(ConsoleRoutes.webhookDisable, use: disable)
        group.post(ConsoleRoutes.webhookRotateSecret, use: rotate)
        group.post(ConsoleRoutes.webhookDelete, use: delete)
        group.post(ConsoleRoutes.webhookDeliveryRedeliver, use: redeliver)
    }

    // MARK: List and create

    @MustacheView
    struct EventOption { let value: String; let label: String; let field: String; let checked: Bool }

    @MustacheView
    struct ListView {
        let layout: LayoutModel
        let form: FormView
        let events: [EventOption]
        let rows: [Row]
        let allowHTTP: Bool
        @MustacheView
        struct Row {
            let id: String
            let url: String
            let description: String
            let events: String
            let enabled: Bool
            /// "3 delivered · 0 waiting · 1 dead", in the reader's language.
            let counts: String
            /// "Deliveries and settings of https://…".
            let openLabel: String
        }
    }

    func renderList(
        _ context: StaffRequestContext, values: [String: String]? = nil, form: FormState = FormState(), notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let (configured, counts) = try await endpoints.overview(tenant: context.tenant.id)
        var layout = context.layout(title: L10n.t("console.webhooks.title"), current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let shown = values ?? [:]
        let events = WebhookEventType.allCases.map {
            EventOption(value: $0.rawValue, label: $0.label, field: $0.formField, checked: values == nil || shown[$0.formField] != nil)
        }
        let rows = configured.map { endpoint in
            let count = counts[endpoint.id] ?? [:]
            return ListView.Row(
                id: endpoint.id.uuidString.lowercased(), url: endpoint.url, description: endpoint.description,
                events: endpoint.events.joined(separator: ", "), enabled: endpoint.enabled,
                counts: L10n.t(
                    "console.webhooks.counts",
                    [
                        "delivered": "\(count[.delivered] ?? 0)", "queued": "\((count[.queued] ?? 0) + (count[.sending] ?? 0))",
                        "dead": "\(count[.dead] ?? 0)",
                    ]),
                openLabel: L10n.t("console.webhooks.openLabel", ["url": endpoint.url]))
        }
        return try renderer.render(
            .adminSettingsWebhooks, theme: context.tenant.theme,
            ListView(
                layout: layout, form: FormView(FormState(values: shown, errors: form.errors, message: form.message)), events: events, rows: rows,
                allowHTTP: configuration.webhooksAllowHTTP), status: status)
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await renderList(context, notice: SettingsSupport.notice(request, Self.messages))
    }

    /// Validated input of the create form.
    func parse(_ form: FormFields) throws -> NewWebhookEndpoint {
        var problems: [String: String] = [:]
        var url = ""
        switch WebhookURL.validate(
            form.text("url"), allowHTTP: configuration.webhooksAllowHTTP,
            allowPrivate: configuration.webhooksAllowPrivate)
        {
        case .success(let valid): url = valid
        case .failure(let problem): problems["url"] = problem.message
        }
        let description = form.text("description").trimmingCharacters(in: .whitespacesAndNewlines)
        if description.count > 500 { problems["description"] = L10n.t("console.webhooks.descriptionTooLong", ["max": "500"]) }
        let events = WebhookEventType.allCases.filter { form.flag($0.formField) }
        if events.isEmpty { problems["events"] = L10n.t("console.webhooks.noEvents") }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        return NewWebhookEndpoint(url: url, description: description, events: events, secret: WebhookEndpoints.newSecret())
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        do {
            let input = try parse(form)
            let endpoint = try await endpoints.create(input, staff: context.staff, origin: context.origin(request), tenant: context.tenant.id)
            return try await renderShow(
                context, id: endpoint.id, secret: input.secret,
                notice: L10n.t("console.webhooks.createdNotice")
            )
            .response(from: request, context: context)
        } catch let error as AppError where error.kind == .validation {
            return try await renderList(
                context, values: FormState.keeping(form).values, form: FormState(errors: error.fields),
                status: error.status
            ).response(from: request, context: context)
        }
    }

    // MARK: One endpoint

    @MustacheView
    struct ShowView {
        let layout: LayoutModel
        let id: String
        let url: String
        let description: String
        let events: [String]
        let enabled: Bool
        let created: String
        let secret: String?
        let deliveries: [Delivery]
        @MustacheView
        struct Delivery {
            let endpointId: String
            let id: String
            let eventType: String
            let eventId: String
            let created: String
            let status: String
            let statusLabel: String
            let attempts: Int
            let lastStatusCode: Int?
            let lastError: String?
            let nextAttempt: String?
            let delivered: String?
            let redeliverable: Bool
            let log: [Attempt]
        }
        @MustacheView
        struct Attempt {
            /// "Attempt 2 at …: HTTP 500 in 120 ms", in the reader's language.
            let summary: String
            let error: String?
        }
    }

    func renderShow(_ context: StaffRequestContext, id: UUID, secret: String? = nil, notice: String? = nil) async throws -> HTML {
        let found = try await endpoints.log(of: id, tenant: context.tenant.id)
        let (endpoint, deliveries, attempts) = (found.endpoint, found.deliveries, found.attempts)
        var layout = context.layout(title: L10n.t("console.webhooks.endpointTitle"), current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let log = Dictionary(grouping: attempts, by: \.deliveryId)
        let rows = deliveries.map { delivery in
            ShowView.Delivery(
                endpointId: id.uuidString.lowercased(), id: delivery.id.uuidString.lowercased(), eventType: delivery.eventType,
                eventId: delivery.eventId.uuidString.lowercased(),
                created: DisplayDate.dateTime(delivery.createdAt), status: delivery.status.rawValue, statusLabel: delivery.status.label,
                attempts: delivery.attempts, lastStatusCode: delivery.lastStatusCode, lastError: DeliveryDiagnostic.shown(delivery.lastError),
                nextAttempt: delivery.status == .queued ? DisplayDate.dateTime(delivery.nextAttemptAt) : nil,
                delivered: delivery.deliveredAt.map { DisplayDate.dateTime($0) }, redeliverable: delivery.status != .sending,
                log: (log[delivery.id] ?? []).map { (attempt: WebhookAttempt) -> ShowView.Attempt in
                    let values = [
                        "attempt": "\(attempt.attempt)", "at": DisplayDate.dateTime(attempt.createdAt),
                        "code": attempt.statusCode.map { String($0) } ?? "", "ms": "\(attempt.durationMs)",
                    ]
                    return ShowView.Attempt(
                        summary: L10n.t(attempt.statusCode == nil ? "console.webhooks.attemptNoResponse" : "console.webhooks.attempt", values),
                        error: DeliveryDiagnostic.shown(attempt.error))
                })
        }
        return try renderer.render(
            .adminSettingsWebhook, theme: context.tenant.theme,
            ShowView(
                layout: layout, id: endpoint.id.uuidString.lowercased(), url: endpoint.url, description: endpoint.description,
                events: endpoint.events,
                enabled: endpoint.enabled, created: DisplayDate.dateTime(endpoint.createdAt), secret: secret, deliveries: rows))
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await renderShow(context, id: try support.id(context, "webhook endpoint"), notice: SettingsSupport.notice(request, Self.messages))
    }

    func setEnabled(_ enabled: Bool, _ request: Request, context: StaffRequestContext) async throws -> Response {
        let id = try support.id(context, "webhook endpoint")
        try await endpoints.setEnabled(enabled, endpoint: id, staff: context.staff, origin: context.origin(request), tenant: context.tenant.id)
        return Redirect(to: "\(ConsoleRoutes.webhook(id))?done=\(enabled ? "enabled" : "disabled")").response
    }

    @Sendable func enable(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await setEnabled(true, request, context: context)
    }

    @Sendable func disable(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await setEnabled(false, request, context: context)
    }

    @Sendable func rotate(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try support.id(context, "webhook endpoint")
        let secret = try await endpoints.rotateSecret(of: id, staff: context.staff, origin: context.origin(request), tenant: context.tenant.id)
        return try await renderShow(
            context, id: id, secret: secret,
            notice: L10n.t("console.webhooks.rotated"))
    }

    @Sendable func delete(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let id = try support.id(context, "webhook endpoint")
        try await endpoints.delete(id, staff: context.staff, origin: context.origin(request), tenant: context.tenant.id)
        return Redirect(to: "\(ConsoleRoutes.webhooks.path)?done=deleted").response
    }

    @Sendable func redeliver(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let id = try support.id(context, "webhook endpoint")
        guard let text = context.parameters.get("delivery"), let delivery = UUID(uuidString: text) else { throw AppError.notFound("delivery") }
        try await endpoints.redeliver(delivery, endpoint: id, staff: context.staff, origin: context.origin(request), tenant: context.tenant.id)
        return Redirect(to: "\(ConsoleRoutes.webhook(id))?done=redelivered").response
    }
}
