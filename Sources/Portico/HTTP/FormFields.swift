import Foundation
import Hummingbird

/// The fields of an `application/x-www-form-urlencoded` body, kept as text so a form can be
/// shown again with what the person typed.
public struct FormFields: Sendable {
    public private(set) var values: [String: [String]] = [:]

    public init(urlEncoded text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            values[name, default: []].append(value)
        }
    }

    public init(_ values: [String: String]) {
        self.values = values.mapValues { [$0] }
    }

    /// The text fields of a multipart form.
    public init(_ fields: [UploadedForm.Field]) {
        for field in fields { values[field.name, default: []].append(field.value) }
    }

    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The first value of a field, nil when absent.
    public subscript(_ name: String) -> String? { values[name]?.first }

    /// The first value, trimmed; "" when absent.
    public func text(_ name: String) -> String {
        (values[name]?.first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Every value of a repeated field (checkbox lists).
    public func all(_ name: String) -> [String] { values[name] ?? [] }

    public func flag(_ name: String) -> Bool {
        guard let value = values[name]?.first else { return false }
        return ["on", "true", "1", "yes"].contains(value.lowercased())
    }

    /// Reads a url-encoded body (at most `limit` bytes).
    public static func read(_ request: Request, limit: Int = 1_048_576) async throws -> FormFields {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") || contentType.isEmpty else {
            throw AppError(.unsupportedMediaType, code: "unsupported_media_type", L10n.t("errors.notAForm"))
        }
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return FormFields(urlEncoded: String(buffer: buffer))
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw AppError(.payloadTooLarge, code: "too_large", L10n.t("errors.tooLarge"))
        }
    }
}

/// Where to send the browser next.
public struct Redirect: Error, Sendable {
    public let location: String
    public init(to location: String) { self.location = location }

    public var response: Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// The redirect that also sets `cookie`: a session started, renewed or ended on the way.
    public func response(setting cookie: Cookie) -> Response {
        var response = self.response
        response.setCookie(cookie)
        return response
    }

    /// A path inside this site only (never `//evil.example`), for `?next=` parameters.
    public static func safeNext(_ next: String?, fallback: String, allowedPrefix: String) -> String {
        guard let next, next.hasPrefix(allowedPrefix), !next.hasPrefix("//"), !next.contains("\\"),
            !next.contains("\r"), !next.contains("\n"), next.count <= 500
        else { return fallback }
        return next
    }
}

/// Thrown where a signed-in person is required: pages redirect to the sign-in page,
/// the API answers 401.
public struct SignInRequired: Error, Sendable {
    public let loginPath: String
    public let next: String
}
