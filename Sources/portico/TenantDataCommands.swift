import ArgumentParser
import Foundation
import Portico

extension TenantCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write everything a tenant owns to a .tar.gz: JSON Lines per table, CSVs, files, and a README of the format.")
        @Argument(help: "The tenant's slug.") var slug: String
        @Option(help: "The archive to write (must not exist), e.g. acme-export.tar.gz.") var output: String

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                print(
                    try await CommandEnvironment.run(configuration) { try await TenantCommands.export(slug: slug, output: output, environment: $0) })
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a suspended tenant: every row and every file, for good.",
            discussion: "Export it first. Needs the slug typed again: --confirm SLUG, or at the prompt when run in a terminal."
        )
        @Argument(help: "The tenant's slug.") var slug: String
        @Option(help: "The slug again, to confirm.") var confirm: String?

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                let confirmation: String
                if let confirm {
                    confirmation = confirm
                } else if isatty(STDIN_FILENO) == 1 {
                    print("This deletes every row and file of \(slug) permanently. Type the slug to confirm: ", terminator: "")
                    confirmation = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces) ?? ""
                } else {
                    throw ValidationError("Pass --confirm \(slug) to confirm the deletion (no terminal to ask in).")
                }
                print(
                    try await CommandEnvironment.run(configuration) {
                        try await TenantCommands.delete(slug: slug, confirmation: confirmation, environment: $0)
                    })
            }
        }
    }
}
