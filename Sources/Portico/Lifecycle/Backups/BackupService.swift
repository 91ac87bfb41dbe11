import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Scheduled backups inside `portico serve` (off unless `PORTICO_BACKUP_SCHEDULE` is set).
///
/// Every instance wakes at each slot; one takes the backup. The owner connection holds a
/// session advisory lock for the whole backup, so a second instance waking meanwhile skips,
/// and a run already recorded for this slot makes a late waker skip too. After a success the
/// folder is pruned: at most `keep` backups, none older than `maxAgeDays` — but never the newest.
public struct BackupService: Service {
    let backups: Backups
    let settings: BackupSettings
    let schedule: BackupSchedule
    let directory: URL
    let logger: Logger

    /// `hashtext('portico.backup')`, fixed so every instance takes the same lock.
    static let lockKey: Int64 = 7_243_113_017

    public init(backups: Backups, settings: BackupSettings, schedule: BackupSchedule, directory: URL, logger: Logger) {
        self.backups = backups
        self.settings = settings
        self.schedule = schedule
        self.directory = directory
        self.logger = logger
    }

    public func run() async throws {
        logger.info("Scheduled backups on", metadata: ["schedule": "\(schedule)", "directory": "\(directory.path)"])
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let next = schedule.next(after: Date())
            let wait = max(0, next.timeIntervalSinceNow)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { break }
            do {
                _ = try await runSlot(next)
            } catch {
                logger.error("Scheduled backup failed", metadata: ["error": "\(error)"])
            }
        }
    }

    public enum SlotOutcome: Sendable, Equatable {
        case written(URL)
        /// Another instance holds the lock, or already took this slot.
        case skipped
    }

    /// Takes the backup for `slot` unless another instance does or did.
    public func runSlot(_ slot: Date) async throws -> SlotOutcome {
        let owner = ConnectionPool(configuration: PoolConfiguration(conninfo: backups.ownerURL, maxConnections: 1), logger: logger)
        do {
            let outcome = try await owner.withConnection { connection -> SlotOutcome in
                connection.markSessionChanged()
                guard try await connection.scalar("SELECT pg_try_advisory_lock(\(Self.lockKey))", as: Bool.self) == true else {
                    logger.info("Another instance is taking the scheduled backup")
                    return .skipped
                }
                do {
                    try await BackupRun.abandonStale(on: connection)
                    if try await BackupRun.scheduledRunExists(since: slot, on: connection) {
                        _ = try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
                        return .skipped
                    }
                    let created = try await backups.create(in: directory, trigger: .schedule)
                    try await BackupRun.prune(on: connection)
                    _ = try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
                    return .written(created.file)
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
                    throw error
                }
            }
            await owner.close()
            if case .written = outcome {
                let (directory, keep, maxAge) = (directory, settings.keep, settings.maxAgeDays)
                let removed = try await offThread { try BackupRetention.prune(directory, keep: keep, maxAgeDays: maxAge) }
                if !removed.isEmpty { logger.info("Old backups removed", metadata: ["files": "\(removed.joined(separator: ", "))"]) }
            }
            return outcome
        } catch {
            await owner.close()
            throw error
        }
    }
}

/// Which backup archives a folder holds, and which of them retention removes.
public enum BackupRetention {
    public struct Archive: Sendable {
        public let file: URL
        public let size: Int64
        public let modified: Date
    }

    /// `portico-backup-*.tar` files, newest first.
    public static func archives(in directory: URL) -> [Archive] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix(Backups.archivePrefix) && $0.hasSuffix(Backups.archiveSuffix) }
            .compactMap { name in
                let url = directory.appendingPathComponent(name)
                guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return nil }
                return Archive(
                    file: url, size: (attributes[.size] as? Int64) ?? 0, modified: (attributes[.modificationDate] as? Date) ?? .distantPast)
            }
            .sorted { ($0.modified, $0.file.lastPathComponent) > ($1.modified, $1.file.lastPathComponent) }
    }

    /// Deletes archives beyond the newest `keep` and those older than `maxAgeDays`; the newest
    /// one always stays. Also clears working folders a crashed backup left (older than a day).
    /// Returns the names removed. Blocks.
    public static func prune(_ directory: URL, keep: Int, maxAgeDays: Int, now: Date = Date()) throws -> [String] {
        let cutoff = now.addingTimeInterval(-Double(maxAgeDays) * 86_400)
        var removed: [String] = []
        for (index, archive) in archives(in: directory).enumerated() where index > 0 && (index >= keep || archive.modified < cutoff) {
            try FileManager.default.removeItem(at: archive.file)
            removed.append(archive.file.lastPathComponent)
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where name.hasPrefix(".portico-backup-") {
            let url = directory.appendingPathComponent(name)
            if let modified = try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date,
                modified < now.addingTimeInterval(-86_400)
            {
                try? FileManager.default.removeItem(at: url)
            }
        }
        return removed
    }
}

extension BackupService {
    /// The service `serve` runs when `PORTICO_BACKUP_SCHEDULE` is set; nil otherwise.
    public static func scheduled(configuration: AppConfiguration, ownerURL: String?, logger: Logger) throws -> BackupService? {
        guard let schedule = configuration.backup.schedule, let directory = configuration.backup.directory else { return nil }
        guard let ownerURL else {
            throw ConfigurationError(
                variable: "MIGRATE_DATABASE_URL",
                message: "must be set for scheduled backups (PORTICO_BACKUP_SCHEDULE is set): pg_dump runs as the schema owner")
        }
        return BackupService(
            backups: Backups(ownerURL: ownerURL, dataDirectory: configuration.dataDirectory, logger: logger),
            settings: configuration.backup, schedule: schedule, directory: directory, logger: logger)
    }
}
