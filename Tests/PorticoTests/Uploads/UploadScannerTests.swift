import Foundation
import NIOCore
import Testing

@testable import Portico

/// A stand-in for clamd on a UNIX socket, written against the protocol description rather
/// than our client: `zINSTREAM` chunks in, `stream: OK` / `stream: Eicar-Test-Signature FOUND`
/// out. Modes: `normal`, `error` (answers every scan with an ERROR), `hang` (never answers),
/// `close` (hangs up without a word).
final class FakeClamd {
    static let script = #"""
        import os, signal, socketserver, struct, sys, threading, time

        # The test process may spawn us with signals blocked; and if it dies, so do we (stdin closes).
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

        def exit_with_parent():
            sys.stdin.buffer.read()
            os._exit(0)

        threading.Thread(target=exit_with_parent, daemon=True).start()

        EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS" + b"-TEST-FILE!$H+H*"
        STREAM_MAX = 25 * 1024 * 1024
        path, mode, log_path = sys.argv[1], sys.argv[2], sys.argv[3]

        def read_exactly(f, n):
            data = f.read(n)
            if data is None or len(data) != n:
                raise EOFError
            return data

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                command = b""
                while True:
                    byte = self.rfile.read(1)
                    if not byte or byte in (b"\0", b"\n"):
                        break
                    command += byte
                if command == b"zPING":
                    self.wfile.write(b"PONG\0")
                    return
                if command != b"zINSTREAM":
                    self.wfile.write(b"UNKNOWN COMMAND\0")
                    return
                if mode == "hang":
                    time.sleep(30)
                    return
                data = bytearray()
                chunks = 0
                try:
                    while True:
                        (length,) = struct.unpack(">I", read_exactly(self.rfile, 4))
                        if length == 0:
                            break
                        chunks += 1
                        data += read_exactly(self.rfile, length)
                        if len(data) > STREAM_MAX:
                            self.wfile.write(b"INSTREAM size limit exceeded. ERROR\0")
                            return
                except EOFError:
                    return
                with open(log_path, "a") as log:
                    log.write("%d %d\n" % (len(data), chunks))
                if mode == "close":
                    return
                if mode == "error":
                    self.wfile.write(b"stream: Can't allocate memory ERROR\0")
                elif EICAR in data:
                    self.wfile.write(b"stream: Eicar-Test-Signature FOUND\0")
                else:
                    self.wfile.write(b"stream: OK\0")

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        Server(path, Handler).serve_forever()
        """#

    let directory: URL
    let socketPath: String
    let logPath: String
    private let process: Process

    private init(directory: URL, process: Process) {
        self.directory = directory
        self.socketPath = directory.appendingPathComponent("clamd.sock").path
        self.logPath = directory.appendingPathComponent("scans.log").path
        self.process = process
    }

    /// Starts the server and waits for its socket; `body` runs with it, then it is stopped.
    static func with<T>(mode: String = "normal", _ body: (FakeClamd) async throws -> T) async throws -> T {
        // UNIX socket paths are limited to ~100 bytes: keep it short.
        let directory = URL(fileURLWithPath: "/tmp/pclamd-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let scriptPath = directory.appendingPathComponent("fake_clamd.py")
        try script.write(to: scriptPath, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let server = FakeClamd(directory: directory, process: process)
        process.arguments = ["python3", scriptPath.path, server.socketPath, mode, server.logPath]
        let lifeline = Pipe()
        process.standardInput = lifeline
        try process.run()
        let result: Result<T, any Error>
        do {
            let deadline = ContinuousClock.now + .seconds(10)
            while !FileManager.default.fileExists(atPath: server.socketPath) {
                guard process.isRunning, ContinuousClock.now < deadline else {
                    throw ScannerError.unreachable("the fake clamd did not start")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            result = .success(try await body(server))
        } catch {
            result = .failure(error)
        }
        // Closing its stdin ends the server; no blocking wait on the cooperative pool.
        try? lifeline.fileHandleForWriting.close()
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        try? FileManager.default.removeItem(at: directory)
        return try result.get()
    }

    /// (bytes, chunks) of each scan the server completed reading.
    var scans: [(bytes: Int, chunks: Int)] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { line in
            let numbers = line.split(separator: " ").compactMap { Int($0) }
            return (numbers[0], numbers[1])
        }
    }
}

extension UploadTests {
    @Suite("Upload virus scanning: clamd INSTREAM, failing closed")
    struct ScannerTests {
        @Test("clean content is clean; the EICAR test file is found")
        func verdicts() async throws {
            try await FakeClamd.with { clamd in
                let scanner = ClamdScanner(socketPath: clamd.socketPath)
                #expect(try await scanner.scan(BlobContent(buffer: ByteBuffer(bytes: SampleFile.pdf()))) == .clean)
                let infected = try await scanner.scan(BlobContent(buffer: ByteBuffer(bytes: SampleFile.pdf(body: "") + SampleFile.eicar)))
                #expect(infected == .infected(signature: "Eicar-Test-Signature"))
                try await scanner.ping()
            }
        }

        @Test("a large file is streamed in bounded chunks, all of it")
        func largeFileChunks() async throws {
            try await FakeClamd.with { clamd in
                let scanner = ClamdScanner(socketPath: clamd.socketPath)
                let content = SampleFile.filler(1_000_000)
                #expect(try await scanner.scan(BlobContent(buffer: ByteBuffer(bytes: content))) == .clean)
                let scan = try #require(clamd.scans.last)
                #expect(scan.bytes == 1_000_000)
                #expect(scan.chunks == 16)  // 64 KB chunks
            }
        }

        @Test("an upload with the EICAR file is refused with a clear message, and nothing is kept")
        func infectedUploadRefused() async throws {
            try await FakeClamd.with { clamd in
                try await UploadFixture.with { fixture in
                    let scanner = ClamdScanner(socketPath: clamd.socketPath)
                    var body = MultipartBody()
                    body.file("f", fileName: "clean.jpg", SampleFile.jpeg(size: 200_000))
                    body.file("f", fileName: "invoice.pdf", SampleFile.pdf(body: "") + SampleFile.eicar)
                    let error = await #expect(throws: AppError.self) { try await fixture.receive(body, scanner: scanner) }
                    #expect(error?.kind == .validation)
                    #expect(error?.status == .unprocessableContent)
                    #expect(error?.code == "upload_virus_found")
                    #expect(error?.message.hasPrefix("invoice.pdf was not accepted: our virus scanner found Eicar-Test-Signature in it.") == true)
                    #expect(fixture.filesOnDisk.isEmpty)
                    // Both files reached the scanner, in full.
                    #expect(clamd.scans.map(\.bytes) == [200_000, SampleFile.pdf(body: "").count + SampleFile.eicar.count])
                }
            }
        }

        @Test("clean uploads are accepted when a scanner is configured")
        func cleanUploadAccepted() async throws {
            try await FakeClamd.with { clamd in
                try await UploadFixture.with { fixture in
                    var body = MultipartBody()
                    body.file("f", fileName: "a.png", SampleFile.png())
                    body.file("f", fileName: "b.dxf", SampleFile.dxf)
                    let form = try await fixture.receive(body, scanner: ClamdScanner(socketPath: clamd.socketPath))
                    #expect(form.files.count == 2)
                    #expect(clamd.scans.count == 2)
                }
            }
        }

        @Test("an unreachable scanner refuses the upload (fails closed)")
        func unreachableFailsClosed() async throws {
            try await UploadFixture.with { fixture in
                let scanner = ClamdScanner(socketPath: "/tmp/portico-no-such-clamd-\(UUID().uuidString.prefix(8)).sock")
                await #expect(throws: ScannerError.self) { try await scanner.scan(BlobContent(buffer: ByteBuffer(bytes: [1]))) }

                var body = MultipartBody()
                body.file("photo", fileName: "photo.jpg", SampleFile.jpeg())
                let error = await #expect(throws: AppError.self) { try await fixture.receive(body, scanner: scanner) }
                #expect(error?.kind == .unavailable)
                #expect(error?.code == "upload_scan_unavailable")
                #expect(error?.message == "photo.jpg could not be checked for viruses right now, so it was not accepted. Please try again later.")
                #expect(error?.fields["photo"] == error?.message)
                #expect(fixture.filesOnDisk.isEmpty)
            }
        }

        @Test("a scanner that answers ERROR, hangs up, or never answers refuses the upload", arguments: ["error", "close", "hang"])
        func misbehavingScanner(mode: String) async throws {
            try await FakeClamd.with(mode: mode) { clamd in
                try await UploadFixture.with { fixture in
                    let scanner = ClamdScanner(socketPath: clamd.socketPath, timeout: .milliseconds(700))
                    let direct = await #expect(throws: ScannerError.self) {
                        try await scanner.scan(BlobContent(buffer: ByteBuffer(bytes: SampleFile.pdf())))
                    }
                    if mode == "hang", case .timedOut? = direct {
                    } else if mode == "hang" {
                        Issue.record("expected a timeout, got \(String(describing: direct))")
                    }

                    var body = MultipartBody()
                    body.file("f", fileName: "plan.pdf", SampleFile.pdf())
                    let error = await #expect(throws: AppError.self) { try await fixture.receive(body, scanner: scanner) }
                    #expect(error?.kind == .unavailable)
                    #expect(fixture.filesOnDisk.isEmpty)
                }
            }
        }

        @Test("clamd replies are parsed strictly")
        func replyParsing() throws {
            #expect(try ClamdScanner.verdict(from: "stream: OK") == .clean)
            #expect(try ClamdScanner.verdict(from: "stream: Win.Test.EICAR_HDB-1 FOUND") == .infected(signature: "Win.Test.EICAR_HDB-1"))
            #expect(throws: ScannerError.self) { try ClamdScanner.verdict(from: "INSTREAM size limit exceeded. ERROR") }
            #expect(throws: ScannerError.self) { try ClamdScanner.verdict(from: "") }
            #expect(throws: ScannerError.self) { try ClamdScanner.verdict(from: "stream: OKAY-ish") }
        }

        @Test("the scanner follows CLAMD_SOCKET")
        func configuration() {
            #expect(!AppConfiguration().makeVirusScanner().isEnabled)
            let configured = AppConfiguration(clamdSocket: "/run/clamav/clamd.ctl").makeVirusScanner()
            #expect(configured.isEnabled)
            #expect((configured as? ClamdScanner)?.socketPath == "/run/clamav/clamd.ctl")
        }
    }
}
