import Foundation
import PorticoTestSupport
import Postgres
import Testing

@Suite("LISTEN/NOTIFY")
struct NotificationListenerTests {
    @Test("notifications sent in a committed transaction reach every subscriber; rolled-back ones never do")
    func delivery() async throws {
        let database = try await TestCluster.database()
        let channel = "test_\(UUID().uuidString.prefix(8).lowercased())"
        let listener = NotificationListener(conninfo: database.appURL, channels: [channel])
        let first = listener.subscribe()
        let second = listener.subscribe()
        listener.start()
        try await Task.sleep(for: .milliseconds(400))

        struct Abort: Error {}
        _ = try? await database.appPool.withTransaction { transaction in
            try await transaction.notify(channel: channel, payload: "rolled-back")
            throw Abort()
        }
        try await database.appPool.withTransaction { transaction in
            try await transaction.notify(channel: channel, payload: "hello ✓")
        }
        var firstIterator = first.makeAsyncIterator()
        var secondIterator = second.makeAsyncIterator()
        #expect(await firstIterator.next() == .notification(channel: channel, payload: "hello ✓"))
        #expect(await secondIterator.next() == .notification(channel: channel, payload: "hello ✓"))
        await listener.stop()
        #expect(await firstIterator.next() == nil)
    }
}
