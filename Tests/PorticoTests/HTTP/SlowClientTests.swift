import Foundation
import Portico
import PorticoTestSupport
import Testing

/// Slow clients against a live server over real sockets: a request head must arrive within
/// the header timeout however its bytes trickle in, a silent connection is closed after the
/// idle timeout, and at the connection cap new clients wait instead of exhausting descriptors.
@Suite("Slow clients on the public listener")
struct SlowClientTests {
    static let request = "GET /healthz HTTP/1.1\r\nHost: slow.localhost\r\n\r\n"

    @Test("a request head that is not complete within the header timeout gets 408 and the connection closes")
    func incompleteHead() async throws {
        let dependencies = try await OperationsDatabase.dependencies(http: OperationsDatabase.limits(header: 1))
        try await LiveServer.with(dependencies) { server in
            try await RawConnection.with(port: server.port) { connection in
                try await connection.send("GET /healthz HTTP/1.1\r\nHost: slow.localhost\r\n")
                let waited = try await connection.waitForClose(timeout: .seconds(10))
                #expect(waited < .seconds(8))
                #expect(connection.text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
            }
            // A connection that never sends a byte goes the same way. Timed from before it
            // connects, so a slow test task cannot make the server look early.
            let connecting = ContinuousClock.now
            try await RawConnection.with(port: server.port) { connection in
                try await connection.waitForClose(timeout: .seconds(10))
                let waited = ContinuousClock.now - connecting
                #expect(waited > .milliseconds(800) && waited < .seconds(8))
                #expect(connection.text.hasPrefix("HTTP/1.1 408"))
            }
        }
    }

    @Test("trickling header bytes does not move the deadline (slowloris)")
    func trickle() async throws {
        let dependencies = try await OperationsDatabase.dependencies(http: OperationsDatabase.limits(header: 1))
        try await LiveServer.with(dependencies) { server in
            try await RawConnection.with(port: server.port) { connection in
                let start = ContinuousClock.now
                let head = Array("GET /healthz HTTP/1.1\r\nHost: slow.localhost\r\nX-Filler: " + String(repeating: "a", count: 200))
                for character in head {
                    if connection.isClosed { break }
                    try? await connection.send(String(character))
                    try await Task.sleep(for: .milliseconds(150))
                }
                try await connection.waitForClose(timeout: .seconds(10))
                #expect(ContinuousClock.now - start < .seconds(8), "the server waited for the trickle")
            }
        }
    }

    @Test("keep-alive works within the limits; a connection idle for the idle timeout is closed")
    func idleKeepAlive() async throws {
        // An idle timeout of 3 s, not 1: on a loaded machine the gap between reading the first
        // answer and sending the second request can pass a second.
        let dependencies = try await OperationsDatabase.dependencies(http: OperationsDatabase.limits(header: 10, idle: 3))
        try await LiveServer.with(dependencies) { server in
            try await RawConnection.with(port: server.port) { connection in
                try await connection.send(Self.request)
                try await connection.waitForText(containing: "ok\n")
                try await connection.send(Self.request)
                let both = try await connection.waitForText(containing: "ok\nHTTP/1.1 200 OK")
                #expect(both.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
                let waited = try await connection.waitForClose(timeout: .seconds(10))
                #expect(waited < .seconds(8))
                #expect(!connection.text.contains("408"))
            }
        }
    }

    @Test("a body that stops arriving is cut off after the idle timeout: no error in the log, no 503")
    func stalledBody() async throws {
        let capture = LogCapture()
        let dependencies = try await OperationsDatabase.dependencies(http: OperationsDatabase.limits(header: 10, idle: 1), logger: capture)
        let tenant = try await TestTenant.create(pool: dependencies.pool)
        try await LiveServer.with(dependencies) { server in
            try await RawConnection.with(port: server.port) { connection in
                try await connection.send(
                    "POST /portal/login HTTP/1.1\r\nHost: \(tenant.host)\r\nOrigin: http://\(tenant.host)\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nidentifier=a"
                )
                let waited = try await connection.waitForClose(timeout: .seconds(10))
                #expect(waited < .seconds(8))
            }
            try await capture.waitForAccessLine(route: "/portal/login")
        }
        #expect(capture.records.filter { $0.level >= .error }.isEmpty, "\(capture.records.filter { $0.level >= .error }.map(\.text))")
        #expect(capture.accessLines.first { $0.metadata["route"] == "/portal/login" }?.metadata["status"] == "400")
    }

