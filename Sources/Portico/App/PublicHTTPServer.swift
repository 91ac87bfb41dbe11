import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// The public listener's HTTP/1.1 channel: Hummingbird's, with the slow-client limits of
/// `HTTPLimits`.
///
/// * At the connection cap (`ConnectionCap`), the connection idle the longest — between
///   requests, or with a head still trickling in — is closed to make room, so slow clients
///   cannot keep out the ones that send requests.
/// * A request head must be complete within `headerTimeout` of its first byte (or of the
///   connection opening): the client gets `408` and the connection closes. Trickling header
///   bytes does not keep a connection alive (slowloris).
/// * `idleTimeout` (Hummingbird's own): a connection that sends nothing for that long —
///   between requests or inside a body — is closed. Responses still being written
///   (live-update streams) are not idle.
struct PublicHTTPChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let responder: HTTPChannelHandler.Responder
    let limits: HTTPLimits
    let idle: IdleConnections

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let deadline = RequestHeadDeadline(timeout: TimeAmount(limits.headerTimeout), idle: idle)
        let http1 = HTTP1Channel(
            responder: responder,
            configuration: .init(
                additionalChannelHandlers: [RequestHeadObserver(deadline: deadline)],
                idleTimeout: TimeAmount(limits.idleTimeout)
            ))
        // First in the pipeline, so it sees raw bytes before the HTTP decoder does.
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RequestHeadTimeoutHandler(deadline: deadline))
        }.flatMap {
            http1.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await HTTP1Channel(responder: responder).handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with Portico's slow-client limits; `idle` is shared with the `ConnectionCap`.
    static func portico(_ limits: HTTPLimits, idle: IdleConnections) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in PublicHTTPChannel(responder: responder, limits: limits, idle: idle) }
    }
}

/// The per-connection state the two handlers share. Confined to the channel's event loop
/// (both handlers run there), hence `@unchecked Sendable`.
final class RequestHeadDeadline: @unchecked Sendable {
    let timeout: TimeAmount
    let idle: IdleConnections
    /// Between requests: the next bytes start a request head.
    var awaitingHead = true
    /// Requests whose response has not been written completely.
    var responsesPending = 0
    var timer: Scheduled<Void>?
    /// Closes this connection from any thread (set once the connection is active).
    var shed: (@Sendable () -> Void)?

    init(timeout: TimeAmount, idle: IdleConnections) {
        self.timeout = timeout
        self.idle = idle
    }

    var id: ObjectIdentifier { ObjectIdentifier(self) }

    func cancel() {
        timer?.cancel()
        timer = nil
    }

    /// Holds a slot without a request in progress: may be closed to make room at the cap.
    func becameIdle() {
        if awaitingHead, responsesPending == 0, let shed { idle.add(id, shed: shed) }
    }

    func becameBusy() {
        idle.remove(id)
    }
}

/// Sees the raw bytes: arms the head deadline when a connection opens and when the first
/// byte of the next request arrives; on expiry answers 408 (when no response is in flight)
/// and closes.
final class RequestHeadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let deadline: RequestHeadDeadline

    init(deadline: RequestHeadDeadline) { self.deadline = deadline }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closed()
    }

    /// Stops the clock and forgets the shedding closure (it refers back to this handler).
    func closed() {
        deadline.cancel()
        deadline.becameBusy()
        deadline.shed = nil
    }

    func opened(_ context: ChannelHandlerContext) {
        guard deadline.shed == nil else { return }
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        deadline.shed = {
            eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.expired(context)
            }
        }
        arm(context)
        deadline.becameIdle()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if deadline.awaitingHead { arm(context) }
        context.fireChannelRead(data)
    }

    /// Starts the clock unless it already runs (a head arriving in several reads keeps the
    /// deadline of its first byte).
    func arm(_ context: ChannelHandlerContext) {
        guard deadline.timer == nil else { return }
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        deadline.timer = context.eventLoop.scheduleTask(in: deadline.timeout) {
            let (handler, context) = loopBound.value
            handler.expired(context)
        }
    }

    /// The head deadline passed, or the connection is shed to make room at the cap.
    func expired(_ context: ChannelHandlerContext) {
        deadline.cancel()
        guard deadline.awaitingHead, context.channel.isActive else { return }
        deadline.becameBusy()
        if deadline.responsesPending == 0 {
            let response =
                "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 40\r\n\r\nThe request headers took too long. Retry."
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response))).whenComplete { _ in context.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }
}

/// Sits after the HTTP decoder: a complete head stops the clock; the end of a request
/// makes the next bytes a new head; written responses are counted.
final class RequestHeadObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let deadline: RequestHeadDeadline

    init(deadline: RequestHeadDeadline) { self.deadline = deadline }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            deadline.cancel()
            deadline.awaitingHead = false
            deadline.responsesPending += 1
            deadline.becameBusy()
        case .body:
            break
        case .end:
            deadline.awaitingHead = true
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            deadline.responsesPending = max(0, deadline.responsesPending - 1)
            deadline.becameIdle()
        }
        context.write(data, promise: promise)
    }
}

/// Connections that hold a slot without a request in progress: between requests (keep-alive)
/// or while a request head is still arriving. At the connection cap the one idle the longest
/// is closed (408), as nginx does with keep-alive connections when it runs out.
public final class IdleConnections: Sendable {
    private struct State {
        var entries: [ObjectIdentifier: (sequence: UInt64, shed: @Sendable () -> Void)] = [:]
        var sequence: UInt64 = 0
    }
    private let state = Mutex(State())

    public init() {}

    func add(_ id: ObjectIdentifier, shed: @escaping @Sendable () -> Void) {
        state.withLock { state in
            state.sequence += 1
            state.entries[id] = (state.sequence, shed)
        }
    }

    func remove(_ id: ObjectIdentifier) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    /// How many connections are idle now (tests wait on it rather than on the clock).
    public var count: Int { state.withLock { $0.entries.count } }

    /// Closes the connection idle the longest; false when no connection is idle.
    func shedOldest() -> Bool {
        let shed = state.withLock { state -> (@Sendable () -> Void)? in
            guard let oldest = state.entries.min(by: { $0.value.sequence < $1.value.sequence }) else { return nil }
            state.entries.removeValue(forKey: oldest.key)
            return oldest.value.shed
        }
        shed?()
        return shed != nil
    }
}
