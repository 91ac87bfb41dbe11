import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// clamd over its UNIX socket with `zINSTREAM`: the file goes as chunks of a 4-byte
/// big-endian length plus data, ended by a zero-length chunk; clamd answers
/// `stream: OK`, `stream: <signature> FOUND` or `… ERROR`, NUL-terminated.
///
/// All I/O is non-blocking NIO on the event loop group; nothing waits on Swift's
/// cooperative pool. clamd's `StreamMaxLength` (default 25 MB) must be at least the upload
/// limit, or every large file is refused as unscannable.
public struct ClamdScanner: VirusScanner {
    public let socketPath: String
    public let connectTimeout: Duration
    /// The whole exchange: sending the file and waiting for the verdict.
    public let timeout: Duration
    private let group: any EventLoopGroup

    /// Data chunks sent to clamd; well under any `StreamMaxLength`.
    static let chunkSize = 64 * 1024
    static let maximumReplyLength = 4096

    public init(
        socketPath: String, connectTimeout: Duration = .seconds(3), timeout: Duration = .seconds(60),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.socketPath = socketPath
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.group = group
    }

    public var isEnabled: Bool { true }

    public func scan(_ content: BlobContent) async throws -> ScanVerdict {
        let reply = try await exchange(command: "zINSTREAM") { outbound in
            for try await chunk in content {
                var remaining = chunk
                while remaining.readableBytes > 0 {
                    let piece = remaining.readSlice(length: min(Self.chunkSize, remaining.readableBytes))!
                    var frame = ByteBuffer()
                    frame.writeInteger(UInt32(piece.readableBytes), endianness: .big)
                    frame.writeImmutableBuffer(piece)
                    try await outbound.write(frame)
                }
            }
            try await outbound.write(ByteBuffer(bytes: [0, 0, 0, 0]))
        }
        return try Self.verdict(from: reply)
    }

    /// `zPING` → `PONG`: for a readiness check at start-up.
    public func ping() async throws {
        let reply = try await exchange(command: "zPING") { _ in }
        guard reply == "PONG" else { throw ScannerError.failed("unexpected reply to PING: \(reply.prefix(200))") }
    }

    static func verdict(from reply: String) throws -> ScanVerdict {
        if reply.hasSuffix(" FOUND") {
            var signature = reply.dropLast(" FOUND".count)
            if let colon = signature.firstIndex(of: ":") { signature = signature[signature.index(after: colon)...] }
            let name = signature.trimmingCharacters(in: .whitespaces)
            return .infected(signature: name.isEmpty ? "a virus" : name)
        }
        if reply.hasSuffix(": OK") || reply == "OK" { return .clean }
        throw ScannerError.failed(reply.isEmpty ? "empty reply" : String(reply.prefix(200)))
    }

    /// Connects, sends the NUL-terminated command and whatever `send` writes, and returns the
    /// reply up to its NUL, trimmed. Closing the channel on timeout ends any pending read
    /// or write.
    private func exchange(
        command: String,
        send: (NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Void
    ) async throws -> String {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(Self.timeAmount(connectTimeout))
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw ScannerError.unreachable("\(socketPath): \(error)")
        }

        let expired = ExpiryFlag()
        let underlying = channel.channel
        let timeout = timeout
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await Task.sleep(for: timeout)
                expired.set()
                underlying.close(promise: nil)
            }
            defer { group.cancelAll() }
            do {
                let text = try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: command + "\0"))
                    try await send(outbound)
                    var reply = ByteBuffer()
                    for try await var part in inbound {
                        reply.writeBuffer(&part)
                        if reply.readableBytesView.contains(0) { break }
                        guard reply.readableBytes <= Self.maximumReplyLength else {
                            throw ScannerError.failed("reply longer than \(Self.maximumReplyLength) bytes")
                        }
                    }
                    let bytes = reply.readableBytesView.prefix { $0 != 0 }
                    return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                }
                // A close by the timer can also look like clamd hanging up without a word.
                if text.isEmpty, expired.isSet { throw ScannerError.timedOut(after: timeout) }
                return text
            } catch {
                if expired.isSet { throw ScannerError.timedOut(after: timeout) }
                if let error = error as? ScannerError { throw error }
                throw ScannerError.failed("\(error)")
            }
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

extension AppConfiguration {
    /// `ClamdScanner` when `CLAMD_SOCKET` is set, otherwise `NoScanner`.
    public func makeVirusScanner() -> any VirusScanner {
        guard let clamdSocket, !clamdSocket.isEmpty else { return NoScanner() }
        return ClamdScanner(socketPath: clamdSocket)
    }
}

/// Set once by the timeout task, read by the exchange.
private final class ExpiryFlag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var isSet: Bool { state.withLock { $0 } }
}
