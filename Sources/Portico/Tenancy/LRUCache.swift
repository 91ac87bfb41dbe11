/// A bounded map that, when full, forgets the entry used least recently. Every operation is
/// O(1): a dictionary from key to slot, and the slots chained from most to least recently
/// used by index (no per-entry allocation, no reference counting). Not thread-safe: keep it
/// behind a lock.
public struct LRUCache<Key: Hashable, Value> {
    fileprivate struct Slot {
        var key: Key
        var value: Value
        var newer: Int?
        var older: Int?
    }

    public let capacity: Int
    private var slots: [Slot] = []
    private var index: [Key: Int] = [:]
    private var newest: Int?
    private var oldest: Int?

    public init(capacity: Int) {
        precondition(capacity > 0, "an LRU cache needs room for at least one entry")
        self.capacity = capacity
    }

    public var count: Int { index.count }

    /// The value, marked as just used.
    public mutating func value(for key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        moveToFront(slot)
        return slots[slot].value
    }

    /// The value, leaving the order alone.
    public func peek(_ key: Key) -> Value? {
        index[key].map { slots[$0].value }
    }

    /// Stores the value as the most recently used; when full, the least recently used entry
    /// makes room (its slot is reused).
    public mutating func set(_ value: Value, for key: Key) {
        if let slot = index[key] {
            slots[slot].value = value
            moveToFront(slot)
            return
        }
        let slot: Int
        if index.count < capacity {
            slot = slots.count
            slots.append(Slot(key: key, value: value, newer: nil, older: nil))
        } else {
            slot = oldest!
            unlink(slot)
            index[slots[slot].key] = nil
            slots[slot] = Slot(key: key, value: value, newer: nil, older: nil)
        }
        index[key] = slot
        pushFront(slot)
    }

    @discardableResult
    public mutating func removeValue(for key: Key) -> Value? {
        guard let slot = index.removeValue(forKey: key) else { return nil }
        unlink(slot)
        let value = slots[slot].value
        // Keep the slots dense: the last one moves into the hole.
        let last = slots.count - 1
        if slot != last {
            let moved = slots[last]
            slots[slot] = moved
            index[moved.key] = slot
            if let newer = moved.newer { slots[newer].older = slot } else { newest = slot }
            if let older = moved.older { slots[older].newer = slot } else { oldest = slot }
        }
        slots.removeLast()
        return value
    }

    /// Removes every entry whose value matches; the others keep their recency.
    public mutating func removeAll(where shouldRemove: (Value) -> Bool) {
        let doomed = slots.filter { shouldRemove($0.value) }.map(\.key)
        for key in doomed { removeValue(for: key) }
    }

    public mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        index.removeAll(keepingCapacity: true)
        newest = nil
        oldest = nil
    }

    /// Keys from most to least recently used (for tests and diagnostics).
    public var keysByRecency: [Key] {
        var keys: [Key] = []
        var cursor = newest
        while let slot = cursor {
            keys.append(slots[slot].key)
            cursor = slots[slot].older
        }
        return keys
    }

    private mutating func moveToFront(_ slot: Int) {
        guard newest != slot else { return }
        unlink(slot)
        pushFront(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let (newer, older) = (slots[slot].newer, slots[slot].older)
        if let newer { slots[newer].older = older } else { newest = older }
        if let older { slots[older].newer = newer } else { oldest = newer }
        slots[slot].newer = nil
        slots[slot].older = nil
    }

    private mutating func pushFront(_ slot: Int) {
        slots[slot].older = newest
        slots[slot].newer = nil
        if let newest { slots[newest].newer = slot }
        newest = slot
        if oldest == nil { oldest = slot }
    }
}

extension LRUCache: Sendable where Key: Sendable, Value: Sendable {}
extension LRUCache.Slot: Sendable where Key: Sendable, Value: Sendable {}
