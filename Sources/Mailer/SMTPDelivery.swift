import CCurl

/// One message sent through libcurl's SMTP client: set up a handle, perform, classify.
///
/// Blocks for as long as the conversation with the server lasts (bounded by the
/// configured timeouts): run it only on the transport's thread pool.
struct SMTPDelivery {
    let configuration: SMTPConfiguration
    let from: String
    let recipient: String
    let bytes: [UInt8]

    /// Returns when the server accepted the message; throws `MailDeliveryError` otherwise.
    /// Raising `abort` ends the conversation within about a second.
    func perform(abort: CurlAbortFlag = CurlAbortFlag()) throws {
        let handle = try CurlHandle()
        let source = UploadSource(bytes)
        try configure(handle, source: source)
        try handle.setAbortFlag(abort)
        let code = withExtendedLifetime((source, abort)) { handle.perform() }
        guard code != CURLE_OK else { return }
        throw SMTPFailure.classify(
            SMTPFailure.Context(
                curlCode: code,
                replyCode: handle.responseCode,
                bodyDelivered: source.deliveredEverything,
                detail: handle.errorMessage(for: code),
                configuration: configuration
            ))
    }

    private func configure(_ handle: CurlHandle, source: UploadSource) throws {
        try handle.set(CURLOPT_URL, configuration.curlURL)
        try handle.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        try handle.set(CURLOPT_NOSIGNAL, 1)  // no SIGALRM for timeouts: we are multi-threaded
        try handle.set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(configuration.connectTimeout))
        try handle.set(CURLOPT_TIMEOUT_MS, Self.milliseconds(configuration.totalTimeout))
        // libcurl (7.88) waits for the reply to the end of DATA with only the per-reply
        // timeout (default 120 s), not CURLOPT_TIMEOUT: bound that wait as well.
        try handle.set(CURLOPT_SERVER_RESPONSE_TIMEOUT, Self.wholeSeconds(configuration.totalTimeout))

        switch configuration.security {
        case .startTLS: try handle.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        case .implicitTLS, .plaintext: break  // smtps:// is TLS from the start; plaintext is loopback only
        }
        try handle.set(CURLOPT_SSL_VERIFYPEER, 1)
        try handle.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile = configuration.caFile {
            try handle.set(CURLOPT_CAINFO, caFile)
        }
        if let username = configuration.username {
            try handle.set(CURLOPT_USERNAME, username)
            try handle.set(CURLOPT_PASSWORD, configuration.password ?? "")
        }

        // Angle brackets given: libcurl sends the paths as they are.
        try handle.set(CURLOPT_MAIL_FROM, "<\(from)>")
        try handle.set(CURLOPT_MAIL_RCPT, list: CurlStringList(["<\(recipient)>"]))

        try handle.set(CURLOPT_UPLOAD, 1)
        try handle.setReadFunction(UploadSource.callback)
        try handle.set(CURLOPT_READDATA, pointer: Unmanaged.passUnretained(source).toOpaque())
        try handle.set(CURLOPT_INFILESIZE_LARGE, offset: Int64(bytes.count))
    }

    /// Rounded up, at least 1.
    static func wholeSeconds(_ duration: Duration) -> Int {
        (milliseconds(duration) + 999) / 1000
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
