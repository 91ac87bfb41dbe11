import CoreMetrics
import Foundation
import Logging
import NIOPosix

/// Pool counts, for readiness checks and metrics.
public struct PoolStatistics: Sendable {
    public let open: Int
    public let idle: Int
    public let waiting: Int
    public let maxConnections: Int
}

/// The pool's bookkeeping: which connections are idle, how many exist, who waits.
actor PoolState {
    enum Lease: Sendable {
        case connection(Connection)
        /// Permission to open a new connection (a slot is reserved for it).
        case create
    }

    private let maxConnections: Int
    private var idle: [Connection] = []
    private var total = 0
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Lease, any Error>)] = []
    private var nextWaiterID: UInt64 = 0
    private var closed = false

    init(maxConnections: Int) {
        self.maxConnections = maxConnections
    }

    func reserve(timeout: Duration) async throws -> Lease {
        if closed { throw PostgresError(kind: .shutDown, message: "The connection pool is closed") }
        if let connection = idle.popLast() { return .connection(connection) }
        if total < maxConnections {
            total += 1
            return .create
        }
        nextWaiterID += 1
        let id = nextWaiterID
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            await self?.expire(id, after: timeout)
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func expire(_ id: UInt64, after timeout: Duration) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        waiter.continuation.resume(
            throwing: PostgresError(
                kind: .poolTimeout,
                message: "No database connection became free within \(timeout) (all \(maxConnections) in use)"
            ))
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    func release(_ connection: Connection) {
        if closed {
            total -= 1
            return
        }
        if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: .connection(connection))
        } else {
            idle.append(connection)
        }
    }

    /// A slot reserved with `.create` was not used (the connect failed).
    func slotFreed() {
        total -= 1
        handOverFreedSlot()
    }

    /// One connection is gone; optionally all idle ones go too. Returns the evicted ones.
    func drop(evictIdle: Bool) -> [Connection] {
        total -= 1
        var evicted: [Connection] = []
        if evictIdle {
            evicted = idle
            total -= idle.count
            idle.removeAll()
        }
        for _ in 0...evicted.count { handOverFreedSlot() }
        return evicted
    }

    private func handOverFreedSlot() {
        guard !closed, !waiters.isEmpty, total < maxConnections else { return }
        total += 1
        waiters.removeFirst().continuation.resume(returning: .create)
    }

    func close() -> [Connection] {
        closed = true
        for waiter in waiters {
            waiter.continuation.resume(throwing: PostgresError(kind: .shutDown, message: "The connection pool is closed"))
        }
        waiters.removeAll()
        let connections = idle
        total -= idle.count
        idle.removeAll()
        return connections
    }

    func statistics() -> PoolStatistics {
        PoolStatistics(open: total, idle: idle.count, waiting: waiters.count, maxConnections: maxConnections)
    }
}
