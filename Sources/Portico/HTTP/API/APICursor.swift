import Foundation
import Hummingbird

/// Cursors of API lists: the sort key of the last item of a page, base64url-encoded. Opaque
/// to clients; one that was not handed out (edited, truncated, of another list) is a 422.
enum APICursor {
    static func encode(_ key: [String]) -> String {
        Data(key.joined(separator: "\n").utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) throws -> [String] {
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text.append("=") }
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8) else { throw invalid }
        return decoded.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    static let invalid = AppError.validation([
        "cursor":
            "This cursor was not handed out by this list. Pass back the next_cursor of the previous page unchanged, or leave it out to start again."
    ])

    /// Reads one page through `load` (which gets the decoded sort key) and maps its items.
    static func page<Item: Sendable, Resource: Encodable & Sendable>(
        _ paging: APIPaging, load: ([String]?) async throws -> KeysetPage<Item>, map: ([Item]) async throws -> [Resource]
    ) async throws -> APIPage<Resource> {
        let after = try paging.cursor.map(decode)
        let page: KeysetPage<Item>
        do {
            page = try await load(after)
        } catch is InvalidPageKey {
            throw invalid
        }
        return APIPage(items: try await map(page.items), nextCursor: page.nextKey.map(encode))
    }

    /// The same for a page read together with what its items refer to (technicians' names,
    /// work-order numbers), so the page and those lookups share one transaction and the
    /// mapping needs none.
    static func page<Item: Sendable, Related, Resource: Encodable & Sendable>(
        _ paging: APIPaging, load: ([String]?) async throws -> (page: KeysetPage<Item>, related: Related),
        map: ([Item], Related) throws -> [Resource]
    ) async throws -> APIPage<Resource> {
        let after = try paging.cursor.map(decode)
        let loaded: (page: KeysetPage<Item>, related: Related)
        do {
            loaded = try await load(after)
        } catch is InvalidPageKey {
            throw invalid
        }
        return APIPage(items: try map(loaded.page.items, loaded.related), nextCursor: loaded.page.nextKey.map(encode))
    }
}

/// An optional value that is always written, as `null` when absent, so a response's keys do
/// not depend on its data (the synthesized `Encodable` would leave the key out).
@propertyWrapper
struct NullEncoded<Value: Encodable & Sendable>: Encodable, Sendable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension APIBody {
    /// For actions whose body is optional (`POST …/confirm`): nil when the request carries
    /// none, otherwise decoded with the usual rules.
    static func decodeIfPresent<Body: APIRequestBody>(_ type: Body.Type, from request: Request) async throws -> Body? {
        let length = request.headers[.contentLength].flatMap(Int.init)
        let hasBody = (length ?? 0) > 0 || request.headers[.transferEncoding] != nil || request.headers[.contentType] != nil
        guard hasBody else { return nil }
        return try await decode(type, from: request)
    }
}

extension UUID {
    /// Ids in API responses and paths: lowercase, as everywhere else in Portico's URLs.
    var apiString: String { uuidString.lowercased() }
}
