import Hummingbird
import Mustache

/// An error a person can act on: a code for programs, a message for people, and per-field
/// messages for forms. Rendered as a branded page or as the API's JSON error shape.
public struct AppError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case badRequest, unauthorized, forbidden, notFound, conflict, preconditionFailed
        case payloadTooLarge, unsupportedMediaType, validation, tooManyRequests, unavailable

        public var status: HTTPResponse.Status {
            switch self {
            case .badRequest: .badRequest
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict: .conflict
            case .preconditionFailed: .preconditionFailed
            case .payloadTooLarge: .contentTooLarge
            case .unsupportedMediaType: .unsupportedMediaType
            case .validation: .unprocessableContent
            case .tooManyRequests: .tooManyRequests
            case .unavailable: .serviceUnavailable
            }
        }
    }

    public let kind: Kind
    public let code: String
    public let message: String
    public var fields: [String: String]
    /// Seconds until a limited client may try again (429, 503).
    public var retryAfter: Int?
    /// The error page's heading, when the kind's usual one would mislead (a 409 that is not
    /// about a concurrent change).
    public var heading: String?
    /// Where the error page points next (besides the start page).
    public var link: Link?

    @MustacheView
    public struct Link: Sendable {
        public let href: String
        public let label: String

        public init(href: String, label: String) {
            self.href = href
            self.label = label
        }
    }

    public init(_ kind: Kind, code: String, _ message: String, fields: [String: String] = [:], retryAfter: Int? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.fields = fields
        self.retryAfter = retryAfter
    }

    public var status: HTTPResponse.Status { kind.status }
    public var description: String { "\(code): \(message)" }

    /// The same 404 for "missing" and "not yours", so ids of other tenants and organizations
    /// reveal nothing.
    public static func notFound(_ what: String = "page") -> AppError {
        // The subscriber-facing things have their own sentence per language (nouns have genders);
        // staff and API ones stay in English until the console is translated.
        let key = "errors.notFound.\(what.replacingOccurrences(of: " ", with: "_"))"
        let translated = L10n.t(key)
        return AppError(
            .notFound, code: "not_found",
            translated != key
                ? translated
                : "We could not find that \(what). It may have been removed, or the link may be wrong.")
    }

    public static func validation(_ fields: [String: String], message: String = "Please correct the highlighted fields.") -> AppError {
        AppError(.validation, code: "validation_failed", message, fields: fields)
    }
}
