import CResolv
import Foundation
import NIOPosix
import Synchronization

/// Looks up DNS TXT records: what custom-domain verification needs from DNS.
public protocol DNSResolver: Sendable {
    /// The TXT records at `name`, each one's character-strings concatenated. An empty array
    /// when the name does not exist or has no TXT record; throws `DNSLookupError` when DNS
    /// could not say (timeout, server failure, malformed answer).
    func txtRecords(for name: String) async throws -> [String]
}

/// Why a DNS lookup gave no answer. The descriptions are shown to tenant admins.
public enum DNSLookupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No answer within the time allowed.
    case timedOut(seconds: Int)
    /// The nameservers failed or could not be reached (SERVFAIL, no route): try again later.
    case temporaryFailure
    /// The nameservers refused or could not process the query.
    case failed(String)
    /// The answer could not be parsed.
    case malformedResponse(String)
    /// The name is not a valid DNS name.
    case invalidName

    public var description: String {
        switch self {
        case .timedOut(let seconds): "no answer from DNS within \(seconds) seconds"
        case .temporaryFailure: "the DNS servers did not answer (temporary failure)"
        case .failed(let reason): "the DNS query failed: \(reason)"
        case .malformedResponse(let reason): "the DNS answer was malformed (\(reason))"
        case .invalidName: "not a valid DNS name"
        }
    }
}

/// The system resolver: the nameservers of `/etc/resolv.conf`, queried with glibc's
/// `res_nquery` (no search-list expansion) on a small dedicated thread pool — the call
/// blocks, so it never runs on Swift's cooperative executor or a NIO event loop. The
/// resolver's own retries are capped and the whole lookup has a deadline.
public struct SystemDNSResolver: DNSResolver {
    public let timeout: Duration

    public init(timeout: Duration = .seconds(5)) {
        self.timeout = timeout
    }

    /// Shared by every resolver in the process and started on first use; lookups are rare
    /// (an admin pressing "verify"), so two threads are plenty.
    static let threadPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    public func txtRecords(for name: String) async throws -> [String] {
        guard let host = DNSMessage.queryName(name) else { throw DNSLookupError.invalidName }
        // Absolute (trailing dot), so the resolver never appends a search domain.
        let absolute = host + "."
        let seconds = Int(timeout.components.seconds)
        let once = ResumeOnce<[String]>()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[String], any Error>) in
            once.set(continuation)
            let timer = Task {
                try? await Task.sleep(for: timeout)
                once.resume(with: .failure(DNSLookupError.timedOut(seconds: max(1, seconds))))
            }
            once.onResume { timer.cancel() }
            Self.threadPool.submit { state in
                guard case .active = state else {
                    once.resume(with: .failure(DNSLookupError.failed("the resolver is shutting down")))
                    return
                }
                once.resume(with: Result { try Self.blockingTXTLookup(absolute, retransSeconds: max(1, seconds / 2)) })
            }
        }
    }

    static let typeTXT: Int32 = 16

    /// The blocking part: one `res_nquery`, then parsing.
    static func blockingTXTLookup(_ name: String, retransSeconds: Int) throws -> [String] {
        var answer = [UInt8](repeating: 0, count: 65_535)
        var hostError: Int32 = 0
        let length = answer.withUnsafeMutableBufferPointer { buffer in
            portico_res_query(name, typeTXT, buffer.baseAddress, Int32(buffer.count), Int32(retransSeconds), 2, &hostError)
        }
        guard length >= 0 else {
            switch hostError {
            case HOST_NOT_FOUND, NO_DATA: return []
            case TRY_AGAIN: throw DNSLookupError.temporaryFailure
            default:
                throw DNSLookupError.failed(
                    length == -2
                        ? "could not read the resolver configuration (/etc/resolv.conf)" : "the nameserver refused or could not process the query")
            }
        }
        return try DNSMessage.txtRecords(in: answer.prefix(min(Int(length), answer.count)))
    }
}

