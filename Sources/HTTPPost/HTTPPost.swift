import CCurl
import Foundation
import NIOPosix

/// One HTTP(S) POST: what to send and the limits it runs under.
public struct HTTPPostRequest: Sendable {
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// `CURLOPT_RESOLVE` entries (`host:port:address`): the connection goes to this address
    /// whatever DNS says by the time libcurl looks (pinning an address checked beforehand).
    public var resolve: [String]
    /// Schemes libcurl may use (`https`, or `http,https`). Redirects are never followed.
    public var protocols: String
    public var connectTimeout: Duration
    public var totalTimeout: Duration
    /// Bytes of the response body kept; the transfer stops once more arrive.
    public var maximumResponseBytes: Int

    public init(
        url: String, headers: [(name: String, value: String)], body: [UInt8], resolve: [String] = [], protocols: String = "https",
        connectTimeout: Duration = .seconds(5), totalTimeout: Duration = .seconds(15), maximumResponseBytes: Int = 65_536
    ) {
        self.url = url
        self.headers = headers
        self.body = body
        self.resolve = resolve
        self.protocols = protocols
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maximumResponseBytes = maximumResponseBytes
    }
}

/// What came back: the status code and (at most the limit of) the body.
public struct HTTPPostResponse: Sendable {
    public let statusCode: Int
    public let body: [UInt8]
    /// The body was longer than the limit and was cut off.
    public let truncated: Bool
}

/// The transfer failed before a status line arrived (refused, DNS, TLS, timeout), or was
/// stopped because the calling task was cancelled (`stopped`).
public struct HTTPPostError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let timedOut: Bool
    public var stopped = false
    public var description: String { message }

    public init(message: String, timedOut: Bool, stopped: Bool = false) {
        self.message = message
        self.timedOut = timedOut
        self.stopped = stopped
    }
}

/// Stops a transfer on another thread: libcurl's progress callback (at least once a second)
/// sees the raised flag and ends the transfer with CURLE_ABORTED_BY_CALLBACK.
final class CurlAbortFlag: @unchecked Sendable {
    // Written and read only with atomic operations in ccurl.c.
    let pointer: UnsafeMutablePointer<Int32>

    init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: 0)
    }

    deinit { pointer.deallocate() }

    func raise() { ccurl_raise_abort_flag(pointer) }
}

/// Sends POSTs with libcurl on a thread pool (curl_easy_perform blocks), one easy handle per
/// request.
public struct HTTPPoster: Sendable {
    let threadPool: NIOThreadPool

    /// Eight threads of their own (the webhook worker's batch): a slow receiver occupies one
    /// of these, not a thread that file I/O or DNS lookups wait for — and a stopped delivery
    /// that had not started yet is released at once instead of waiting for a free thread.
    public static let sharedThreadPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 8)
        pool.start()
        return pool
    }()

    public init(threadPool: NIOThreadPool = HTTPPoster.sharedThreadPool) { self.threadPool = threadPool }

    /// Cancelling the calling task stops the transfer within about a second
    /// (`HTTPPostError.stopped`).
    public func post(_ request: HTTPPostRequest) async throws -> HTTPPostResponse {
        let abort = CurlAbortFlag()
        do {
            return try await withTaskCancellationHandler {
                try await threadPool.runIfActive {
                    let handle = try HTTPPostHandle()
                    return try handle.perform(request, abort: abort)
                }
            } onCancel: {
                abort.raise()
            }
        } catch is CancellationError where Task.isCancelled {
            throw HTTPPostError(message: "Stopped before it started (the worker is shutting down)", timedOut: false, stopped: true)
        }
    }
}

/// Collects the response body up to a limit; libcurl's write callback gets it as userdata.
final class ResponseSink {
    let limit: Int
    var bytes: [UInt8] = []
    var truncated = false

    init(limit: Int) { self.limit = limit }
}

