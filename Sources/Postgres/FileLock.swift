import Foundation
import Logging

/// An exclusive `flock` on a file, so two processes do not initialise or start one cluster at once.
final class FileLock {
    private let descriptor: Int32

    init(path: String) throws {
        descriptor = open(path, O_CREAT | O_RDWR, 0o600)
        guard descriptor >= 0 else { throw EmbeddedClusterError("Cannot open lock file \(path)") }
        guard flock(descriptor, LOCK_EX) == 0 else {
            close(descriptor)
            throw EmbeddedClusterError("Cannot lock \(path)")
        }
    }

    func unlock() {
        flock(descriptor, LOCK_UN)
    }

    deinit {
        close(descriptor)
    }
}
