import Foundation

/// Runs a program to completion with `posix_spawn` and `waitpid`, output captured in a file.
///
/// Foundation's `Process` on Linux can miss a child's exit when several run at once from
/// different threads; the embedded cluster starts processes concurrently (tests), so it
/// uses this instead. `run` blocks the calling thread; `runOffThread` waits on a GCD thread,
/// never on the cooperative pool.
public enum ChildProcess {
    public struct Result: Sendable {
        public let exitCode: Int32
        /// stdout and stderr together.
        public let output: String
    }

    /// Runs `command` (an absolute path first) to completion. `environment` adds to (or
    /// replaces entries of) this process's environment — how a password reaches a client
    /// program without appearing in its command line.
    public static func run(_ command: [String], environment: [String: String] = [:]) throws -> Result {
        // Start in / (through coreutils `env -C`): the server user may not be allowed into
        // our working directory, and initdb refuses to run where it cannot getcwd().
        let arguments = ["/usr/bin/env", "-C", "/"] + command
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("portico-child-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log").path
        defer { unlink(outputPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // A file, not a pipe: a server that `pg_ctl start` forks inherits the descriptors
        // and would keep a pipe open for as long as it runs.
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status: Int32
        if environment.isEmpty {
            status = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
        } else {
            var merged = ProcessInfo.processInfo.environment
            for (key, value) in environment { merged[key] = value }
            var environmentStrings: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { for pointer in environmentStrings { free(pointer) } }
            status = posix_spawn(&pid, arguments[0], &actions, nil, &argv, &environmentStrings)
        }
        guard status == 0 else {
            throw EmbeddedClusterError("Cannot start \(command[0]): \(String(cString: strerror(status)))")
        }
        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, 0) < 0 {
            guard errno == EINTR else { throw EmbeddedClusterError("waitpid failed for \(command[0])") }
        }
        // WIFEXITED / WEXITSTATUS are macros: decode the status word by hand.
        let exitCode: Int32 = (waitStatus & 0x7f) == 0 ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return Result(exitCode: exitCode, output: output)
    }
}

extension ChildProcess {
    /// `run` on a GCD thread: the caller's task suspends instead of blocking a thread of the
    /// cooperative pool while the child runs (a pg_dump can take minutes).
    public static func runOffThread(_ command: [String], environment: [String: String] = [:]) async throws -> Result {
        try await EmbeddedCluster.offThread { try run(command, environment: environment) }
    }
}
