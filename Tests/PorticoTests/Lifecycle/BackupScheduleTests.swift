import Foundation
import Logging
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// Scheduled backups: the schedule syntax, the slots every instance agrees on, one instance
/// per slot (advisory lock plus the recorded run), and retention.
@Suite("Backups: schedule and retention")
struct BackupScheduleTests {
    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test("the schedule reads 'daily HH:MM', 'HH:MM' and 'every N[m|h|d]' and refuses the rest with the variable named")
    func parsing() throws {
        #expect(BackupSchedule.parse("daily 02:30") == .daily(hour: 2, minute: 30))
        #expect(BackupSchedule.parse("23:05") == .daily(hour: 23, minute: 5))
        #expect(BackupSchedule.parse("every 6h") == .every(seconds: 21_600))
        #expect(BackupSchedule.parse("every 15m") == .every(seconds: 900))
        #expect(BackupSchedule.parse("Every 1d") == .every(seconds: 86_400))
        for bad in ["daily 24:00", "every 1m", "every 0h", "weekly", "2:3:4", "every 6x", ""] {
            #expect(BackupSchedule.parse(bad) == nil, "\(bad)")
        }

        let parsed = try BackupSettings.fromEnvironment {
            [
                "PORTICO_BACKUP_DIR": "/var/backups/portico", "PORTICO_BACKUP_SCHEDULE": "daily 03:00",
                "PORTICO_BACKUP_KEEP": "14", "PORTICO_BACKUP_MAX_AGE_DAYS": "60",
            ][$0]
        }
        #expect(
            parsed
                == BackupSettings(
                    directory: URL(fileURLWithPath: "/var/backups/portico"), schedule: .daily(hour: 3, minute: 0), keep: 14, maxAgeDays: 60))
        #expect(try BackupSettings.fromEnvironment { _ in nil }.schedule == nil)

        let bad = #expect(throws: ConfigurationError.self) {
            _ = try AppConfiguration.fromEnvironment(["PORTICO_BACKUP_DIR": "/b", "PORTICO_BACKUP_SCHEDULE": "sometimes"])
        }
        #expect(bad?.variable == "PORTICO_BACKUP_SCHEDULE")
        let noDirectory = #expect(throws: ConfigurationError.self) {
            _ = try AppConfiguration.fromEnvironment(["PORTICO_BACKUP_SCHEDULE": "every 1h"])
        }
        #expect(noDirectory?.variable == "PORTICO_BACKUP_DIR")
        let keep = #expect(throws: ConfigurationError.self) { _ = try AppConfiguration.fromEnvironment(["PORTICO_BACKUP_KEEP": "0"]) }
        #expect(keep?.variable == "PORTICO_BACKUP_KEEP")
    }

    @Test("slots: daily at the time in UTC, intervals aligned to the epoch so every instance computes the same")
    func slots() {
        let daily = BackupSchedule.daily(hour: 2, minute: 30)
        #expect(daily.slot(containing: Self.date("2026-03-10T02:30:00Z")) == Self.date("2026-03-10T02:30:00Z"))
        #expect(daily.slot(containing: Self.date("2026-03-10T02:29:59Z")) == Self.date("2026-03-09T02:30:00Z"))
        #expect(daily.next(after: Self.date("2026-03-10T02:30:00Z")) == Self.date("2026-03-11T02:30:00Z"))
        #expect(daily.next(after: Self.date("2026-03-10T01:00:00Z")) == Self.date("2026-03-10T02:30:00Z"))
        let sixHours = BackupSchedule.every(seconds: 21_600)
        #expect(sixHours.slot(containing: Self.date("2026-03-10T13:59:00Z")) == Self.date("2026-03-10T12:00:00Z"))
        #expect(sixHours.next(after: Self.date("2026-03-10T13:59:00Z")) == Self.date("2026-03-10T18:00:00Z"))
    }

    @Test("retention keeps the newest N and drops those past the age limit, never the newest one")
    func retention() throws {
        let folder = try LifecycleSupport.temporaryDirectory("retention")
        defer { try? FileManager.default.removeItem(at: folder) }
        let now = Self.date("2026-03-10T12:00:00Z")
        let days = [0, 1, 2, 3, 40, 41]
        for day in days {
            let name = "portico-backup-202603\(String(format: "%02d", 10 - min(day, 9)))T0\(day % 10)0000Z-\(day).tar"
            let url = folder.appendingPathComponent(name)
            try Data("x".utf8).write(to: url)
            try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-Double(day) * 86_400)], ofItemAtPath: url.path)
        }
        try Data("not ours".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        let removed = try BackupRetention.prune(folder, keep: 3, maxAgeDays: 30, now: now)
        #expect(removed.count == 3)
        let kept = BackupRetention.archives(in: folder).map { $0.modified }
        #expect(kept.count == 3)
        #expect(kept.allSatisfy { now.timeIntervalSince($0) < 30 * 86_400 })
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("notes.txt").path))

        // Everything is old: the newest still stays.
        let stale = try LifecycleSupport.temporaryDirectory("retention-stale")
        defer { try? FileManager.default.removeItem(at: stale) }
        for name in ["portico-backup-20250101T000000Z.tar", "portico-backup-20250102T000000Z.tar"] {
            let url = stale.appendingPathComponent(name)
            try Data("x".utf8).write(to: url)
            try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-90 * 86_400)], ofItemAtPath: url.path)
        }
        #expect(try BackupRetention.prune(stale, keep: 7, maxAgeDays: 30, now: now) == ["portico-backup-20250101T000000Z.tar"])
    }

    @Test("one instance per slot: a held lock or a run already recorded for the slot means skip; a fresh slot is backed up")
    func oneInstancePerSlot() async throws {
        let database = try await TestCluster.migratedScratchDatabase(prefix: "backup_schedule")
        let data = try LifecycleSupport.temporaryDirectory("schedule-data")
        let folder = try LifecycleSupport.temporaryDirectory("schedule-backups")
        defer {
            Task { await database.drop() }
            try? FileManager.default.removeItem(at: data)
            try? FileManager.default.removeItem(at: folder)
        }
        let logger = TestLogging.logger("backup-schedule")
        let settings = BackupSettings(directory: folder, schedule: .every(seconds: 3600), keep: 2, maxAgeDays: 30)
        func instance() -> BackupService {
            BackupService(
                backups: Backups(ownerURL: database.ownerURL, dataDirectory: data, logger: logger), settings: settings,
                schedule: .every(seconds: 3600), directory: folder, logger: logger)
        }
        let slot = BackupSchedule.every(seconds: 3600).slot(containing: Date())

        // Another instance holds the lock for the whole of its backup.
        let other = ConnectionPool(configuration: PoolConfiguration(conninfo: database.ownerURL, maxConnections: 1))
        try await other.withConnection { connection in
            connection.markSessionChanged()
            #expect(try await connection.scalar("SELECT pg_try_advisory_lock(7243113017)", as: Bool.self) == true)
            #expect(try await instance().runSlot(slot) == .skipped)
            _ = try await connection.query("SELECT pg_advisory_unlock(7243113017)")
        }
        await other.close()
        #expect(BackupRetention.archives(in: folder).isEmpty)

        // Two instances waking for the same slot, one after the other: one backup.
        guard case .written(let file) = try await instance().runSlot(slot) else {
            Issue.record("the first instance did not take the backup")
            return
        }
        #expect(try await BackupVerification.check(file).isValid)
        #expect(try await instance().runSlot(slot) == .skipped)
        #expect(BackupRetention.archives(in: folder).count == 1)

        // Later slots are taken again; retention keeps two.
        for hours in 1...2 {
            guard case .written = try await instance().runSlot(slot.addingTimeInterval(Double(hours) * 3600)) else {
                Issue.record("slot +\(hours)h was not backed up")
                return
            }
        }
        #expect(BackupRetention.archives(in: folder).count == 2)
        let app = ConnectionPool(configuration: PoolConfiguration(conninfo: database.appURL, maxConnections: 1))
        let runs = try await BackupStatus.load(pool: app).recent
        await app.close()
        #expect(runs.first?.trigger == "schedule")
        #expect(runs.allSatisfy { $0.status == "succeeded" })
    }
}

