import Foundation
import Logging

/// A private PostgreSQL cluster under a data directory, started with the system's
/// `initdb`/`pg_ctl`, so a newcomer (and the test suite) needs no database set up.
///
/// PostgreSQL refuses to run as root; when we are root the cluster runs as the unprivileged
/// `postgres` user (Debian's package creates it). The cluster listens on a loopback TCP port
/// only, with password authentication, and three roles: a superuser for administration,
/// `portico_owner` that owns the schema and runs migrations, and `portico_app` that owns
/// nothing and has neither superuser nor BYPASSRLS — the role `portico serve` uses.
public struct EmbeddedCluster: Sendable {
    public struct Credentials: Codable, Sendable {
        public var clusterPath: String
        public var port: Int
        public var database: String
        public var adminUser: String
        public var adminPassword: String
        public var ownerUser: String
        public var ownerPassword: String
        public var appUser: String
        public var appPassword: String
    }

    /// What a started cluster offers.
    public struct Handle: Sendable {
        public let credentials: Credentials
        /// True when this call started the server (so this process should stop it).
        public let startedHere: Bool

        public func url(user: String, password: String, database: String? = nil) -> String {
            "postgresql://\(user):\(password)@127.0.0.1:\(credentials.port)/\(database ?? credentials.database)?sslmode=disable"
        }

        public var appURL: String { url(user: credentials.appUser, password: credentials.appPassword) }
        public var ownerURL: String { url(user: credentials.ownerUser, password: credentials.ownerPassword) }
        public func adminURL(database: String = "postgres") -> String {
            url(user: credentials.adminUser, password: credentials.adminPassword, database: database)
        }
    }

    public let dataDirectory: URL
    /// Extra `postgres -c` settings, e.g. `fsync=off` for a throw-away test cluster.
    public let serverSettings: [String: String]
    let logger: Logger

    public init(dataDirectory: URL, serverSettings: [String: String] = [:], logger: Logger = Logger(label: "portico.embedded-postgres")) {
        self.dataDirectory = dataDirectory.standardizedFileURL
        self.serverSettings = serverSettings
        self.logger = logger
    }

    var credentialsFile: URL { dataDirectory.appendingPathComponent("embedded-postgres.json") }

    // MARK: Start and stop

    /// Creates the cluster if needed, starts it unless it already runs, and makes sure the
    /// roles and the database exist.
    public func start() async throws -> Handle {
        let (handle, _) = try await Self.offThread { try self.startBlocking() }
        try await provision(handle)
        return handle
    }

    /// Stops the server (fast shutdown: open sessions are ended).
    public func stop() async throws {
        try await Self.offThread {
            let binaries = try Self.findBinaries()
            let credentials = try self.loadCredentials()
            _ = try self.runAsServerUser([binaries.appendingPathComponent("pg_ctl").path, "-D", credentials.clusterPath, "-m", "fast", "-w", "stop"])
        }
    }

    private func startBlocking() throws -> (Handle, Bool) {
        let binaries = try Self.findBinaries()
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let lock = try FileLock(path: dataDirectory.appendingPathComponent("embedded-postgres.lock").path)
        defer { lock.unlock() }

        var fresh = false
        var credentials: Credentials
        if let existing = try? loadCredentials(), FileManager.default.fileExists(atPath: existing.clusterPath + "/PG_VERSION") {
            credentials = existing
        } else {
            credentials = try initialize(binaries: binaries)
            fresh = true
        }
        let pgctl = binaries.appendingPathComponent("pg_ctl").path
        let status = try runAsServerUser([pgctl, "-D", credentials.clusterPath, "status"], allowFailure: true)
        if status.exitCode == 0 {
            logger.info("Reusing the embedded PostgreSQL already running", metadata: ["port": "\(credentials.port)"])
            return (Handle(credentials: credentials, startedHere: false), fresh)
        }
        if !Self.portIsFree(credentials.port) {
            // Someone else took our port while the cluster was down: move to a new one.
            credentials.port = try Self.freePort()
            try writeConfiguration(credentials)
            try saveCredentials(credentials)
        }
        var options = "-c port=\(credentials.port)"
        for (key, value) in serverSettings.sorted(by: { $0.key < $1.key }) { options += " -c \(key)=\(value)" }
        let logFile = credentials.clusterPath + "/server.log"
        let started = try runAsServerUser(
            [pgctl, "-D", credentials.clusterPath, "-l", logFile, "-o", options, "-w", "-t", "60", "start"], allowFailure: true)
        guard started.exitCode == 0 else {
            throw EmbeddedClusterError("The embedded PostgreSQL did not start (see \(logFile)): \(started.output.suffix(400))")
        }
        logger.info("Started the embedded PostgreSQL", metadata: ["port": "\(credentials.port)", "cluster": "\(credentials.clusterPath)"])
        return (Handle(credentials: credentials, startedHere: true), fresh)
    }

