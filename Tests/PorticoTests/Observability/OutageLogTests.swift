import Foundation
import Logging
import Portico
import PorticoTestSupport
import Synchronization
import Testing

/// A database outage fails every request the same way. The log says so once per interval,
/// with how many were held back — not once per request (an operator measured ~21,000
/// error lines in 23 s before).
@Suite("Database outage logging is bounded")
struct OutageLogTests {
    /// A clock the test moves by hand, so that the requests of a loaded machine all fall in one
    /// interval or in the next exactly when the test says.
    final class ManualClock: Sendable {
        private let offset = Mutex<Duration>(.zero)
        private let start = ContinuousClock.now
        var now: ContinuousClock.Instant { start + offset.withLock { $0 } }
        func advance(_ duration: Duration) { offset.withLock { $0 += duration } }
    }

    /// Dependencies whose database cannot be reached (nothing listens on the port), throttled
    /// by `clock`'s time.
    func unreachable(_ capture: LogCapture, clock: ManualClock) async throws -> AppDependencies {
        let url = "postgresql://portico_app@127.0.0.1:\(try SMTPTestServer.unusedPort())/portico?connect_timeout=2"
        var dependencies = try await TestApp.dependencies(databaseURL: url, logger: capture.logger("app"))
        dependencies.logThrottle = LogThrottle(interval: .seconds(10)) { clock.now }
        return dependencies
    }

    @Test("200 requests during an outage: every one answers 503, one error line")
    func oneLinePerInterval() async throws {
        let capture = LogCapture()
        let dependencies = try await unreachable(capture, clock: ManualClock())
        try await TestApp.withoutListener(dependencies) { app in
            for index in 0..<200 {
                let response = try await app.get(index % 2 == 0 ? "/portal" : "/admin", host: "acme-\(index % 7).localhost")
                #expect(response.status == .serviceUnavailable)
            }
            let readiness = try await app.get("/readyz", host: "acme.localhost")
            #expect(readiness.status == .serviceUnavailable)
        }
        let errors = capture.records.filter { $0.level >= .error }
        #expect(errors.count == 1, "\(errors.map(\.text))")
        #expect(errors.first?.message == "Database unavailable")
        // One access line per request by design, at info; almost nothing else.
        #expect(capture.accessLines.count == 201)
        #expect(capture.accessLines.allSatisfy { $0.metadata["status"] == "503" })
        #expect(capture.accessLines.filter { $0.metadata["route"] != "/readyz" }.allSatisfy { $0.level == .info })
        let loud = capture.records.filter { $0.level >= .notice }
        #expect(loud.count <= 3, "\(loud.map(\.text))")
    }

    @Test("after the interval one more line, counting the ones held back")
    func countsSuppressed() async throws {
        let capture = LogCapture()
        let clock = ManualClock()
        let dependencies = try await unreachable(capture, clock: clock)
        try await TestApp.withoutListener(dependencies) { app in
            for _ in 0..<40 { _ = try await app.get("/portal", host: "outage.localhost") }
            clock.advance(.seconds(10))
            _ = try await app.get("/portal", host: "outage.localhost")
        }
        let lines = capture.records.filter { $0.message == "Database unavailable" }
        #expect(lines.count == 2)
        #expect(lines.first?.metadata["suppressed"] == nil)
        #expect(lines.last?.metadata["suppressed"] == "39")
    }

    @Test("the throttle itself: one per interval per kind, independent kinds")
    func throttle() {
        let throttle = LogThrottle(interval: .seconds(10))
        let start = ContinuousClock.now
        #expect(throttle.admit("a", now: start) == 0)
        #expect(throttle.admit("a", now: start + .seconds(1)) == nil)
        #expect(throttle.admit("a", now: start + .seconds(2)) == nil)
        #expect(throttle.admit("b", now: start + .seconds(2)) == 0)
        #expect(throttle.admit("a", now: start + .seconds(10)) == 2)
        #expect(throttle.admit("a", now: start + .seconds(11)) == nil)
    }
}