/// One libcurl easy handle plus what libcurl points at while it works (error buffer, string
/// lists, the sink). Freed in `deinit`, handle first. Used by one thread at a time.
final class HTTPPostHandle {
    let raw: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var lists: [UnsafeMutablePointer<curl_slist>] = []

    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    init() throws {
        guard Self.globalInit == CURLE_OK else { throw HTTPPostError(message: "libcurl could not be initialised", timedOut: false) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        guard let raw = ccurl_easy_init_reporting_errors(errorBuffer) else {
            errorBuffer.deallocate()
            throw HTTPPostError(message: "libcurl could not allocate a handle", timedOut: false)
        }
        self.raw = raw
        self.errorBuffer = errorBuffer
    }

    deinit {
        curl_easy_cleanup(raw)
        for list in lists { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    private func check(_ code: CURLcode, _ what: String) throws {
        guard code == CURLE_OK else {
            throw HTTPPostError(message: "libcurl refused \(what): \(String(cString: curl_easy_strerror(code)))", timedOut: false)
        }
    }

    private func list(_ strings: [String]) throws -> UnsafeMutablePointer<curl_slist>? {
        var head: UnsafeMutablePointer<curl_slist>?
        for string in strings {
            guard let appended = curl_slist_append(head, string) else {
                curl_slist_free_all(head)
                throw HTTPPostError(message: "libcurl could not allocate a list", timedOut: false)
            }
            head = appended
        }
        if let head { lists.append(head) }
        return head
    }

    func perform(_ request: HTTPPostRequest, abort: CurlAbortFlag) throws -> HTTPPostResponse {
        try check(ccurl_set_abort_flag(raw, abort.pointer), "the abort callback")
        try check(ccurl_setopt_string(raw, CURLOPT_URL, request.url), "the URL")
        try check(ccurl_setopt_string(raw, CURLOPT_PROTOCOLS_STR, request.protocols), "protocols")
        try check(ccurl_setopt_long(raw, CURLOPT_FOLLOWLOCATION, 0), "redirects")
        // Never through a proxy from the environment: the address check must hold for the
        // connection actually made.
        try check(ccurl_setopt_string(raw, CURLOPT_PROXY, ""), "proxy")
        try check(ccurl_setopt_long(raw, CURLOPT_NOSIGNAL, 1), "signals")
        try check(ccurl_setopt_long(raw, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout)), "connect timeout")
        try check(ccurl_setopt_long(raw, CURLOPT_TIMEOUT_MS, Self.milliseconds(request.totalTimeout)), "timeout")
        try check(ccurl_setopt_long(raw, CURLOPT_POST, 1), "POST")
        try check(ccurl_setopt_off_t(raw, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)), "body size")
        try request.body.withUnsafeBytes { bytes in
            // COPYPOSTFIELDS copies the body, so it need not outlive this call.
            let pointer = UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start))
            try check(ccurl_setopt_pointer(raw, CURLOPT_COPYPOSTFIELDS, pointer), "body")
        }
        // `Expect: 100-continue` would add a round trip for bodies over 1 KiB.
        let headers = request.headers.map { "\($0.name): \($0.value)" } + ["Expect:"]
        try check(ccurl_setopt_slist(raw, CURLOPT_HTTPHEADER, try list(headers)), "headers")
        if !request.resolve.isEmpty {
            try check(ccurl_setopt_slist(raw, CURLOPT_RESOLVE, try list(request.resolve)), "resolve")
        }
        let sink = ResponseSink(limit: request.maximumResponseBytes)
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        try check(
            ccurl_setopt_write_function(
                raw,
                { buffer, size, count, userdata in
                    guard let userdata, let buffer else { return 0 }
                    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
                    let length = size * count
                    let room = sink.limit - sink.bytes.count
                    if length > room {
                        sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: max(0, room)))
                        sink.truncated = true
                        return 0  // stops the transfer: enough has been read
                    }
                    sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length))
                    return length
                }), "write function")
        try check(ccurl_setopt_pointer(raw, CURLOPT_WRITEDATA, unmanaged.toOpaque()), "write data")

        errorBuffer[0] = 0
        let code = withExtendedLifetime(abort) { curl_easy_perform(raw) }
        var status = 0
        _ = ccurl_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &status)
        if code == CURLE_OK || (code == CURLE_WRITE_ERROR && sink.truncated && status > 0) {
            return HTTPPostResponse(statusCode: status, body: sink.bytes, truncated: sink.truncated)
        }
        let detail = String(cString: errorBuffer).trimmingCharacters(in: .whitespacesAndNewlines)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        if code == CURLE_ABORTED_BY_CALLBACK {
            throw HTTPPostError(message: "Stopped while sending (the worker is shutting down)", timedOut: false, stopped: true)
        }
        throw HTTPPostError(message: message, timedOut: code == CURLE_OPERATION_TIMEDOUT)
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
