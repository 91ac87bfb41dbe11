import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// The public listener's HTTP/1.1 channel: Hummingbird's, with the slow-client limits of
/// `HTTPLimits`.
///
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

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let deadline = RequestHeadDeadline(timeout: TimeAmount(limits.headerTimeout))
        let http1 = HTTP1Channel(responder: responder, configuration: .init(
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
    /// HTTP/1.1 with Portico's slow-client limits.
    static func portico(_ limits: HTTPLimits) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in PublicHTTPChannel(responder: responder, limits: limits) }
    }
}

/// The per-connection state the two handlers share. Confined to the channel's event loop
/// (both handlers run there), hence `@unchecked Sendable`.
final class RequestHeadDeadline: @unchecked Sendable {
    let timeout: TimeAmount
    /// Between requests: the next bytes start a request head.
    var awaitingHead = true
    /// Requests whose response has not been written completely.
    var responsesPending = 0
    var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func cancel() {
        timer?.cancel()
        timer = nil
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
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline.cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline.cancel()
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

    func expired(_ context: ChannelHandlerContext) {
        deadline.timer = nil
        guard deadline.awaitingHead, context.channel.isActive else { return }
        if deadline.responsesPending == 0 {
            let response = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 40\r\n\r\nThe request headers took too long. Retry."
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
        }
        context.write(data, promise: promise)
    }
}
