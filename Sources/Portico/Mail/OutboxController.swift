import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/outbox` (agents and admins): recent emails with status, attempts and last error;
/// failed or dead ones can be queued again.
struct OutboxController {
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.outbox, use: list)
        group.post(ConsoleRoutes.outboxRetry, use: retry)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let messages: [Row]
        let counts: [StatusCount]
        @MustacheView
        struct Row {
            let id: String
            let created: String
            let kind: String
            let recipient: String
            let subject: String
            let status: String
            let statusLabel: String
            let attempts: Int
            let lastError: String?
            let retryable: Bool
            /// Failed or dead with its one-time link cleared: a new email is needed, not a retry.
            let linkRemoved: Bool
        }
    }

    /// "queued: 3" in the page's language.
    static func count(status: String, count: Int) -> StatusCount {
        let texts = L10n.texts
        let label = texts(
            "console.outbox.statusCount", ["status": texts("console.outbox.state.\(status)"), "count": count.formatted(.number.locale(texts.locale))])
        return StatusCount(status: status, count: count, label: label)
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let status = request.uri.queryParameters.get("status").flatMap { $0.isEmpty ? nil : $0 }
        guard status == nil || OutboxStatus(rawValue: status!) != nil else {
            throw AppError.validation(
                ["status": L10n.t("console.outbox.chooseStatus", ["statuses": OutboxStatus.allCases.map(\.rawValue).joined(separator: ", ")])],
                message: L10n.t("console.outbox.unknownStatus"))
        }
        return try await render(context, notice: nil, status: status.flatMap(OutboxStatus.init))
    }

    func render(_ context: StaffRequestContext, notice: String?, status: OutboxStatus? = nil) async throws -> HTML {
        let (messages, counts) = try await pool.withTenant(context.tenant.id) { tx in
            let messages = try await repositories.outbox.recent(status: status, limit: 100, in: tx)
            let counts = try await repositories.outbox.countsByStatus(in: tx).map { Self.count(status: $0.status, count: $0.count) }
            return (messages, counts)
        }
        var layout = context.layout(title: L10n.t("console.outbox.title"), current: ConsoleRoutes.outbox.path)
        layout.notice = notice
        let view = View(
            layout: layout,
            messages: messages.map { message in
                View.Row(
                    id: message.id.uuidString.lowercased(), created: DisplayDate.dateTime(message.createdAt), kind: message.kind,
                    recipient: message.recipient, subject: message.subject, status: message.status.rawValue,
                    statusLabel: L10n.t("console.outbox.state.\(message.status.rawValue)"), attempts: message.attempts,
                    lastError: DeliveryDiagnostic.shown(message.lastError),
                    retryable: (message.status == .dead || message.status == .failed) && !message.lostItsLink,
                    linkRemoved: (message.status == .dead || message.status == .failed) && message.lostItsLink)
            }, counts: counts)
        return try renderer.render(.adminOutbox, theme: context.tenant.theme, view)
    }

    static var linkGone: AppError {
        AppError(.conflict, code: "link_removed", L10n.t("console.outbox.linkGone"))
    }

    @Sendable func retry(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound("email") }
        let retried = try await pool.withTenant(context.tenant.id) { tx in
            guard let message = try await repositories.outbox.stopped(id: id, in: tx) else { return false }
            // Its reset / verification / invitation link was cleared when delivery stopped.
            guard !message.lostItsLink else { throw Self.linkGone }
            guard try await repositories.outbox.requeue(id: id, in: tx) else { return false }
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: context.staff.id, actorLabel: context.staff.email,
                    action: "outbox.retried", targetKind: "email", targetId: id.uuidString,
                    ip: context.clientIP), in: tx)
            return true
        }
        guard retried else { throw AppError.notFound("failed email") }
        return try await render(context, notice: L10n.t("console.outbox.requeued"))
    }
}
