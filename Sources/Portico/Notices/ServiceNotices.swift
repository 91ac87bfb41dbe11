import Foundation
import Hummingbird
import Mustache
import Postgres

/// Outage and maintenance notices: shown on `/status` and as the dashboard banner.
public struct ServiceNotice: Sendable, Decodable {
    public let id: UUID
    public let kind: String
    public let title: String
    public let body: String
    public let startsAt: Date
    public let endsAt: Date?
    public let resolvedAt: Date?
    public let createdAt: Date
    public let translations: TextTranslations

    /// Happening now: started, not ended, not resolved.
    public func isCurrent(at now: Date = Date()) -> Bool {
        startsAt <= now && (endsAt.map { $0 > now } ?? true) && resolvedAt == nil
    }
}

public enum ServiceNotices {
    /// One definition of "active", used by the status page, the dashboard banner and the
    /// console alike: started, not past its end, not resolved.
    static let activeCondition: SQL = "starts_at <= now() AND (ends_at IS NULL OR ends_at > now()) AND resolved_at IS NULL"

    /// The last `days` days of notices, plus any still active or planned, however old.
    public static func recent(days: Int = 30, in tx: TenantTransaction) async throws -> [ServiceNotice] {
        try await tx.rows(
            """
            SELECT id, kind, title, body, starts_at, ends_at, resolved_at, created_at, translations FROM service_notices
             WHERE starts_at > now() - make_interval(days => \(days))
                OR (resolved_at IS NULL AND (ends_at IS NULL OR ends_at > now()))
             ORDER BY starts_at DESC LIMIT 100
            """
        ).map { try $0.decode(ServiceNotice.self) }
    }

    /// The notices happening now (the dashboard banner).
    public static func active(in tx: TenantTransaction) async throws -> [ServiceNotice] {
        try await tx.run(activeQuery)
    }

    static let activeQuery = Query.rows(
        """
        SELECT id, kind, title, body, starts_at, ends_at, resolved_at, created_at, translations FROM service_notices
         WHERE \(activeCondition) ORDER BY starts_at DESC LIMIT 20
        """, as: ServiceNotice.self)

    @MustacheView
    struct View: Sendable {
        let kind: String
        let kindLabel: String
        let style: String
        let title: String
        let body: String
        let when: String
        let current: Bool
        let upcoming: Bool
    }

    static func label(_ kind: String) -> String {
        switch kind {
        case "outage": L10n.t("notices.kind.outage")
        case "maintenance": L10n.t("notices.kind.maintenance")
        default: L10n.t("notices.kind.information")
        }
    }

    /// Outages in red, maintenance in amber, information in the brand colour.
    static func style(_ kind: String) -> String {
        switch kind {
        case "outage": "notice notice--danger"
        case "maintenance": "notice notice--warning"
        default: "notice"
        }
    }

    static func view(_ notice: ServiceNotice, now: Date = Date()) -> View {
        let start = DisplayDate.dateTime(notice.startsAt)
        var when = L10n.t(notice.startsAt > now ? "notices.when.plannedFrom" : "notices.when.since", ["start": start])
        if let end = notice.endsAt {
            when = L10n.t(
                notice.startsAt > now
                    ? (end > now ? "notices.when.plannedFromUntil" : "notices.when.plannedFromEnded")
                    : (end > now ? "notices.when.sinceUntil" : "notices.when.sinceEnded"),
                ["start": start, "end": DisplayDate.dateTime(end)])
        }
        if let resolved = notice.resolvedAt { when = L10n.t("notices.when.resolved", ["date": DisplayDate.dateTime(resolved)]) }
        return View(
            kind: notice.kind, kindLabel: label(notice.kind), style: style(notice.kind),
            title: notice.translations.localized("title", default: notice.title), body: notice.translations.localized("body", default: notice.body),
            when: when,
            current: notice.isCurrent(at: now), upcoming: notice.startsAt > now && notice.resolvedAt == nil)
    }
}
