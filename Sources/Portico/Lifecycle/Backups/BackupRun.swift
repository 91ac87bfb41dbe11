import Foundation
import Postgres

/// One backup attempt in `backup_runs` (written as the owner, which takes the backup).
public struct BackupRun: Sendable, Decodable {
    public enum Trigger: String, Sendable { case schedule, cli }

    public let id: Int64
    public let trigger: String
    public let startedAt: Date
    public let finishedAt: Date?
    public let status: String
    public let fileName: String
    public let sizeBytes: Int64?
    public let migrationLevel: Int?
    public let host: String
    public let error: String

    static func start(_ trigger: Trigger, on db: some QueryRunner) async throws -> Int64 {
        let host = ProcessInfo.processInfo.hostName
        return try await db.query(
            """
            INSERT INTO backup_runs (trigger, host) VALUES (\(trigger.rawValue), \(String(host.prefix(255)))) RETURNING id
            """
        ).rows.first?.decode("id", as: Int64.self) ?? 0
    }

    static func succeeded(_ id: Int64, file: String, size: Int64, migrationLevel: Int, on db: some QueryRunner) async throws {
        try await db.execute(
            """
            UPDATE backup_runs SET status = 'succeeded', finished_at = now(), file_name = \(file), size_bytes = \(size),
                   migration_level = \(migrationLevel)
             WHERE id = \(id)
            """)
    }

    static func failed(_ id: Int64, error: String, on db: some QueryRunner) async throws {
        try await db.execute(
            """
            UPDATE backup_runs SET status = 'failed', finished_at = now(), error = \(String(error.prefix(2000))) WHERE id = \(id)
            """)
    }

    /// Runs still 'running' after a day belong to a process that died mid-backup.
    static func abandonStale(on db: some QueryRunner) async throws {
        try await db.execute(
            """
            UPDATE backup_runs SET status = 'failed', finished_at = now(), error = 'abandoned: the process taking it stopped'
             WHERE status = 'running' AND started_at < now() - interval '1 day'
            """)
    }

    /// Whether a scheduled run started at or after `slot` (another instance took this one).
    static func scheduledRunExists(since slot: Date, on db: some QueryRunner) async throws -> Bool {
        try await db.query(
            """
            SELECT count(*) FROM backup_runs WHERE trigger = 'schedule' AND status <> 'failed' AND started_at >= \(slot)
            """
        ).rows.first?.decode(at: 0, as: Int.self) ?? 0 > 0
    }

    /// Keeps the table small: the newest 500 runs.
    static func prune(on db: some QueryRunner) async throws {
        try await db.execute(
            """
            DELETE FROM backup_runs WHERE id < (SELECT min(id) FROM (SELECT id FROM backup_runs ORDER BY id DESC LIMIT 500) newest)
            """)
    }
}

/// The backup figures the operator console shows (and `/metrics` can export), read as the
/// application role.
public struct BackupStatus: Sendable {
    public let lastSuccess: BackupRun?
    public let lastFailure: BackupRun?
    public let recent: [BackupRun]

    public static func load(pool db: ConnectionPool, recentLimit: Int = 10) async throws -> BackupStatus {
        let columns: SQL = "id, trigger, started_at, finished_at, status, file_name, size_bytes, migration_level, host, error"
        let success = try await db.query("SELECT \(columns) FROM backup_runs WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT 1")
            .rows.first?.decode(BackupRun.self)
        let failure = try await db.query("SELECT \(columns) FROM backup_runs WHERE status = 'failed' ORDER BY started_at DESC LIMIT 1")
            .rows.first?.decode(BackupRun.self)
        let recent = try await db.query("SELECT \(columns) FROM backup_runs ORDER BY started_at DESC LIMIT \(recentLimit)")
            .rows.map { try $0.decode(BackupRun.self) }
        return BackupStatus(lastSuccess: success, lastFailure: failure, recent: recent)
    }
}

/// Plain numbers for a metrics exporter (helper for `/metrics`): Unix seconds of the last
/// successful backup and its size, and whether the newest attempt failed. Nil: never.
public struct BackupMetrics: Sendable, Equatable {
    public let lastSuccessUnixSeconds: Double?
    public let lastSuccessSizeBytes: Int64?
    public let lastAttemptFailed: Bool

    public static func read(pool: ConnectionPool) async throws -> BackupMetrics {
        let status = try await BackupStatus.load(pool: pool, recentLimit: 1)
        return BackupMetrics(
            lastSuccessUnixSeconds: status.lastSuccess?.finishedAt?.timeIntervalSince1970,
            lastSuccessSizeBytes: status.lastSuccess?.sizeBytes,
            lastAttemptFailed: status.recent.first?.status == "failed"
        )
    }
}
