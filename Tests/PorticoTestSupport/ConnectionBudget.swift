/// Caps how many test applications hold database connections at once.
///
/// Swift Testing starts every test at once; each `TestApp` may open a pool of six connections
/// plus a LISTEN connection. Unchecked, a full run reached the test cluster's
/// `max_connections` and tests saw "remaining connection slots are reserved" as a 503. Tests
/// over the budget wait for a slot instead: the run is as parallel as two cores can use, and
/// never exceeds what the cluster accepts.
///
/// Re-entrant per task tree: an application started inside another's body (or in a child
/// task of it) uses its parent's slot, so a test that runs two applications cannot deadlock
/// against other tests holding the remaining slots.
public actor ConnectionBudget {
    public static let applications = ConnectionBudget(slots: 24)

    @TaskLocal static var holdsSlot = false

    private var free: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(slots: Int) { free = slots }

    /// Runs `body` holding a slot (or the caller's own, when it already holds one).
    public nonisolated func withSlot<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if Self.holdsSlot { return try await body() }
        await acquire()
        do {
            let result = try await Self.$holdsSlot.withValue(true) { try await body() }
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }

    private func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            free += 1
        } else {
            // The slot passes straight to the longest waiter.
            waiters.removeFirst().resume()
        }
    }
}
