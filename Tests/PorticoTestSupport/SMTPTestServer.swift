import Foundation

/// A real SMTP server on loopback for tests: `smtp_test_server.py` (Debian's
/// python3-aiosmtpd) in a child process, on a free port of 127.0.0.1, saving every message
/// it accepts into a directory of its own. Each test starts its own, so tests run in parallel.
///
///     try await SMTPTestServer.with(.init(rejectRecipients: ["nobody@example.com"])) { server in
///         let config = try SMTPConfiguration.parse(url: server.url, startTLS: false)
///         …
///         let mail = try await server.waitForMessages(count: 1)
///     }
public final class SMTPTestServer: Sendable {
    public let host = "127.0.0.1"
    public let port: Int
    public let options: Options
    /// Where the server saves `<n>.eml` and `<n>.json`, and its log.
    public let directory: URL
    private let process: TestProcess

    /// `smtp://127.0.0.1:<port>`, or `smtps://…` for implicit TLS.
    public var url: String {
        if case .implicitTLS = options.security { return "smtps://\(host):\(port)" }
        return "smtp://\(host):\(port)"
    }

    /// Starts a server and returns once it accepts connections.
    public static func start(_ options: Options = Options()) async throws -> SMTPTestServer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("portico-smtp-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let readyFile = directory.appendingPathComponent("ready.json")
        let arguments =
            [python, script.path, "--directory", directory.path, "--ready-file", readyFile.path]
            + options.arguments
        let process = try TestProcess(arguments, outputFile: directory.appendingPathComponent("server.log"))

        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            if let code = process.exitCode {
                throw TestSupportError(
                    "the test SMTP server exited (\(code)) before it was ready; is python3-aiosmtpd installed (apt-get install python3-aiosmtpd)? Output:\n\(process.output)"
                )
            }
            if let data = try? Data(contentsOf: readyFile),
                let ready = try? JSONDecoder().decode(Ready.self, from: data),
                canConnect(port: ready.port)
            {
                return SMTPTestServer(port: ready.port, options: options, directory: directory, process: process)
            }
            guard ContinuousClock.now < deadline else {
                process.signal(SIGKILL)
                throw TestSupportError("the test SMTP server did not become ready within 20 s. Output:\n\(process.output)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Starts a server, runs `body` with it, and stops it (files removed) whatever happens.
    public static func with<T>(_ options: Options = Options(), _ body: (SMTPTestServer) async throws -> T) async throws -> T {
        let server = try await start(options)
        do {
            let result = try await body(server)
            try await server.stop()
            return result
        } catch {
            try? await server.stop()
            throw error
        }
    }

    private init(port: Int, options: Options, directory: URL, process: TestProcess) {
        self.port = port
        self.options = options
        self.directory = directory
        self.process = process
    }

    /// Stops the server with SIGTERM (SIGKILL if it lingers) and, unless told otherwise,
    /// removes its directory. Read the messages first.
    public func stop(removeFiles: Bool = true) async throws {
        process.signal(SIGTERM)
        do {
            try await process.waitForExit(timeout: .seconds(10))
        } catch {
            process.signal(SIGKILL)
            try await process.waitForExit(timeout: .seconds(5))
        }
        if removeFiles { try? FileManager.default.removeItem(at: directory) }
    }

    /// The server's own output (aiosmtpd log lines, Python tracebacks).
    public var log: String { process.output }

    /// The messages accepted so far, in order.
    public func messages() throws -> [ReceivedMail] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let numbers = names.compactMap { name -> Int? in
            guard name.hasSuffix(".eml") else { return nil }
            return Int(name.dropLast(4))
        }.sorted()
        return try numbers.map { number in
            let base = directory.appendingPathComponent("\(number)")
            let envelope = try JSONDecoder().decode(
                ReceivedMail.Envelope.self, from: Data(contentsOf: base.appendingPathExtension("json"))
            )
            let data = try Data(contentsOf: base.appendingPathExtension("eml"))
            return ReceivedMail(number: number, envelope: envelope, data: [UInt8](data))
        }
    }

    /// Waits until at least `count` messages arrived; throws after `timeout`.
    public func waitForMessages(count: Int = 1, timeout: Duration = .seconds(10)) async throws -> [ReceivedMail] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let received = try messages()
            if received.count >= count { return received }
            guard ContinuousClock.now < deadline else {
                throw TestSupportError("the test SMTP server received \(received.count) of \(count) messages within \(timeout). Log:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// A port on 127.0.0.1 with nothing listening (bound, then released): for tests of
    /// "connection refused".
    public static func unusedPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSupportError("socket() failed") }
        defer { close(descriptor) }
        var address = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestSupportError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    // MARK: Helpers

    private struct Ready: Decodable { let port: Int }

    /// Debian's interpreter, which has python3-aiosmtpd (a `python3` earlier in PATH, from
    /// pyenv say, may not); PORTICO_TEST_PYTHON overrides it.
    static var python: String {
        ProcessInfo.processInfo.environment["PORTICO_TEST_PYTHON"] ?? "/usr/bin/python3"
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("smtp_test_server.py")

    private static func canConnect(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopbackAddress(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
