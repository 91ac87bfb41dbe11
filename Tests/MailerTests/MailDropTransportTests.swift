import Foundation
import PorticoTestSupport
import Testing

@testable import Mailer

@Suite("Mail drop: .eml files instead of SMTP")
struct MailDropTransportTests {
    static func withDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portico-maildrop-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(directory.appendingPathComponent("mail"))  // not there yet: created on first send
    }

    @Test("a message is written as a readable .eml (CRLF, mode 0600) named by date and Message-ID")
    func writesFile() async throws {
        try await Self.withDirectory { directory in
            // Setup
            var message = try Fixtures.message(subject: "Grüße")
            message.messageID = "abc/def+1=x.y@acme.example.net"
            let transport = MailDropTransport(directory: directory, logger: TestLogging.logger("maildrop"))

            // Act
            try await transport.send(message)

            // Check: one file, safe name, no temporary left behind.
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(names == ["20240507T093000Z-abc_def_1_x.y@acme.example.net.eml"])
            let file = directory.appendingPathComponent(names[0])
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let bytes = [UInt8](try Data(contentsOf: file))
            #expect(Fixtures.crlfLines(bytes) != nil)
            let parsed = try await MIMEInspection.parse(bytes)
            #expect(parsed.defects.isEmpty)
            #expect(parsed.value("Subject") == "Grüße")
            #expect(parsed.parts.first?.body == Fixtures.crlf(message.textBody))
        }
    }

    @Test("sending the same message again replaces its file; different messages get different files")
    func idempotent() async throws {
        try await Self.withDirectory { directory in
            // Setup
            let transport = MailDropTransport(directory: directory, logger: TestLogging.logger("maildrop"))
            let first = try Fixtures.message()
            var second = try Fixtures.message()
            second.messageID = "other@acme.example.net"

            // Act
            try await transport.send(first)
            try await transport.send(first)
            try await transport.send(second)

            // Check
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).count == 2)
        }
    }

    @Test("an unbuildable message is permanent; an unwritable directory is transient")
    func failures() async throws {
        // Setup
        let transport = MailDropTransport(directory: URL(fileURLWithPath: "/proc/portico-cannot-write-here"), logger: TestLogging.logger("maildrop"))
        let bad = try Fixtures.message(subject: "x\ny")

        // Act / check
        await #expect(throws: MailDeliveryError.self) { try await transport.send(bad) }
        do {
            try await transport.send(try Fixtures.message())
            Issue.record("expected a failure")
        } catch let error as MailDeliveryError {
            guard case .transient = error else { Issue.record("expected transient, got \(error)"); return }
        }
    }
}
