import Portico
import Synchronization

/// DNS for tests: answers what the test put in, and remembers what was asked.
final class FakeDNSResolver: DNSResolver {
    enum Answer: Sendable {
        case records([String])
        case failure(DNSLookupError)
    }

    private struct State {
        var answers: [String: Answer] = [:]
        var queries: [String] = []
    }

    private let state = Mutex(State())

    /// Sets what a name answers (no entry: the name does not exist).
    func set(_ name: String, _ answer: Answer?) {
        state.withLock { $0.answers[name.lowercased()] = answer }
    }

    var queries: [String] { state.withLock { $0.queries } }

    func txtRecords(for name: String) async throws -> [String] {
        let answer = state.withLock { state -> Answer? in
            state.queries.append(name)
            return state.answers[name.lowercased()]
        }
        switch answer {
        case nil: return []
        case .records(let values): return values
        case .failure(let error): throw error
        }
    }
}
