import Foundation
import Logging
import PorticoTestSupport

@testable import Mailer

extension SMTPTransport {
    /// A transport for `configuration`, shut down after `body` whatever happens.
    static func with<T>(
        _ configuration: SMTPConfiguration, concurrency: Int = 2, _ body: (SMTPTransport) async throws -> T
    ) async throws -> T {
        let transport = SMTPTransport(configuration: configuration, concurrency: concurrency, logger: TestLogging.logger("smtp"))
        do {
            let result = try await body(transport)
            await transport.shutdown()
            return result
        } catch {
            await transport.shutdown()
            throw error
        }
    }

    /// Sends and returns the delivery error, or nil when the message was accepted.
    func failure(sending message: MailMessage) async -> MailDeliveryError? {
        do {
            try await send(message)
            return nil
        } catch let error as MailDeliveryError {
            return error
        } catch {
            return .permanent(code: nil, message: "not a MailDeliveryError: \(error)")
        }
    }
}

extension SMTPTestServer {
    /// The configuration for this server: plain SMTP (loopback only), or TLS trusting `ca`.
    func configuration(ca: URL? = nil, credentials: String = "") throws -> SMTPConfiguration {
        let url = credentials.isEmpty ? self.url : self.url.replacingOccurrences(of: "://", with: "://\(credentials)@")
        if case .plain = options.security {
            return try SMTPConfiguration.parse(url: url, startTLS: false)
        }
        return try SMTPConfiguration.parse(url: url, caFile: ca?.path)
    }
}

/// The multipart boundary named in a message's Content-Type header.
func boundary(of bytes: [UInt8]) -> String? {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let start = text.range(of: "boundary=\"") else { return nil }
    let rest = text[start.upperBound...]
    return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
}
