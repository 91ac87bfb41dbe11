import ArgumentParser
import Foundation
import Portico

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up, verify and restore the whole deployment (database and uploaded files).",
        discussion:
            "Runs as the schema owner (MIGRATE_DATABASE_URL, or the embedded cluster's owner). See docs/operator-guide.md, \"Backups and restore\".",
        subcommands: [Create.self, List.self, Verify.self, Restore.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a backup archive (pg_dump of the database, uploaded files, manifest).")
        @Option(help: "Folder for the archive (default: PORTICO_BACKUP_DIR, else <data dir>/backups).") var output: String?
        @Flag(help: "Then remove old archives there: keep PORTICO_BACKUP_KEEP (7), none older than PORTICO_BACKUP_MAX_AGE_DAYS (30).") var prune =
            false

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                print(try await BackupCommands.create(configuration: configuration, output: output, prune: prune))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the backups in a folder, newest first.")
        @Option(help: "Folder to list (default: PORTICO_BACKUP_DIR, else <data dir>/backups).") var dir: String?

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                print(try await BackupCommands.list(configuration: configuration, directory: dir))
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a backup: manifest, every checksum, and that pg_restore reads the dump. Exit 1 if not sound.")
        @Argument(help: "The backup archive.") var file: String

        func run() async throws {
            try await reportingErrors {
                let (ok, report) = try await BackupCommands.verify(file: file)
                print(report)
                if !ok { throw ExitCode.failure }
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a backup into an empty database and file store.",
            discussion: "Refuses a backup from a newer schema than this binary knows, and a non-empty database or file store unless --force."
        )
        @Argument(help: "The backup archive.") var file: String
        @Flag(help: "Replace what is there: drop everything the owner role owns in the database, move existing files aside.") var force = false

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                print(try await BackupCommands.restore(configuration: configuration, file: file, force: force))
            }
        }
    }
}
