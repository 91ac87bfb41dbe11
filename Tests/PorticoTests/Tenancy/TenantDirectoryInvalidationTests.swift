import Foundation
import Logging
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Tenant resolution cache: a tenant's change forgets only that tenant")
struct TenantDirectoryInvalidationTests {
    typealias CountingStore = TenantDirectoryEvictionTests.CountingStore

    /// Feeds `events` to the directory as the notification listener would, and waits until it
    /// has handled them.
    func deliver(_ events: [NotificationListener.Event], to directory: TenantDirectory) async {
        let (stream, continuation) = AsyncStream.makeStream(of: NotificationListener.Event.self)
        for event in events { continuation.yield(event) }
        continuation.finish()
        await directory.followChanges(stream)
    }

    @Test(
        "a tenancy notification naming one tenant sends only its hosts and the unknown hosts back to the database; one naming none, or a reconnect, sends all"
    )
    func notificationForgetsOneTenant() async throws {
        let changed = try await TestTenant.create(name: "Changing Wireless")
        let untouched = try await TestTenant.create(name: "Steady Wireless")
        let nobody = "nobody-\(UUID().uuidString.prefix(8).lowercased())"
        let store = CountingStore(pool: try await TestCluster.database().appPool)
        let directory = TenantDirectory(store: store, configuration: TestApp.configuration(), logger: Logger(label: "test"))
        func lookups() -> [Int] { [store.lookups(of: changed.slug), store.lookups(of: untouched.slug), store.lookups(of: nobody)] }
        func resolveAll() async throws {
            for host in [changed.host, untouched.host, "\(nobody).localhost"] { _ = try await directory.resolve(host: host) }
        }
        try await resolveAll()
        try await resolveAll()
        #expect(lookups() == [1, 1, 1])

        // The trigger's payload: the changed tenant's id.
        await deliver(
            [.notification(channel: TenantDirectory.notificationChannel, payload: changed.id.rawValue.uuidString.lowercased())],
            to: directory)
        try await resolveAll()
        #expect(lookups() == [2, 1, 2])

        // Another channel changes nothing; a payload that names no tenant, or a reconnect, forgets everything.
        await deliver([.notification(channel: "portico_outbox", payload: changed.id.rawValue.uuidString)], to: directory)
        try await resolveAll()
        #expect(lookups() == [2, 1, 2])
        await deliver([.notification(channel: TenantDirectory.notificationChannel, payload: "")], to: directory)
        try await resolveAll()
        #expect(lookups() == [3, 2, 3])
        await deliver([.reconnected], to: directory)
        try await resolveAll()
        #expect(lookups() == [4, 3, 4])
    }

    @Test("a branding change written to the database reaches the cache through the real NOTIFY and its tenant id")
    func brandingChangeThroughNotify() async throws {
        let changed = try await TestTenant.create(name: "Recolouring Wireless")
        let untouched = try await TestTenant.create(name: "Unchanged Wireless")
        try await TestApp.with { (app: TestApp) async throws in
            let directory = app.dependencies.directory
            guard case .tenant(let before) = try await directory.resolve(host: changed.host) else { Issue.record("unresolved"); return }
            _ = try await directory.resolve(host: untouched.host)
            try await app.dependencies.pool.withTenant(changed.id) { tx in
                try await tx.execute(
                    """
                    INSERT INTO tenant_branding (tenant_id, company_name, welcome_message) VALUES (\(changed.id), \(changed.name), 'Fresh colours')
                    ON CONFLICT (tenant_id) DO UPDATE SET welcome_message = EXCLUDED.welcome_message
                    """)
            }
            // The listener hears the trigger's NOTIFY; the next resolution reads the new branding.
            let deadline = ContinuousClock.now + .seconds(10)
            var after = before
            while after.branding.welcomeMessage != "Fresh colours" && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                guard case .tenant(let resolved) = try await directory.resolve(host: changed.host) else { Issue.record("unresolved"); return }
                after = resolved
            }
            #expect(after.branding.welcomeMessage == "Fresh colours")
        }
    }
}
