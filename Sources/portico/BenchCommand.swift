import ArgumentParser
import Foundation
import PorticoCrypto

/// Measurements that need no server, for the benchmark script.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure building blocks on this machine (see Tests/Benchmarks/http-load.sh).",
        subcommands: [Argon2.self]
    )

    /// The raw rate of the server's own Argon2id executor, so the benchmark can compare the
    /// sign-in rate with what hashing alone allows (a sign-in is one verification).
    struct Argon2: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify passwords with the server's Argon2id parameters and executor for a while; print the rate."
        )

        @Option(help: "How long to measure, in seconds.") var seconds: Double = 10
        @Option(help: "Hashing threads (default: the server's, one fewer than the cores).") var threads: Int?

        func validate() throws {
            guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be between 0 and 600.") }
            if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256.") }
        }

        func run() async throws {
            let hasher = PasswordHasher(concurrency: threads ?? PasswordHasher.defaultConcurrency())
            let hash = try await hasher.hash("portico-bench-password")
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            let started = ContinuousClock.now
            // Twice as many callers as threads keep the executor's queue from running dry.
            let verified = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<(hasher.concurrency * 2) {
                    group.addTask {
                        var count = 0
                        while ContinuousClock.now < deadline {
                            _ = try await hasher.verify("portico-bench-password", against: hash)
                            count += 1
                        }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
            let elapsed = (ContinuousClock.now - started) / .seconds(1)
            await hasher.shutdown()
            let parameters = hasher.parameters
            let rate = Double(verified) / elapsed
            print(
                String(
                    format: "argon2id m=%u t=%u p=%u: %.1f verifications/s on %d thread(s), %d cores (%d in %.1f s)",
                    parameters.memoryKiB, parameters.iterations, parameters.parallelism, rate,
                    hasher.concurrency, ProcessInfo.processInfo.activeProcessorCount, verified, elapsed))
        }
    }
}
