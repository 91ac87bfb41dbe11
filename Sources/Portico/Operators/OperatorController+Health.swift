import Foundation
import Hummingbird
import Mustache

/// The health panel above the tenant table: tenants by state, mail and webhook backlogs, the
/// database.
extension OperatorController {
    @MustacheView
    struct HealthView {
        let tenants: [StatusCount]
        let tenantTotal: Int
        let outbox: Backlog?
        let webhooks: Backlog?
        let databaseReachable: Bool
        let database: String
        let version: String
        let checkedAt: String
        @MustacheView
        struct Backlog {
            let waiting: Int; let failed: Int; let oldest: String?; let attention: Bool
            /// "waiting, oldest 3 min" / "waiting"
            let waitingText: String
            /// "2 failed or dead" (outbox) / "2 dead" (webhooks)
            let failedText: String
        }
        /// "Checked …. Reload the page to check again."
        let checkedText: String

        init(_ health: PlatformHealth) {
            // "3 active"
            tenants = (health.tenants ?? []).map {
                StatusCount(status: $0.status, count: $0.count, label: L10n.t("operator.health.tenantCount.\($0.status)", ["count": "\($0.count)"]))
            }
            tenantTotal = tenants.reduce(0) { $0 + $1.count }
            let texts = L10n.texts
            func backlog(_ backlog: PlatformHealth.Backlog?, failedKey: String) -> Backlog? {
                backlog.map {
                    let oldest = $0.oldestWaiting.map { PlatformHealth.age(since: $0) }
                    return Backlog(
                        waiting: $0.waiting, failed: $0.failed, oldest: oldest,
                        attention: $0.failed > 0 || ($0.oldestWaiting.map { Date().timeIntervalSince($0) > 900 } ?? false),
                        waitingText: oldest.map { texts("operator.health.waitingOldest", ["age": $0]) } ?? texts("operator.health.waiting"),
                        failedText: texts(failedKey, ["count": "\($0.failed)"]))
                }
            }
            outbox = backlog(health.outbox, failedKey: "operator.health.outboxFailed")
            webhooks = backlog(health.webhooks, failedKey: "operator.health.webhooksFailed")
            databaseReachable = health.databaseMilliseconds != nil
            // "15.6 (Debian 15.6-0+deb12u1)" → "15.6"
            let postgres = health.databaseVersion.map { String($0.prefix { $0 != " " }) } ?? "?"
            database =
                health.databaseMilliseconds.map {
                    $0 < 1
                        ? texts("operator.health.databaseFast", ["version": postgres])
                        : texts("operator.health.databaseAnswered", ["ms": String($0), "version": postgres])
                }
                ?? texts("operator.health.databaseDown")
            version = health.porticoVersion
            checkedAt = DisplayDate.dateTime(Date())
            checkedText = texts("operator.health.checked", ["when": checkedAt])
        }
    }
}
