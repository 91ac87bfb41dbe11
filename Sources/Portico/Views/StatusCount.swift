import Mustache

/// How many rows stand in one status, with the label a page shows for it in the reader's
/// language ("queued: 3" on the outbox, "3 active" on the operators' health panel).
@MustacheView
struct StatusCount: Sendable {
    let status: String
    let count: Int
    let label: String
}
