import Foundation

/// A message as Python's `email` package (policy `default`) reads it: an independent
/// MIME parser to check what our builder writes. Headers come back decoded (RFC 2047) and
/// unfolded, bodies decoded from their transfer encoding.
public struct MIMEInspection: Decodable, Sendable {
    public struct Address: Decodable, Sendable, Equatable, CustomStringConvertible {
        /// The display name as the modern parser (`policy.default`) decodes it.
        public let displayName: String
        public let address: String
        /// The display name as the legacy `decode_header` decodes it, following RFC 2047
        /// §6.2 for adjacent encoded-words, which Python 3.11's modern parser does not.
        public let rfc2047DisplayName: String

        public init(displayName: String, address: String, rfc2047DisplayName: String? = nil) {
            self.displayName = displayName
            self.address = address
            self.rfc2047DisplayName = rfc2047DisplayName ?? displayName
        }

        public var description: String { "\(displayName.debugDescription) <\(address)>" }

        enum CodingKeys: String, CodingKey {
            case displayName = "display_name", address, rfc2047DisplayName = "rfc2047_display_name"
        }
    }

    public struct Part: Decodable, Sendable {
        public let contentType: String
        public let charset: String?
        public let transferEncoding: String?
        let bodyBase64: String
        public let defects: [String]

        enum CodingKeys: String, CodingKey {
            case contentType = "content_type", charset, transferEncoding = "transfer_encoding"
            case bodyBase64 = "body_base64", defects
        }

        /// The decoded body octets.
        public var body: [UInt8] { [UInt8](Data(base64Encoded: bodyBase64) ?? Data()) }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Everything the parser found wrong, message and headers.
    public let defects: [String]
    public let headers: [[String]]
    /// `from`, `to`, `reply-to` (lower-case keys).
    public let addresses: [String: [Address]]
    public let contentType: String
    public let boundary: String?
    /// The leaf parts in order (one for a single-part message).
    public let parts: [Part]

    enum CodingKeys: String, CodingKey {
        case defects, headers, addresses, contentType = "content_type", boundary, parts
    }

    /// Values of header `name` (case-insensitive), in order.
    public func values(_ name: String) -> [String] {
        headers.filter { $0[0].lowercased() == name.lowercased() }.map { $0[1] }
    }

    public func value(_ name: String) -> String? { values(name).first }

    /// Parses `bytes` with /usr/bin/python3's `email` package.
    public static func parse(_ bytes: [UInt8]) async throws -> MIMEInspection {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("portico-mime-\(UUID().uuidString).eml")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = file.appendingPathExtension("json")
        defer { try? FileManager.default.removeItem(at: result) }
        let run = try await TestProcess.run([SMTPTestServer.python, script.path, file.path, result.path])
        guard run.exitCode == 0 else { throw TestSupportError("mime_inspect.py failed (\(run.exitCode)): \(run.output)") }
        return try JSONDecoder().decode(MIMEInspection.self, from: Data(contentsOf: result))
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("mime_inspect.py")
}
