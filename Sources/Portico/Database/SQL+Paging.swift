import Postgres

extension SQL {
    /// `LIMIT $n`, followed by `OFFSET $m` only past the first page.
    ///
    /// PostgreSQL prices the generic plan of a statement with an unknown `OFFSET` above the
    /// custom plan for any given one, so such a statement is planned again on every call — 0.4 ms
    /// of PostgreSQL CPU for the work-order list, more than all the dashboard's other reads put
    /// together. Without the `OFFSET`, the first page (what nearly every request asks for) is a
    /// statement of its own that PostgreSQL plans once per connection and then reuses.
    static func limit(_ limit: Int, offset: Int) -> SQL {
        offset > 0 ? "LIMIT \(limit) OFFSET \(offset)" : "LIMIT \(limit)"
    }
}
