import Foundation
import Hummingbird
import Logging
import NIOCore
import Portico
import ServiceLifecycle

/// The application exactly as `portico serve` runs it — `buildApplication`, its listener
/// with the slow-client limits, its services — on a free port of 127.0.0.1, for tests that
/// need real sockets (timeouts, connection caps, bodies that break off).
///
///     try await LiveServer.with(dependencies) { server in
///         try await RawConnection.with(port: server.port) { connection in … }
///     }
public struct LiveServer: Sendable {
    public let port: Int
    public let dependencies: AppDependencies
    /// The listener's idle connections (no request in progress), shared with its connection cap.
    public let idle: IdleConnections

    /// Waits until exactly `count` connections are idle: the server has read what was sent.
    public func waitForIdleConnections(_ count: Int, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while idle.count != count {
            guard ContinuousClock.now < deadline else { throw TestSupportError("\(idle.count) idle connections, not \(count), after \(timeout)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Runs `body` with the server up; stops it gracefully afterwards.
    public static func with<T: Sendable>(_ dependencies: AppDependencies, _ body: (LiveServer) async throws -> T) async throws -> T {
        let (ports, portFound) = AsyncStream<Int>.makeStream()
        let idle = IdleConnections()
        let app = try buildApplication(dependencies, hostname: "127.0.0.1", port: 0, idleConnections: idle) { address in
            portFound.yield(address?.port ?? 0)
            portFound.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: dependencies.logger))
        let running = Task { try await group.run() }
        func stop() async {
            await group.triggerGracefulShutdown()
            _ = await running.result
            await dependencies.listener.stop()
            await dependencies.pool.close()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            await stop()
            if case .failure(let error) = await running.result { throw error }
            throw TestSupportError("the live server did not start")
        }
        do {
            let result = try await body(LiveServer(port: port, dependencies: dependencies, idle: idle))
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}
