import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A TCP client that sends exactly the bytes a test gives it — a header one byte at a time,
/// a body that stops half way, a connection that just sits there — and collects whatever the
/// server answers, noticing when the server closes.
///
///     try await RawConnection.with(port: server.port) { connection in
///         try await connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
///         let head = try await connection.waitForText(containing: "\r\n\r\n")
///     }
public final class RawConnection: Sendable {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let channel: any Channel
    private let state = Mutex<(received: [UInt8], closed: Bool)>(([], false))

    private init(outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, channel: any Channel) {
        self.outbound = outbound
        self.channel = channel
    }

    /// Connects to 127.0.0.1:`port`, runs `body`, then closes the connection.
    public static func with<T: Sendable>(port: Int, _ body: (RawConnection) async throws -> T) async throws -> T {
        let asyncChannel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await asyncChannel.executeThenClose { inbound, outbound in
            let connection = RawConnection(outbound: outbound, channel: asyncChannel.channel)
            let reader = Task {
                do {
                    for try await buffer in inbound {
                        connection.state.withLock { $0.received += Array(buffer.readableBytesView) }
                    }
                } catch {}
                connection.state.withLock { $0.closed = true }
            }
            defer { reader.cancel() }
            return try await body(connection)
        }
    }

    public func send(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    public func send(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Closes the connection now, whatever is half sent (a client that goes away).
    public func abort() async {
        try? await channel.close()
    }

    /// Everything received so far.
    public var text: String { state.withLock { String(decoding: $0.received, as: UTF8.self) } }
    /// The server closed the connection (or it broke).
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Waits until the received text contains `fragment`; throws after `timeout`.
    @discardableResult
    public func waitForText(containing fragment: String, timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let text = self.text
            if text.contains(fragment) { return text }
            if isClosed { throw TestSupportError("the server closed the connection; received: \(text.debugDescription)") }
            guard ContinuousClock.now < deadline else {
                throw TestSupportError("no \(fragment.debugDescription) within \(timeout); received: \(text.debugDescription)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits until the server closes the connection; returns how long that took. Throws after `timeout`.
    @discardableResult
    public func waitForClose(timeout: Duration = .seconds(10)) async throws -> Duration {
        let start = ContinuousClock.now
        while !isClosed {
            guard ContinuousClock.now < start + timeout else {
                throw TestSupportError("the server kept the connection open for \(timeout); received: \(text.debugDescription)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return ContinuousClock.now - start
    }
}
