import ArgumentParser
import Foundation
import Portico

struct StaffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff",
        abstract: "Help a tenant's staff back into their accounts.",
        subcommands: [ResetLink.self]
    )

    struct ResetLink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-link",
            abstract: "Print a one-time set-password link (24 hours) for a tenant's admin, audited in the tenant's audit log.")

        @Option(help: "The tenant's slug.") var tenant: String
        @Option(help: "The admin's email.") var email: String

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                print(
                    try await CommandEnvironment.run(configuration) { environment in
                        try await StaffCommands.resetLink(tenant: tenant, email: email, environment: environment)
                    })
            }
        }
    }
}
