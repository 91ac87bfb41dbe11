import ArgumentParser
import Foundation
import Portico

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply, revert or list database migrations (runs as the schema owner).",
        subcommands: [Up.self, Down.self, Status.self]
    )

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations.")
        @Argument(help: "Apply at most this many.") var count: Int?

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                let applied = try await MigrationCommands.up(configuration: configuration, limit: count)
                print(applied.isEmpty ? "Nothing to apply: the schema is up to date." : applied.map { "applied \($0)" }.joined(separator: "\n"))
            }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revert the newest migrations.")
        @Argument(help: "How many to revert.") var count: Int = 1

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                let reverted = try await MigrationCommands.down(configuration: configuration, count: count)
                print(reverted.isEmpty ? "Nothing to revert." : reverted.map { "reverted \($0)" }.joined(separator: "\n"))
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List migrations and whether they are applied.")

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                print(try await MigrationCommands.status(configuration: configuration))
            }
        }
    }
}
