import ArgumentParser
import Foundation
import Portico

struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-key",
        abstract: "Integration API keys of a tenant.",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key and print it (once: only its hash is stored). Revoke keys in the console under Settings → API keys.")

        @Option(help: "The tenant's slug.") var tenant: String
        @Option(help: "What uses the key, e.g. \"Billing sync\".") var name: String
        @Option(help: "read (look up and list) or write (read and write).") var scope: String = "read"

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                let key = try await CommandEnvironment.run(configuration) { environment in
                    try await APIKeyCommands.create(tenant: tenant, name: name, scope: scope, environment: environment)
                }
                print(key)
            }
        }
    }
}