/// The systemd timer route stays true to the CLI.
@Suite("deploy/: backup units")
struct BackupDeployFilesTests {
    static func read(_ path: String) throws -> String {
        try String(contentsOf: LifecycleSupport.repositoryRoot.appendingPathComponent(path), encoding: .utf8)
    }

    @Test("portico-backup.service runs `backup create --prune` as the owner from the credential file; the timer starts it nightly")
    func units() throws {
        let service = try Self.read("deploy/portico-backup.service")
        let execStart = try #require(service.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        #expect(execStart.contains("MIGRATE_DATABASE_URL=\"$$(cat %d/migrate-database-url)\""))
        #expect(execStart.contains("/usr/local/bin/portico backup create --output /var/backups/portico --prune"))
        #expect(service.contains("LoadCredential=migrate-database-url:/etc/portico/migrate-database-url"))
        #expect(service.contains("User=portico") && service.contains("Type=oneshot"))
        #expect(service.contains("ReadWritePaths=/var/lib/portico /var/backups/portico"))
        let timer = try Self.read("deploy/portico-backup.timer")
        #expect(timer.contains("OnCalendar=") && timer.contains("Persistent=true") && timer.contains("WantedBy=timers.target"))
        // And the container image carries pg_dump.
        #expect(try Self.read("deploy/Containerfile").contains("postgresql-client"))
    }

    @Test("serve with a schedule but without the owner's URL stops with the variable named")
    func scheduleNeedsTheOwner() throws {
        var configuration = AppConfiguration()
        configuration.backup = BackupSettings(directory: URL(fileURLWithPath: "/tmp/b"), schedule: .daily(hour: 2, minute: 0))
        let error = #expect(throws: ConfigurationError.self) {
            _ = try BackupService.scheduled(configuration: configuration, ownerURL: nil, logger: Logger(label: "test"))
        }
        #expect(error?.variable == "MIGRATE_DATABASE_URL")
        #expect(try BackupService.scheduled(configuration: AppConfiguration(), ownerURL: nil, logger: Logger(label: "test")) == nil)
        #expect(try BackupService.scheduled(configuration: configuration, ownerURL: "postgresql://o@h/d", logger: Logger(label: "test")) != nil)
    }
}
