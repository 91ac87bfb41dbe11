import Foundation
import Logging
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// Behind PgBouncer < 1.21 in transaction mode: `PORTICO_DB_STATEMENT_CACHE=off` must reach
/// every connection the process opens, and the LISTEN connection must prove it hears before
/// it counts as listening. (The real PgBouncer runs in Tests/Topology/run.sh.)
@Suite("PgBouncer: statement cache everywhere, LISTEN round trip")
struct PgBouncerReadinessTests {
    /// Named prepared statements the current session holds.
    static func preparedStatements(_ pool: ConnectionPool) async throws -> Int {
        try await pool.withConnection { connection in
            _ = try await connection.query("SELECT 1 AS warm_up")
            return try await connection.scalar("SELECT count(*)::int FROM pg_prepared_statements", as: Int.self) ?? 0
        }
    }

    @Test("cache off: the start-up checks and the CLI's pool prepare nothing; cache on: they do")
    func statementCacheReachesEveryPool() async throws {
        let scratch = try await TestCluster.migratedScratchDatabase(prefix: "stmtcache")
        defer { Task { await scratch.drop() } }
        for cache in [false, true] {
            var configuration = AppConfiguration(databaseURL: scratch.appURL)
            configuration.logLevel = .critical
            configuration.databaseStatementCache = cache
            let endpoints = try await DatabaseBootstrap.endpoints(for: configuration, logger: TestLogging.logger("bootstrap"))
            #expect(endpoints.cacheStatements == cache)
            try await DatabaseBootstrap.migrateOrVerify(endpoints, logger: TestLogging.logger("bootstrap"))
            #expect(try await DatabaseBootstrap.applicationRole(endpoints) == scratch.appURL.appRoleName)

            let oneOff = endpoints.pool(endpoints.appURL, maxConnections: 1)
            #expect(oneOff.configuration.cacheStatements == cache)
            let prepared = try await Self.preparedStatements(oneOff)
            await oneOff.close()
            #expect(cache ? prepared > 0 : prepared == 0, "cache \(cache): \(prepared) prepared statements")

            let inCommand = try await CommandEnvironment.run(configuration) { environment in
                #expect(environment.pool.configuration.cacheStatements == cache)
                return try await Self.preparedStatements(environment.pool)
            }
            #expect(cache ? inCommand > 0 : inCommand == 0, "cache \(cache): \(inCommand) prepared statements in a CLI command")
        }
    }

    @Test("the listener counts as listening only after its test NOTIFY came back; the probe is not passed on")
    func listenerRoundTrip() async throws {
        let database = try await TestCluster.database()
        let channel = "portico_events"
        let listener = NotificationListener(
            conninfo: database.appURL, channels: [channel], cacheStatements: false,
            logger: TestLogging.logger("listen"))
        #expect(listener.status == .connecting)
        let events = listener.subscribe()
        listener.start()
        try await eventually(timeout: .seconds(10)) { listener.status == .listening }
        #expect(listener.isListening)

        let payload = "{\"probe-test\":\"\(UUID())\"}"
        try await database.appPool.query("SELECT pg_notify(\(channel), \(payload))")
        var iterator = events.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first == .notification(channel: channel, payload: payload))
        await listener.stop()
        while let event = await iterator.next() {
            if case .notification(let name, _) = event { #expect(name != "portico_listen_probe") }
        }
    }
}

private extension String {
    /// The user name of a `postgresql://user:password@…` URI.
    var appRoleName: String {
        guard let start = range(of: "://"), let end = self[start.upperBound...].firstIndex(where: { $0 == ":" || $0 == "@" }) else { return "" }
        return String(self[start.upperBound..<end])
    }
}
