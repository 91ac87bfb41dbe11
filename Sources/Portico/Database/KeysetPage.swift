import Foundation

/// One page of a list read in a stable order by its sort key ("keyset" paging): `nextKey` is
/// the sort key of the last item when more may follow, to pass back as `after`. Unlike an
/// offset, it neither skips nor repeats rows when others are added meanwhile.
public struct KeysetPage<Item: Sendable>: Sendable {
    public let items: [Item]
    /// The components of the last item's sort key, or nil on the last page.
    public let nextKey: [String]?

    public init(items: [Item], nextKey: [String]?) {
        self.items = items
        self.nextKey = nextKey
    }

    /// Builds a page from `limit + 1` fetched rows: the extra row only says that more follow.
    static func from<Row>(_ rows: [Row], limit: Int, item: (Row) -> Item, key: (Row) -> [String]) -> KeysetPage<Item> {
        let page = Array(rows.prefix(limit))
        return KeysetPage(items: page.map(item), nextKey: rows.count > limit ? page.last.map(key) : nil)
    }
}

/// A sort key that did not come from a previous page (tampered with, or of another list).
public struct InvalidPageKey: Error, Sendable {
    public init() {}

    /// Components parsed as (Int, Int64, UUID) and similar; any failure is an invalid key.
    static func int(_ text: String) throws -> Int64 {
        guard let value = Int64(text) else { throw InvalidPageKey() }
        return value
    }

    static func uuid(_ text: String) throws -> UUID {
        guard let value = UUID(uuidString: text) else { throw InvalidPageKey() }
        return value
    }
}