    @Test("at the connection cap the connection idle the longest is closed to make room; reaching the cap is logged")
    func connectionCapShedsIdle() async throws {
        let capture = LogCapture()
        let dependencies = try await OperationsDatabase.dependencies(
            http: OperationsDatabase.limits(header: 30, idle: 30, maxConnections: 2),
            logger: capture)
        try await LiveServer.with(dependencies) { server in
            try await RawConnection.with(port: server.port) { slow in
                // A head that trickles in: it holds a slot without a request in progress.
                try await slow.send("GET /healthz HTTP/1.1\r\nHost: slow.localhost\r\n")
                try await Task.sleep(for: .milliseconds(300))
                try await RawConnection.with(port: server.port) { second in
                    try await second.send(Self.request)
                    try await second.waitForText(containing: "ok\n")
                    // Opening the second reached the cap: the slow one made room (long before its 30 s).
                    let waited = try await slow.waitForClose(timeout: .seconds(10))
                    #expect(waited < .seconds(8))
                    #expect(slow.text.hasPrefix("HTTP/1.1 408"))
                    try await RawConnection.with(port: server.port) { third in
                        try await third.send(Self.request)
                        let served = try await third.waitForText(containing: "ok\n", timeout: .seconds(10))
                        #expect(served.hasPrefix("HTTP/1.1 200 OK"))
                    }
                }
            }
        }
        let warnings = capture.records.filter { $0.message.hasPrefix("Connection limit reached") }
        #expect(warnings.count == 1, "logged at most once a minute")
        #expect(warnings.first?.metadata["limit"] == "2")
        #expect(warnings.first?.level == .warning)
    }

    /// Makes `connection` one the server has certainly accepted (it answers a request on it)
    /// and now sees busy: the head of `request` is read and its body is still arriving. Waiting
    /// on the server's own idle list, not on a sleep, keeps this true on a loaded machine.
    static func makeBusy(_ connection: RawConnection, _ request: String, on server: LiveServer) async throws {
        try await connection.send(Self.request)
        try await connection.waitForText(containing: "ok\n")
        try await connection.send(request)
        try await server.waitForIdleConnections(0)
    }

    @Test("at the connection cap with every connection busy, a new client waits until one closes")
    func connectionCapWaitsForBusy() async throws {
        let dependencies = try await OperationsDatabase.dependencies(http: OperationsDatabase.limits(header: 30, idle: 30, maxConnections: 2))
        // A request whose body is still arriving is busy, not idle: it is never closed to make room.
        let busy =
            "POST /portal/login HTTP/1.1\r\nHost: busy.localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nidentifier=a"
        try await LiveServer.with(dependencies) { server in
            try await RawConnection.with(port: server.port) { first in
                try await Self.makeBusy(first, busy, on: server)
                try await RawConnection.with(port: server.port) { second in
                    try await Self.makeBusy(second, busy, on: server)
                    try await RawConnection.with(port: server.port) { third in
                        try await third.send(Self.request)
                        try await Task.sleep(for: .seconds(1))
                        #expect(third.text.isEmpty, "served beyond the cap")
                        #expect(!first.isClosed && !second.isClosed, "a busy connection was closed")
                        await first.abort()
                        let served = try await third.waitForText(containing: "ok\n", timeout: .seconds(10))
                        #expect(served.hasPrefix("HTTP/1.1 200 OK"))
                    }
                }
            }
        }
    }

    @Test("without PORTICO_MAX_CONNECTIONS the cap follows the open-files limit")
    func defaultCap() {
        let limits = HTTPLimits()
        #expect(limits.effectiveMaxConnections >= 64 && limits.effectiveMaxConnections <= 10_000)
        var configured = HTTPLimits()
        configured.maxConnections = 42
        #expect(configured.effectiveMaxConnections == 42)
    }
}