/// Resumes a continuation exactly once, whichever of the lookup and its deadline comes first.
final class ResumeOnce<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var pending: Result<Value, any Error>?
        var done = false
        var onResume: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<Value, any Error>) {
        let early = state.withLock { state -> Result<Value, any Error>? in
            if let pending = state.pending { return pending }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func onResume(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.done { return true }
            state.onResume = action
            return false
        }
        if runNow { action() }
    }

    func resume(with result: Result<Value, any Error>) {
        let (continuation, action) = state.withLock { state -> (CheckedContinuation<Value, any Error>?, (@Sendable () -> Void)?) in
            guard !state.done else { return (nil, nil) }
            state.done = true
            let continuation = state.continuation
            if continuation == nil { state.pending = result }
            state.continuation = nil
            defer { state.onResume = nil }
            return (continuation, state.onResume)
        }
        continuation?.resume(with: result)
        action?()
    }
}

/// Just enough of the DNS wire format (RFC 1035 §4) to read TXT answers.
public enum DNSMessage {
    static let headerLength = 12

    /// The TXT records in the answer section of a DNS response (class IN), each one's
    /// strings concatenated. NXDOMAIN, or no TXT answer, gives an empty array.
    public static func txtRecords(in message: some Collection<UInt8>) throws -> [String] {
        let bytes = Array(message)
        guard bytes.count >= headerLength else { throw DNSLookupError.malformedResponse("shorter than a DNS header") }
        let rcode = bytes[3] & 0x0F
        switch rcode {
        case 0: break
        case 3: return []  // NXDOMAIN
        case 2: throw DNSLookupError.temporaryFailure
        default: throw DNSLookupError.failed("response code \(rcode)")
        }
        let questions = Int(bytes[4]) << 8 | Int(bytes[5])
        let answers = Int(bytes[6]) << 8 | Int(bytes[7])
        var offset = headerLength
        for _ in 0..<questions {
            offset = try skipName(bytes, at: offset)
            offset += 4  // type, class
            guard offset <= bytes.count else { throw DNSLookupError.malformedResponse("question section cut short") }
        }
        var records: [String] = []
        for _ in 0..<answers {
            offset = try skipName(bytes, at: offset)
            guard offset + 10 <= bytes.count else { throw DNSLookupError.malformedResponse("answer record cut short") }
            let type = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            let recordClass = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let dataLength = Int(bytes[offset + 8]) << 8 | Int(bytes[offset + 9])
            offset += 10
            guard offset + dataLength <= bytes.count else { throw DNSLookupError.malformedResponse("record data runs past the end") }
            if type == 16 && recordClass == 1 {
                records.append(try txtRecordData(bytes[offset..<(offset + dataLength)]))
            }
            offset += dataLength
        }
        return records
    }

    /// A TXT record's RDATA: one or more character-strings, each a length byte and that
    /// many bytes, concatenated into one value (RFC 7208 §3.3 reads long records the same way).
    public static func txtRecordData(_ data: some Collection<UInt8>) throws -> String {
        let bytes = Array(data)
        guard !bytes.isEmpty else { throw DNSLookupError.malformedResponse("a TXT record without any string") }
        var value: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            let length = Int(bytes[offset])
            offset += 1
            guard offset + length <= bytes.count else {
                throw DNSLookupError.malformedResponse("a TXT string is longer than its record")
            }
            value.append(contentsOf: bytes[offset..<(offset + length)])
            offset += length
        }
        return String(decoding: value, as: UTF8.self)
    }

    /// `name` lower-cased without a trailing dot when it can be queried: labels of letters,
    /// digits, hyphens and underscores (`_portico-challenge`), 1–63 bytes, 253 in all.
    public static func queryName(_ name: String) -> String? {
        var host = name.lowercased()
        if host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty, host.utf8.count <= 253 else { return nil }
        for label in host.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.utf8.count <= 63,
                label.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 })
            else { return nil }
        }
        return host
    }

    /// The offset just past a (possibly compressed) domain name.
    static func skipName(_ bytes: [UInt8], at start: Int) throws -> Int {
        var offset = start
        var labels = 0
        while true {
            guard offset < bytes.count else { throw DNSLookupError.malformedResponse("a name runs past the end") }
            let length = bytes[offset]
            switch length & 0xC0 {
            case 0xC0:
                // A compression pointer ends the name where it stands.
                guard offset + 2 <= bytes.count else { throw DNSLookupError.malformedResponse("a name pointer is cut short") }
                return offset + 2
            case 0x00:
                offset += 1
                if length == 0 { return offset }
                offset += Int(length)
                labels += 1
                guard labels <= 127 else { throw DNSLookupError.malformedResponse("a name has too many labels") }
            default:
                throw DNSLookupError.malformedResponse("unknown label type")
            }
        }
    }
}
