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

    /// Runs `body` with the server up; stops it gracefully afterwards.
    public static func with<T: Sendable>(_ dependencies: AppDependencies, _ body: (LiveServer) async throws -> T) async throws -> T {
        let (ports, portFound) = AsyncStream<Int>.makeStream()
        let app = try buildApplication(dependencies, hostname: "127.0.0.1", port: 0) { address in
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
            let result = try await body(LiveServer(port: port, dependencies: dependencies))
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}
