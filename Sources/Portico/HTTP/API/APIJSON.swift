import Foundation
import Hummingbird

/// Writes API responses: snake_case keys, RFC 3339 UTC timestamps, `no-store` (responses are
/// per-principal and must not sit in shared caches).
public enum APIJSON {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static func response(
        _ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
    ) throws -> Response {
        let data = try encoder.encode(value)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        if fields[.cacheControl] == nil { fields[.cacheControl] = "no-store" }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// 204 for actions with nothing to return (logout, revoke).
    public static func noContent() -> Response {
        Response(status: .noContent, headers: [.cacheControl: "no-store"])
    }
}

/// One page of a list: `{"items": [...], "next_cursor": "…" | null}`. The cursor is opaque to
/// clients; pass it back as `?cursor=` for the next page.
public struct APIPage<Item: Encodable & Sendable>: Encodable, Sendable {
    public let items: [Item]
    public let nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// A page of a sync listing read with one row more than `limit`: that extra row only says
    /// there is another page, which starts after the last row shown.
    init<Row>(rows: [(Row, SyncCursor)], limit: Int, _ item: (Row) throws -> Item) rethrows {
        self.init(items: try rows.prefix(limit).map { try item($0.0) }, nextCursor: rows.count > limit ? rows[limit - 1].1.token : nil)
    }

    // `next_cursor` is always present (null on the last page), so clients need not test for it.
    enum CodingKeys: String, CodingKey { case items, nextCursor }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

/// Paging parameters shared by every list: `limit` (1–100, default 25) and `cursor`.
public struct APIPaging: Sendable {
    public let limit: Int
    public let cursor: String?

    public init(_ request: Request, defaultLimit: Int = 25, maximum: Int = 100) throws {
        let query = request.uri.queryParameters
        if let raw = query["limit"].map(String.init) {
            guard let value = Int(raw), (1...maximum).contains(value) else {
                throw AppError.validation(["limit": "Use a whole number from 1 to \(maximum)."])
            }
            limit = value
        } else {
            limit = defaultLimit
        }
        let cursor = query["cursor"].map(String.init)
        if let cursor, cursor.isEmpty || cursor.count > 200 {
            throw AppError.validation(["cursor": "Pass back the next_cursor of the previous page unchanged."])
        }
        self.cursor = cursor
    }
}
