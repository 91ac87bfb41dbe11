import Foundation
import Synchronization

/// A tenant transaction left open for the next `withTenant` of the same task: how a request's
/// session lookup and its page's reads share one transaction.
///
/// The session middleware begins the transaction (`BEGIN`, the tenant setting and the session
/// lookup in one round trip), parks it with `$current.withValue(parked) { next(…) }`, and
/// after the handler calls `finish`. Inside, the first `pool.withTenant` for the same tenant
/// takes the parked transaction instead of beginning one, runs its body in it and commits it
/// as usual, so the connection goes back before the page renders. Later `withTenant` calls
/// begin their own.
///
/// A task never holds two connections because of a parked transaction: any other checkout
/// from the same pool (another tenant, `withConnection`, `withTransaction`) commits the parked
/// one first. Otherwise a burst of such requests could take every connection and wait forever
/// for a second one.
public final class ParkedTransaction: Sendable {
    @TaskLocal public static var current: ParkedTransaction?

    public let tenantID: UUID
    let pool: ConnectionPool
    private let open: Mutex<OpenTransaction?>

    public init(_ open: OpenTransaction, tenantID: UUID) {
        self.tenantID = tenantID
        self.pool = open.transaction.pool
        self.open = Mutex(open)
    }

    /// The open transaction, to the first caller that asks on this pool for this tenant.
    func take(pool: ConnectionPool, tenantID: UUID) -> OpenTransaction? {
        guard pool === self.pool, tenantID == self.tenantID else { return nil }
        return open.withLock { open in
            defer { open = nil }
            return open
        }
    }

    /// Ends the transaction if nobody took it: commits it, or rolls it back when the request
    /// failed. Safe to call more than once.
    public func finish(commit: Bool) async throws {
        guard
            let open = open.withLock({ open in
                defer { open = nil }; return open
            })
        else { return }
        if commit {
            try await open.commit()
        } else {
            await open.rollback()
        }
    }

    /// Called before this task checks out another connection from `pool`.
    func release(before pool: ConnectionPool) async {
        guard pool === self.pool else { return }
        // What the parked transaction did (a session lookup and its touch) is complete in itself.
        try? await finish(commit: true)
    }
}

extension ConnectionPool {
    /// A request's one tenant transaction: `lookup` (authentication) runs in a transaction
    /// begun for `tenantID`, and `rest` (the handler) runs with that transaction parked, so the
    /// handler's first `withTenant` continues it. Without `share`, `lookup` commits on its own
    /// first (writes whose bodies may be slow to arrive must not hold a transaction open).
    ///
    /// A parked transaction nobody took commits when `rest` returns and rolls back when it throws.
    public func withRequestTransaction<L: Sendable, T>(
        tenant tenantID: UUID, share: Bool, lookup: (Transaction) async throws -> L, then rest: (L) async throws -> T
    ) async throws -> T {
        guard share else {
            return try await rest(try await withTenant(tenantID, lookup))
        }
        let (open, _) = try await begin(setup: [Self.tenantSetting(tenantID)], then: [])
        let value: L
        do {
            value = try await lookup(open.transaction)
        } catch {
            await open.rollback()
            throw error
        }
        return try await ParkedTransaction(open, tenantID: tenantID).park { try await rest(value) }
    }
}

extension ParkedTransaction {
    /// Runs `body` with this transaction parked for its first `withTenant`, then finishes it.
    public func park<T>(_ body: () async throws -> T) async throws -> T {
        let result: T
        do {
            result = try await Self.$current.withValue(self) { try await body() }
        } catch {
            try? await finish(commit: false)
            throw error
        }
        try await finish(commit: true)
        return result
    }
}
