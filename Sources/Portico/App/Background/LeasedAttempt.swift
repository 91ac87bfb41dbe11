import Logging

/// One delivery attempt under a lease, as the outbox and the webhooks make it: `send` runs
/// while `renew` refreshes the row's `claimed_at` every `renewEvery` (so however slow the
/// relay or receiver, no other instance takes the row for stuck), and once `stop` is
/// triggered the attempt gets `stop.abortAfter` to finish before it is cancelled.
///
/// Returns what `send` returned — a cancelled send reports for itself whether the other side
/// may have the message — and whether the attempt was stopped at shutdown.
struct LeasedAttempt<Outcome: Sendable>: Sendable {
    let renewEvery: Duration
    /// Refreshes the lease; a failure is logged and the next renewal tried.
    let renew: @Sendable () async throws -> Void
    let logger: Logger
    /// What the log calls the thing in flight ("an email", "a webhook") and its metadata.
    let what: String
    let metadata: Logger.Metadata

    private enum Event: Sendable { case finished(Outcome), stopDue, done }

    func run(stop: DeliveryStop?, send: @escaping @Sendable () async -> Outcome) async -> (outcome: Outcome?, stopped: Bool) {
        var outcome: Outcome?
        var stopped = false
        await withTaskGroup(of: Event.self) { group in
            group.addTask { .finished(await send()) }
            group.addTask {
                await keepLease()
                return .done
            }
            if let stop {
                group.addTask {
                    await stop.signal.wait()
                    try? await Task.sleep(for: stop.abortAfter)
                    return Task.isCancelled ? .done : .stopDue
                }
            }
            for await event in group {
                switch event {
                case .finished(let result):
                    outcome = result
                    group.cancelAll()
                case .stopDue:
                    // Cancelling stops a transfer within about a second.
                    stopped = true
                    group.cancelAll()
                case .done:
                    break
                }
            }
        }
        return (outcome, stopped)
    }

    /// Renews the lease until cancelled.
    private func keepLease() async {
        while true {
            do { try await Task.sleep(for: renewEvery) } catch { return }
            do {
                try await renew()
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("Could not renew the lease of \(what) being sent", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
        }
    }
}
