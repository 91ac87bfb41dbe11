import CArgon2
import Foundation
import NIOPosix

/// Argon2id parameters. They are stored in every PHC string, so raising them later only
/// means new hashes use the new values and old ones are rehashed at the next sign-in.
public struct Argon2Parameters: Sendable, Equatable {
    /// Memory in KiB (19 MiB = 19456, OWASP's minimum for Argon2id).
    public var memoryKiB: UInt32
    public var iterations: UInt32
    public var parallelism: UInt32
    public var saltLength: Int
    public var hashLength: Int

    public init(memoryKiB: UInt32 = 19_456, iterations: UInt32 = 2, parallelism: UInt32 = 1, saltLength: Int = 16, hashLength: Int = 32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
        self.saltLength = saltLength
        self.hashLength = hashLength
    }

    public static let standard = Argon2Parameters()
}

public struct PasswordVerification: Sendable, Equatable {
    public let matches: Bool
    /// The stored hash uses weaker parameters than the current ones: store a new hash.
    public let needsRehash: Bool
}

/// Argon2id hashing on a small dedicated thread pool: each hash costs ~19 MiB and tens of
/// milliseconds of CPU, so the pool size caps both memory and the CPU an attacker can burn.
/// The pool is narrower than the machine (`defaultConcurrency`): a storm of sign-ins queues
/// here and leaves at least one core to the event loops, so pages keep being served.
public final class PasswordHasher: Sendable {
    public let parameters: Argon2Parameters
    /// Threads hashing at once; further hashes wait their turn.
    public let concurrency: Int
    private let threadPool: NIOThreadPool
    /// A hash of a random password, verified against when an account does not exist so the
    /// answer takes as long as for a real account.
    private let dummyHash: String

    /// One core fewer than the machine has (at least one): with 2 cores, one hashes while the
    /// other renders pages and runs PostgreSQL's share of them.
    public static func defaultConcurrency(cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        max(1, cores - 1)
    }

    public init(parameters: Argon2Parameters = .standard, concurrency: Int = PasswordHasher.defaultConcurrency()) {
        self.parameters = parameters
        self.concurrency = max(1, concurrency)
        self.threadPool = NIOThreadPool(numberOfThreads: self.concurrency)
        self.threadPool.start()
        self.dummyHash = (try? Self.hashBlocking(SecureRandom.token(), parameters: parameters)) ?? ""
    }

    public func shutdown() async {
        try? await threadPool.shutdownGracefully()
    }

    public func hash(_ password: String) async throws -> String {
        let parameters = parameters
        return try await threadPool.runIfActive { try Self.hashBlocking(password, parameters: parameters) }
    }

    public func verify(_ password: String, against encoded: String) async throws -> PasswordVerification {
        let parameters = parameters
        return try await threadPool.runIfActive {
            let matches = Self.verifyBlocking(password, encoded: encoded)
            let needsRehash =
                matches
                && Self.parameters(of: encoded).map { stored in
                    stored.memoryKiB < parameters.memoryKiB || stored.iterations < parameters.iterations
                        || stored.parallelism != parameters.parallelism
                } ?? true
            return PasswordVerification(matches: matches, needsRehash: needsRehash)
        }
    }

    /// Spends the same effort as a real verification; always returns false.
    public func verifyDummy(_ password: String) async throws -> Bool {
        _ = try await verify(password, against: dummyHash)
        return false
    }

    static func hashBlocking(_ password: String, parameters: Argon2Parameters) throws -> String {
        let salt = SecureRandom.bytes(parameters.saltLength)
        let passwordBytes = Array(password.utf8)
        let length = argon2_encodedlen(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism,
            UInt32(salt.count), UInt32(parameters.hashLength), Argon2_id
        )
        var encoded = [CChar](repeating: 0, count: length)
        let status = argon2id_hash_encoded(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism,
            passwordBytes, passwordBytes.count, salt, salt.count, parameters.hashLength,
            &encoded, length
        )
        guard status == ARGON2_OK.rawValue else {
            throw PasswordHashError(message: String(cString: argon2_error_message(status)))
        }
        return String(cString: encoded)
    }

    static func verifyBlocking(_ password: String, encoded: String) -> Bool {
        guard encoded.hasPrefix("$argon2id$") else { return false }
        let passwordBytes = Array(password.utf8)
        // argon2id_verify compares in constant time.
        return argon2id_verify(encoded, passwordBytes, passwordBytes.count) == ARGON2_OK.rawValue
    }

    /// Reads `m`, `t` and `p` from `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`.
    static func parameters(of encoded: String) -> Argon2Parameters? {
        let fields = encoded.split(separator: "$")
        guard fields.count == 5, fields[0] == "argon2id" else { return nil }
        var result = Argon2Parameters()
        for pair in fields[2].split(separator: ",") {
            let keyValue = pair.split(separator: "=")
            guard keyValue.count == 2, let value = UInt32(keyValue[1]) else { return nil }
            switch keyValue[0] {
            case "m": result.memoryKiB = value
            case "t": result.iterations = value
            case "p": result.parallelism = value
            default: return nil
            }
        }
        return result
    }
}

public struct PasswordHashError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "Password hashing failed: \(message)" }
}
