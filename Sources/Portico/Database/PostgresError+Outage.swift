import Postgres

extension PostgresError {
    /// The database cannot be reached (down, restarting, pool exhausted or closing): every
    /// request fails the same way until it returns, so it answers 503 and is logged throttled.
    var isOutage: Bool {
        isConnectionFailure || kind == .poolTimeout || kind == .shutDown
    }
}
