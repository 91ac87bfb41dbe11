import Foundation
import Postgres

/// Where a sync listing stopped: the last row's `updated_at` (PostgreSQL's exact text, so no
/// microsecond is lost) and id. Clients see it as an opaque base64url string.
public struct SyncCursor: Sendable, Equatable {
    public let updatedAt: String
    public let id: UUID

    public init(updatedAt: String, id: UUID) {
        self.updatedAt = updatedAt
        self.id = id
    }

    public var token: String {
        Data("\(updatedAt)|\(id.uuidString.lowercased())".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public init?(token: String) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            let separator = text.lastIndex(of: "|"), let id = UUID(uuidString: String(text[text.index(after: separator)...]))
        else { return nil }
        let stamp = String(text[..<separator])
        // `2026-11-22 10:00:00.123456+00`: digits and the few separators of a timestamp only.
        guard (19...40).contains(stamp.count), stamp.allSatisfy({ $0.isASCII && ($0.isNumber || " -:.+".contains($0)) }) else { return nil }
        self.updatedAt = stamp
        self.id = id
    }

    /// `updated_at >= since AND (updated_at, id) > cursor`, for tables with those columns
    /// (`time` names another timestamp column, such as a tombstone's `deleted_at`).
    static func condition(since: Date?, after cursor: SyncCursor?, time: SQL = "updated_at") -> SQL {
        var conditions: [SQL] = ["true"]
        if let since { conditions.append("\(time) >= \(since)") }
        if let cursor { conditions.append("(\(time), id) > (\(cursor.updatedAt)::timestamptz, \(cursor.id))") }
        return SQL.join(conditions, separator: " AND ")
    }
}
