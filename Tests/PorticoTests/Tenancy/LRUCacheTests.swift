import Portico
import Testing

@Suite("LRU cache")
struct LRUCacheTests {
    @Test("when full, the least recently used entry makes room; reading an entry saves it")
    func evictsLeastRecentlyUsed() {
        var cache = LRUCache<String, Int>(capacity: 3)
        cache.set(1, for: "a")
        cache.set(2, for: "b")
        cache.set(3, for: "c")
        let read = cache.value(for: "a")  // a is now the most recent; b the least
        #expect(read == 1)

        cache.set(4, for: "d")

        #expect(cache.count == 3)
        #expect(cache.peek("b") == nil)
        #expect(cache.keysByRecency == ["d", "a", "c"])
    }

    @Test("storing an existing key replaces its value and makes it the most recent, without evicting anything")
    func overwriteRefreshes() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.set(1, for: "a")
        cache.set(2, for: "b")

        cache.set(10, for: "a")
        cache.set(3, for: "c")

        #expect(cache.peek("a") == 10)
        #expect(cache.peek("b") == nil)
        #expect(cache.keysByRecency == ["c", "a"])
    }

    @Test("peek reads without changing the order")
    func peekLeavesOrder() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.set(1, for: "a")
        cache.set(2, for: "b")

        #expect(cache.peek("a") == 1)
        cache.set(3, for: "c")

        #expect(cache.peek("a") == nil)
        #expect(cache.keysByRecency == ["c", "b"])
    }

    @Test("removing entries from the middle, the ends and all at once keeps the order of the rest")
    func removal() {
        var cache = LRUCache<Int, Int>(capacity: 5)
        for key in 1...5 { cache.set(key * 10, for: key) }  // recency: 5 4 3 2 1

        let removed = [cache.removeValue(for: 3), cache.removeValue(for: 5), cache.removeValue(for: 1), cache.removeValue(for: 1)]
        #expect(removed == [30, 50, 10, nil])
        #expect(cache.keysByRecency == [4, 2])
        cache.set(60, for: 6)
        cache.set(70, for: 7)
        cache.set(80, for: 8)
        cache.set(90, for: 9)  // six keys through a capacity of five: 2 goes
        #expect(cache.keysByRecency == [9, 8, 7, 6, 4])

        cache.removeAll()
        #expect(cache.count == 0)
        #expect(cache.keysByRecency.isEmpty)
        cache.set(1, for: 1)
        #expect(cache.keysByRecency == [1])
    }

    @Test("a capacity of one keeps only the latest entry")
    func capacityOne() {
        var cache = LRUCache<String, Int>(capacity: 1)
        cache.set(1, for: "a")
        cache.set(2, for: "b")
        #expect(cache.peek("a") == nil)
        let latest = cache.value(for: "b")
        #expect(latest == 2)
        #expect(cache.count == 1)
    }

    @Test("a long random run agrees with a plain reference model")
    func matchesReferenceModel() {
        var generator = SplitMix(seed: 15)
        var cache = LRUCache<Int, Int>(capacity: 16)
        var model: [(key: Int, value: Int)] = []  // most recent first
        for step in 0..<20_000 {
            let key = Int(generator.next() % 40)
            switch generator.next() % 4 {
            case 0, 1:
                cache.set(step, for: key)
                model.removeAll { $0.key == key }
                model.insert((key, step), at: 0)
                if model.count > 16 { model.removeLast() }
            case 2:
                let expected = model.firstIndex { $0.key == key }.map { model.remove(at: $0) }
                if let expected { model.insert(expected, at: 0) }
                let got = cache.value(for: key)
                #expect(got == expected?.value)
            default:
                let expected = model.firstIndex { $0.key == key }.map { model.remove(at: $0).value }
                let removed = cache.removeValue(for: key)
                #expect(removed == expected)
            }
        }
        #expect(cache.keysByRecency == model.map(\.key))
    }
}

/// A tiny deterministic generator, so a failure replays.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
