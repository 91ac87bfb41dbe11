import CCurl
import Foundation

/// One libcurl easy handle, with everything libcurl keeps pointers to while it works:
/// the error buffer and the string lists. Freed together in `deinit`, handle first.
///
/// Used by one thread at a time (a delivery on the transport's thread pool).
final class CurlHandle {
    let raw: UnsafeMutableRawPointer
    /// CURLOPT_ERRORBUFFER: libcurl writes a detailed message here when a call fails.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var lists: [CurlStringList] = []

    /// `curl_global_init` must run once before any handle exists, and not concurrently
    /// with other libcurl calls; a static let runs its initialiser exactly once, thread-safely.
    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    init() throws {
        guard Self.globalInit == CURLE_OK else {
            throw MailDeliveryError.permanent(code: nil, message: "libcurl could not be initialised: \(Self.describe(Self.globalInit))")
        }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        guard let raw = ccurl_easy_init_reporting_errors(errorBuffer) else {
            errorBuffer.deallocate()
            throw MailDeliveryError.transient(code: nil, message: "libcurl could not allocate a handle")
        }
        self.raw = raw
        self.errorBuffer = errorBuffer
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
        // `lists` are released after this, once libcurl no longer refers to them.
    }

    func set(_ option: CURLoption, _ value: Int) throws {
        try check(ccurl_setopt_long(raw, option, value), option)
    }

    /// libcurl copies string options, so the C string need only live for the call.
    func set(_ option: CURLoption, _ value: String) throws {
        try check(ccurl_setopt_string(raw, option, value), option)
    }

    func set(_ option: CURLoption, offset value: Int64) throws {
        try check(ccurl_setopt_off_t(raw, option, curl_off_t(value)), option)
    }

    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws {
        try check(ccurl_setopt_pointer(raw, option, value), option)
    }

    /// libcurl does not copy lists: the handle keeps the list alive until it is freed.
    func set(_ option: CURLoption, list: CurlStringList) throws {
        lists.append(list)
        try check(ccurl_setopt_slist(raw, option, list.head), option)
    }

    /// The transfer ends soon after `flag` is raised. The flag must outlive the transfer.
    func setAbortFlag(_ flag: CurlAbortFlag) throws {
        try check(ccurl_set_abort_flag(raw, flag.pointer), CURLOPT_XFERINFOFUNCTION)
    }

    func setReadFunction(_ callback: ccurl_io_callback) throws {
        try check(ccurl_setopt_read_function(raw, callback), CURLOPT_READFUNCTION)
    }

    /// Runs the transfer. Blocks until it ends or a timeout fires.
    func perform() -> CURLcode {
        errorBuffer[0] = 0
        return curl_easy_perform(raw)
    }

    /// CURLINFO_RESPONSE_CODE: the last reply code the server sent (0 if none).
    var responseCode: Int {
        var code = 0
        _ = ccurl_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    /// The error buffer's text, else libcurl's generic text for `code`.
    func errorMessage(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer).trimmingCharacters(in: .whitespacesAndNewlines)
        return detail.isEmpty ? Self.describe(code) : detail
    }

    static func describe(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws {
        guard code == CURLE_OK else {
            // This libcurl lacks an option we rely on: a build problem, not the message's.
            throw MailDeliveryError.permanent(
                code: nil, message: "libcurl refused option \(option.rawValue): \(Self.describe(code))"
            )
        }
    }
}

/// A `curl_slist`, freed with `curl_slist_free_all` in `deinit`.
final class CurlStringList {
    private(set) var head: UnsafeMutablePointer<curl_slist>?

    init(_ strings: [String]) throws {
        for string in strings {
            guard let appended = curl_slist_append(head, string) else {
                throw MailDeliveryError.transient(code: nil, message: "libcurl could not allocate a list")
            }
            head = appended
        }
    }

    deinit {
        curl_slist_free_all(head)
    }
}