    private func initialize(binaries: URL) throws -> Credentials {
        let clusterPath = try chooseClusterPath()
        let adminPassword = Self.password()
        let passwordFile = clusterPath.deletingLastPathComponent().appendingPathComponent(".pgpass-init-\(getpid())-\(UUID().uuidString)")
        try Data(adminPassword.utf8).write(to: passwordFile)
        defer { try? FileManager.default.removeItem(at: passwordFile) }
        try prepareForServerUser(passwordFile.path, directory: false)
        if FileManager.default.fileExists(atPath: clusterPath.path) {
            try FileManager.default.removeItem(at: clusterPath)
        }
        try FileManager.default.createDirectory(at: clusterPath, withIntermediateDirectories: true)
        try prepareForServerUser(clusterPath.path, directory: true)
        let initdb = binaries.appendingPathComponent("initdb").path
        let result = try runAsServerUser(
            [
                initdb, "-D", clusterPath.path, "-U", "portico_admin", "--pwfile", passwordFile.path,
                "--auth=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-instructions",
            ], allowFailure: true)
        guard result.exitCode == 0 else {
            throw EmbeddedClusterError("initdb failed: \(result.output.suffix(600))")
        }
        let credentials = Credentials(
            clusterPath: clusterPath.path, port: try Self.freePort(), database: "portico",
            adminUser: "portico_admin", adminPassword: adminPassword,
            ownerUser: "portico_owner", ownerPassword: Self.password(),
            appUser: "portico_app", appPassword: Self.password()
        )
        try writeConfiguration(credentials)
        try saveCredentials(credentials)
        return credentials
    }

    /// Loopback only, no unix socket (its path length and permissions vary by checkout).
    private func writeConfiguration(_ credentials: Credentials) throws {
        let configuration = """
            # Written by Portico for its embedded cluster.
            listen_addresses = '127.0.0.1'
            port = \(credentials.port)
            unix_socket_directories = ''
            max_connections = 200
            synchronous_commit = off
            log_min_messages = warning
            log_min_error_statement = panic

            """
        let path = credentials.clusterPath + "/portico.conf"
        try Data(configuration.utf8).write(to: URL(fileURLWithPath: path))
        try prepareForServerUser(path, directory: false)
        let main = credentials.clusterPath + "/postgresql.conf"
        let text = try String(contentsOfFile: main, encoding: .utf8)
        if !text.contains("include_if_exists = 'portico.conf'") {
            try Data((text + "\ninclude_if_exists = 'portico.conf'\n").utf8).write(to: URL(fileURLWithPath: main))
        }
    }

    /// Creates the owner and application roles and the database unless they exist, so an
    /// interrupted first start heals on the next one.
    private func provision(_ handle: Handle) async throws {
        let credentials = handle.credentials
        let pool = ConnectionPool(configuration: PoolConfiguration(conninfo: handle.adminURL(), maxConnections: 1), logger: logger)
        do {
            try await pool.withConnection { connection in
                // DDL takes no parameters: the server quotes the generated names and passwords.
                let roles: [(String, SQL)] = [
                    (
                        credentials.ownerUser,
                        "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', \(credentials.ownerUser)::text, \(credentials.ownerPassword)::text)"
                    ),
                    (
                        credentials.appUser,
                        "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', \(credentials.appUser)::text, \(credentials.appPassword)::text)"
                    ),
                ]
                for (role, statement) in roles {
                    let exists = try await connection.scalar("SELECT count(*) FROM pg_roles WHERE rolname = \(role)", as: Int.self) ?? 0
                    if exists == 0 {
                        try await connection.run(script: try await connection.scalar(statement, as: String.self) ?? "")
                    }
                }
                let database =
                    try await connection.scalar("SELECT count(*) FROM pg_database WHERE datname = \(credentials.database)", as: Int.self) ?? 0
                if database == 0 {
                    let create =
                        try await connection.scalar(
                            "SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', \(credentials.database)::text, \(credentials.ownerUser)::text, 'UTF8')",
                            as: String.self
                        ) ?? ""
                    try await connection.run(script: create)
                }
            }
        } catch {
            await pool.close()
            throw error
        }
        await pool.close()
    }

    // MARK: Files

    func loadCredentials() throws -> Credentials {
        let data = try Data(contentsOf: credentialsFile)
        return try JSONDecoder().decode(Credentials.self, from: data)
    }

    private func saveCredentials(_ credentials: Credentials) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(credentials).write(to: credentialsFile, options: .atomic)
        chmod(credentialsFile.path, 0o600)
    }

    /// `<data dir>/pg`, unless we run as root and the server user cannot reach it (a checkout
    /// under a private home or a `mktemp -d` folder): then a folder of its own under /var/tmp.
    private func chooseClusterPath() throws -> URL {
        let preferred = dataDirectory.appendingPathComponent("pg")
        guard Self.isRoot else { return preferred }
        let probe = try runAsServerUser(["/usr/bin/test", "-x", dataDirectory.path], allowFailure: true)
        if probe.exitCode == 0 { return preferred }
        let digest = dataDirectory.path.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        let fallback = URL(fileURLWithPath: "/var/tmp/portico-pg-\(String(digest, radix: 16))")
        logger.notice("The postgres user cannot reach \(dataDirectory.path); keeping the embedded cluster in \(fallback.path)")
        return fallback
    }

    private func prepareForServerUser(_ path: String, directory: Bool) throws {
        guard Self.isRoot else { return }
        guard let user = getpwnam(Self.serverUser) else {
            throw EmbeddedClusterError(
                "Running as root, the embedded PostgreSQL needs the unprivileged user '\(Self.serverUser)': install it with `apt-get install postgresql` or create the user"
            )
        }
        chown(path, user.pointee.pw_uid, user.pointee.pw_gid)
        chmod(path, directory ? 0o700 : 0o600)
    }
}
