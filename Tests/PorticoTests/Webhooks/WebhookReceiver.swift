import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A real HTTP server on loopback (ephemeral port) that records every webhook POST and
/// answers with the status its script says: `failFirst` 500s, then 200 (or always 500).
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        let path: String
        let headers: [String: String]
        let body: String
        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    actor State {
        var received: [Received] = []
        var failuresLeft: Int
        var alwaysFail: Bool
        let redirectTo: String?

        init(failFirst: Int, alwaysFail: Bool, redirectTo: String?) {
            failuresLeft = failFirst
            self.alwaysFail = alwaysFail
            self.redirectTo = redirectTo
        }

        func record(_ request: Received) -> HTTPResponse.Status {
            received.append(request)
            if redirectTo != nil { return .found }
            if alwaysFail { return .internalServerError }
            if failuresLeft > 0 {
                failuresLeft -= 1
                return .internalServerError
            }
            return .ok
        }

        func recover() { alwaysFail = false; failuresLeft = 0 }
    }

    let state: State
    let port: Int
    let group: ServiceGroup
    let task: Task<Void, any Error>

    var url: String { "http://127.0.0.1:\(port)/hooks/portico" }
    var received: [Received] { get async { await state.received } }
    func recover() async { await state.recover() }

    private init(state: State, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.state = state
        self.port = port
        self.group = group
        self.task = task
    }

    /// `redirectTo`: every answer is a 302 there. `largeBody`: 200 answers carry 200 KiB.
    /// `delay`: a slow receiver, answering that long after it recorded the request.
    static func start(
        failFirst: Int = 0, alwaysFail: Bool = false, redirectTo: String? = nil, largeBody: Bool = false,
        delay: Duration = .zero
    ) async throws -> WebhookReceiver {
        let state = State(failFirst: failFirst, alwaysFail: alwaysFail, redirectTo: redirectTo)
        let router = Router()
        router.post("/hooks/portico") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let status = await state.record(Received(path: request.uri.path, headers: headers, body: String(buffer: body)))
            if delay > .zero { try? await Task.sleep(for: delay) }
            var fields = HTTPFields()
            if let redirectTo { fields[.location] = redirectTo }
            let text = status == .ok ? (largeBody ? String(repeating: "x", count: 200 * 1024) : "ok") : "receiver says no"
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw CancellationError()
        }
        return WebhookReceiver(state: state, port: port, group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    /// Stops at once, cutting off requests it is still answering (a slow receiver's).
    func kill() async {
        task.cancel()
        _ = await task.result
    }
}
