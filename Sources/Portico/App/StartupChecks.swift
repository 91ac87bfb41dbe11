import Foundation
import NIOCore
import NIOPosix

/// Checks `serve` makes before it touches the database, so that a mistake in a flag or the
/// environment stops start-up with one line naming it (exit 78) instead of a random port,
/// a half-started process or an error from deep inside Foundation.
public enum StartupChecks {
    /// One address `serve` will listen on, and the flag or variable that chose its port.
    public struct Listener: Sendable {
        public let host: String
        public let port: Int
        public let setting: String

        public init(host: String, port: Int, setting: String) {
            self.host = host
            self.port = port
            self.setting = setting
        }
    }

    /// A TCP port a person can choose: 1…65535 (0 would make the kernel pick a random one).
    public static func validatePort(_ port: Int, setting: String) throws {
        guard (1...65535).contains(port) else {
            throw ConfigurationError(variable: setting, message: "must be a TCP port from 1 to 65535, got \(port)")
        }
    }

    /// Binds and releases every listener address, so that a taken port is reported with the
    /// setting that chose it before anything else starts. (If another process takes the port
    /// in between, the listener's own bind reports it the same way: `describeBindFailure`.)
    public static func probe(_ listeners: [Listener]) async throws {
        for (index, listener) in listeners.enumerated() {
            try validatePort(listener.port, setting: listener.setting)
            if let earlier = listeners[..<index].first(where: { $0.port == listener.port }) {
                throw ConfigurationError(
                    variable: listener.setting, message: "\(listener.port) is also \(earlier.setting); give each listener its own port")
            }
        }
        for listener in listeners {
            do {
                let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                    .bind(host: listener.host, port: listener.port)
                    .get()
                try await channel.close()
            } catch {
                throw describeBindFailure(error, listener: listener)
            }
        }
    }

    /// The one line for a listener that could not bind.
    public static func describeBindFailure(_ error: any Error, listener: Listener) -> ConfigurationError {
        if let error = error as? IOError {
            switch error.errnoCode {
            case EADDRINUSE:
                return ConfigurationError(
                    variable: listener.setting,
                    message:
                        "\(listener.port) is in use (something already listens on \(listener.host):\(listener.port)); stop it or choose another port")
            case EACCES:
                return ConfigurationError(
                    variable: listener.setting,
                    message: "\(listener.port) needs privileges this user lacks; choose a port above 1023 and let the reverse proxy listen on 80/443")
            case EADDRNOTAVAIL:
                return ConfigurationError(
                    variable: listener.setting,
                    message: "\(listener.port) cannot be bound on \(listener.host): that address does not belong to this machine")
            default:
                return ConfigurationError(
                    variable: listener.setting,
                    message: "\(listener.port) cannot be bound on \(listener.host): \(String(cString: strerror(error.errnoCode)))")
            }
        }
        if error is SocketAddressError {
            return ConfigurationError(variable: "--hostname", message: "'\(listener.host)' is not an address or a name this machine can resolve")
        }
        return ConfigurationError(variable: listener.setting, message: "\(listener.port) cannot be bound on \(listener.host): \(error)")
    }

    /// `PORTICO_DATA_DIR` exists (created, with its parents, if missing), is a directory, and
    /// this user can create files in it.
    public static func prepareDataDirectory(_ directory: URL) async throws {
        try await NIOThreadPool.singleton.runIfActive { try prepareDataDirectoryBlocking(directory.path) }
    }

    static func prepareDataDirectoryBlocking(_ path: String) throws {
        func failure(_ message: String) -> ConfigurationError {
            ConfigurationError(variable: "PORTICO_DATA_DIR", message: message)
        }
        var status = stat()
        if stat(path, &status) == 0 {
            guard (status.st_mode & S_IFMT) == S_IFDIR else {
                throw failure("\(path) is a file, not a directory; point it at a directory (it is created if missing)")
            }
        } else {
            // mkdir -p, one component at a time, so the error names the step that failed.
            var current = path.hasPrefix("/") ? "" : "."
            for component in path.split(separator: "/") {
                current += "/\(component)"
                var parent = stat()
                if stat(current, &parent) == 0 {
                    guard (parent.st_mode & S_IFMT) == S_IFDIR else {
                        throw failure("\(path) cannot be created: \(current) is a file, not a directory")
                    }
                    continue
                }
                if mkdir(current, 0o750) != 0 && errno != EEXIST {
                    throw failure("\(path) cannot be created: \(current): \(String(cString: strerror(errno)))")
                }
            }
        }
        // Writable? (access(2) says yes to root on a read-only file system; trying is the test.)
        let probe = "\(path)/.portico-write-check-\(getpid())"
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw failure("\(path) is not writable by this user: \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        unlink(probe)
    }
}
