import Foundation
import Hummingbird

/// A JSON request body of the API. `fields` lists the keys it accepts: any other key is
/// refused, so a misspelt field is an error the client sees, not a change silently dropped.
public protocol APIRequestBody: Decodable, Sendable {
    static var fields: Set<String> { get }
    /// For a field holding an object or an array of objects: the keys those objects accept.
    static var nestedFields: [String: Set<String>] { get }
}

extension APIRequestBody {
    public static var nestedFields: [String: Set<String>] { [:] }
}

/// Reads JSON request bodies for the API with one set of rules and errors:
/// wrong or missing content type → 415, larger than the limit → 413, not a JSON object → 400,
/// unknown keys → 400 naming them, missing/mistyped/null values → 422 with per-field messages.
public enum APIBody {
    /// 64 KiB: every JSON body of the API is a small record; uploads stream separately.
    public static let defaultLimit = 64 * 1024

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    public static func decode<Body: APIRequestBody>(
        _ type: Body.Type, from request: Request, limit: Int = defaultLimit
    ) async throws -> Body {
        let data = try await jsonObjectData(from: request, limit: limit, allowedFields: Body.fields, nestedFields: Body.nestedFields)
        do {
            return try decoder.decode(Body.self, from: data)
        } catch let error as DecodingError {
            throw problem(error)
        }
    }

    /// Checks type, size, shape and keys; returns the bytes to decode.
    static func jsonObjectData(
        from request: Request, limit: Int, allowedFields: Set<String>,
        nestedFields: [String: Set<String>] = [:]
    ) async throws -> Data {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard mediaType == "application/json" else {
            throw AppError(
                .unsupportedMediaType, code: "unsupported_media_type",
                "Send the body as JSON with the header Content-Type: application/json.")
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw tooLarge(limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge(limit)
        }
        let data = Data(buffer.readableBytesView)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw AppError(.badRequest, code: "malformed_json", "The body is not valid JSON.")
        }
        guard let dictionary = object as? [String: Any] else {
            throw AppError(.badRequest, code: "malformed_json", "The body must be a JSON object.")
        }
        try refuseUnknownKeys(of: dictionary, allowed: allowedFields, path: "")
        for (field, allowed) in nestedFields {
            switch dictionary[field] {
            case let object as [String: Any]:
                try refuseUnknownKeys(of: object, allowed: allowed, path: "\(field).")
            case let array as [Any]:
                for case (let index, let object as [String: Any]) in array.enumerated() {
                    try refuseUnknownKeys(of: object, allowed: allowed, path: "\(field).\(index).")
                }
            default:
                break  // missing or mistyped: decoding names it
            }
        }
        // PostgreSQL text cannot hold U+0000: refuse it here with the field's name rather than
        // let it fail at the database.
        if let field = firstFieldWithNUL(dictionary, path: "") {
            throw AppError.validation([field: "Text may not contain the NUL character (\\u0000)."])
        }
        return data
    }

    /// 400 `unknown_fields` naming each unexpected key (with `path`, e.g. `preferred_times.0.`)
    /// and the keys accepted there.
    static func refuseUnknownKeys(of object: [String: Any], allowed: Set<String>, path: String) throws {
        let unknown = Set(object.keys).subtracting(allowed)
        guard !unknown.isEmpty else { return }
        let accepted = allowed.sorted().joined(separator: ", ")
        let named = unknown.sorted().prefix(20).map { path + String($0.prefix(100)) }
        var fields: [String: String] = [:]
        for key in named {
            fields[key] = "This field is not recognised here. Accepted fields: \(accepted)."
        }
        throw AppError(
            .badRequest, code: "unknown_fields",
            "The body has fields this endpoint does not accept: \(named.joined(separator: ", ")).", fields: fields)
    }

    static func firstFieldWithNUL(_ value: Any, path: String) -> String? {
        switch value {
        case let text as String:
            return text.unicodeScalars.contains("\u{0}") ? (path.isEmpty ? "body" : path) : nil
        case let object as [String: Any]:
            for (key, member) in object {
                if key.unicodeScalars.contains("\u{0}") { return path.isEmpty ? "body" : path }
                if let found = firstFieldWithNUL(member, path: path.isEmpty ? key : "\(path).\(key)") { return found }
            }
            return nil
        case let array as [Any]:
            for (index, member) in array.enumerated() {
                if let found = firstFieldWithNUL(member, path: "\(path).\(index)") { return found }
            }
            return nil
        default:
            return nil
        }
    }

    static func tooLarge(_ limit: Int) -> AppError {
        AppError(.payloadTooLarge, code: "too_large", "The body is larger than this endpoint accepts (at most \(limit / 1024) KiB).")
    }

    /// Turns a decoding failure into a 422 that names the field and says what was expected.
    static func problem(_ error: DecodingError) -> AppError {
        func path(_ codingPath: [any CodingKey], appending key: (any CodingKey)? = nil) -> String {
            let keys = (codingPath + (key.map { [$0] } ?? [])).map { key in
                key.intValue.map(String.init) ?? snakeCase(key.stringValue)
            }
            return keys.isEmpty ? "body" : keys.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .validation([path(context.codingPath, appending: key): "This field is required."])
        case .valueNotFound(_, let context):
            return .validation([path(context.codingPath): "This field cannot be null."])
        case .typeMismatch(let type, let context):
            return .validation([path(context.codingPath): "Expected \(describe(type))."])
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if context.debugDescription.lowercased().contains("date") {
                return .validation([field: "Use an RFC 3339 timestamp such as 2026-11-22T09:30:00Z."])
            }
            return .validation([field: "This value is not one of the accepted values."])
        @unknown default:
            return AppError(.badRequest, code: "malformed_json", "The body could not be read.")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        case is Date.Type: "an RFC 3339 timestamp"
        case is UUID.Type: "a UUID"
        default:
            String(describing: type).hasPrefix("Array")
                ? "an array" : (String(describing: type).hasPrefix("Dictionary") ? "an object" : "a value of another type")
        }
    }

    /// `serviceAddress` → `service_address`: field names as the client wrote them.
    static func snakeCase(_ key: String) -> String {
        var result = ""
        for character in key {
            if character.isUppercase {
                if !result.isEmpty { result.append("_") }
                result.append(contentsOf: character.lowercased())
            } else {
                result.append(character)
            }
        }
        return result
    }
}
