import ServiceLifecycle
import Synchronization

/// A one-way "we are stopping" flag that tasks can wait on.
///
/// swift-service-lifecycle tells services to stop one after another, in reverse order, and
/// Hummingbird stops its HTTP server before its other services. The delivery workers must
/// not wait for the server to drain: `portico serve` triggers this at the first signal, and
/// the workers stop claiming at once.
public final class ShutdownSignal: Sendable {
    private let state = Mutex<State>(State())

    private struct State {
        var triggered = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextID = 0
    }

    public init() {}

    public var isTriggered: Bool { state.withLock { $0.triggered } }

    public func trigger() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.triggered else { return [] }
            state.triggered = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once triggered, or when the calling task is cancelled.
    public func wait() async {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.triggered || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}

/// Runs a service and triggers `signal` as soon as that service is asked to stop.
struct AnnouncingShutdown<Wrapped: Service>: Service {
    let wrapped: Wrapped
    let signal: ShutdownSignal

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await wrapped.run()
        } onGracefulShutdown: {
            signal.trigger()
        }
    }
}
