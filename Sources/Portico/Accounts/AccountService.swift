import Foundation
import Postgres

/// What the subscriber and staff account services (`CustomerAccounts`, `StaffAccounts`) share:
/// the app's connection pool, repositories and rate limiter.
protocol AccountService {
    var dependencies: AppDependencies { get }
}

extension AccountService {
    var pool: ConnectionPool { dependencies.pool }
    var repositories: Repositories { dependencies.repositories }
    var limiter: RateLimiter { dependencies.rateLimiter }
}
