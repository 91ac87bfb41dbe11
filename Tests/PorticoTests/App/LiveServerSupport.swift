import Foundation
import Portico
import PorticoTestSupport

/// Live servers run `portico serve`'s whole application, delivery workers included, and those
/// claim the mail of every tenant in their database: these suites share a scratch database
/// of their own, so they never take another suite's mail.
enum OperationsDatabase {
    static let shared = Task {
        try await TestCluster.migratedScratchDatabase(prefix: "ops").appURL
    }

    static func url() async throws -> String { try await shared.value }

    /// Dependencies on that database with these listener limits and logger.
    static func dependencies(http: HTTPLimits = HTTPLimits(), logger: LogCapture? = nil) async throws -> AppDependencies {
        var configuration = TestApp.configuration()
        configuration.http = http
        return try await TestApp.dependencies(configuration: configuration, databaseURL: try await url(), logger: logger?.logger("app"))
    }

    static func limits(header: Int = 10, idle: Int = 30, maxConnections: Int? = nil) -> HTTPLimits {
        var limits = HTTPLimits()
        limits.headerTimeout = .seconds(header)
        limits.idleTimeout = .seconds(idle)
        limits.maxConnections = maxConnections
        return limits
    }
}
