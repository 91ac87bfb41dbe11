import Foundation
import PorticoTestSupport
import Postgres
import Testing

/// Uses a cluster of its own: restarting the shared one would disturb every other test.
@Suite("Embedded cluster and recovery", .serialized)
struct RecoveryTests {
    static let directory = TestCluster.dataDirectory.appendingPathComponent("restart-cluster")

    @Test("the embedded cluster starts (as the unprivileged postgres user when root), is reused, and the pool and listener recover from a restart")
    func restartRecovery() async throws {
        let cluster = EmbeddedCluster(dataDirectory: Self.directory, serverSettings: ["fsync": "off"])
        let handle = try await cluster.start()

        // Running as root, the server must not run as root.
        let serverUser = try String(contentsOfFile: handle.credentials.clusterPath + "/PG_VERSION", encoding: .utf8)
        #expect(!serverUser.isEmpty)
        if geteuid() == 0 {
            let attributes = try FileManager.default.attributesOfItem(atPath: handle.credentials.clusterPath)
            #expect(attributes[.ownerAccountName] as? String == "postgres")
        }

        // A second start while running reuses the server.
        let again = try await cluster.start()
        #expect(again.startedHere == false)
        #expect(again.credentials.port == handle.credentials.port)

        let pool = ConnectionPool(configuration: PoolConfiguration(conninfo: handle.appURL, maxConnections: 2, acquireTimeout: .seconds(2)))
        let listener = NotificationListener(conninfo: handle.appURL, channels: ["recovery_test"])
        let events = listener.subscribe()
        listener.start()
        var iterator = events.makeAsyncIterator()

        try await Task.sleep(for: .milliseconds(500))
        try await pool.query("SELECT pg_notify('recovery_test', 'before')")
        #expect(await iterator.next() == .notification(channel: "recovery_test", payload: "before"))

        // Stop the server: queries fail fast with a connection error.
        try await cluster.stop()
        let failure = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(failure?.isConnectionFailure == true)

        // Start it again: the pool reconnects by itself; the listener reconnects and says so.
        let restarted = try await cluster.start()
        #expect(restarted.startedHere == true)
        let value = try await pool.withTransaction { try await $0.scalar("SELECT 5", as: Int.self) }
        #expect(value == 5)
        #expect(await iterator.next() == .reconnected)
        try await Task.sleep(for: .milliseconds(300))
        try await pool.query("SELECT pg_notify('recovery_test', 'after')")
        #expect(await iterator.next() == .notification(channel: "recovery_test", payload: "after"))

        await listener.stop()
        await pool.close()
        try await cluster.stop()
    }
}
