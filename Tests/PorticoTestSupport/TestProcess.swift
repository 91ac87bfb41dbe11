import Foundation

/// A child process for tests, started with `posix_spawn` and reaped with `waitpid`.
///
/// Foundation's `Process` on Linux can miss a child's exit when several run at once, and
/// tests start many (an SMTP server per test, in parallel). Waiting polls with `WNOHANG`
/// and sleeps in between, so no thread of the cooperative pool is ever blocked.
public final class TestProcess: @unchecked Sendable {
    public let pid: pid_t
    public let executable: String
    /// stdout and stderr of the child.
    public let outputFile: URL
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Starts `arguments[0]` (an absolute path) with stdin from /dev/null.
    public init(_ arguments: [String], outputFile: URL, environment: [String: String]? = nil) throws {
        precondition(!arguments.isEmpty)
        executable = arguments[0]
        self.outputFile = outputFile
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of ours: a child holding a copy of a test's socket would keep that
        // connection open after the server under test closed it (no FIN ever reaches the client).
        Self.closeFrom?(&actions, 3)

        // The child starts with no blocked signals and default handlers: the test runner's
        // threads may block SIGTERM, and a child inheriting that mask could not be stopped.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptySet = sigset_t()
        sigemptyset(&emptySet)
        posix_spawnattr_setsigmask(&attributes, &emptySet)
        var defaultSet = sigset_t()
        sigemptyset(&defaultSet)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaultSet, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaultSet)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let environmentStrings: [UnsafeMutablePointer<CChar>?]? = environment.map { values in
            values.map { strdup("\($0.key)=\($0.value)") } + [nil]
        }
        defer { environmentStrings?.forEach { free($0) } }
        var child: pid_t = 0
        let status: Int32
        if let environmentStrings {
            status = posix_spawn(&child, arguments[0], &actions, &attributes, argv, environmentStrings)
        } else {
            status = posix_spawn(&child, arguments[0], &actions, &attributes, argv, environ)
        }
        guard status == 0 else {
            throw TestSupportError("cannot start \(arguments[0]): \(String(cString: strerror(status)))")
        }
        pid = child
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module
    /// does not declare; nil where the C library lacks it.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    deinit {
        // A test that failed before stopping its process must not leave it running.
        if exitCode == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    /// The exit code (128 + signal number when killed), nil while it runs. Reaps the child.
    public var exitCode: Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        // WIFEXITED / WEXITSTATUS are macros: decode the status word by hand.
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exitStatus = code
        return code
    }

    /// Waits for the exit, polling; throws after `timeout`.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let exitCode { return exitCode }
            guard ContinuousClock.now < deadline else {
                throw TestSupportError("\(executable) (pid \(pid)) did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    public func signal(_ signal: Int32) {
        if exitCode == nil { kill(pid, signal) }
    }

    /// What the process wrote to stdout and stderr so far.
    public var output: String {
        (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
    }

    /// Runs a program to completion and returns its exit code and output.
    public static func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> (exitCode: Int32, output: String) {
        let outputFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("portico-test-\(getpid())-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let process = try TestProcess(arguments, outputFile: outputFile)
        let code = try await process.waitForExit(timeout: timeout)
        return (code, process.output)
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
