import ArgumentParser
import Foundation
import Portico
import PorticoCrypto

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant",
        abstract: "Onboard and manage tenants (WISPs).",
        subcommands: [Create.self, List.self, Suspend.self, Resume.self, Export.self, Delete.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant with its first admin (invited).")
        @Option(help: "Subdomain: lower-case letters, digits and hyphens, 3–40 characters.") var slug: String
        @Option(help: "Display name of the WISP.") var name: String
        @Option(help: "Email of the first admin; gets a one-time setup link.") var adminEmail: String
        @Option(help: "A custom domain (active once its DNS TXT record is verified).") var domain: String?
        @Option(help: "IANA time zone its people see and enter times in, e.g. America/Chicago.") var timeZone: String = "UTC"
        @Option(help: "The portal's language: en, es, pt-BR or fr (admins can offer more later).") var language = "en"

        func run() async throws {
            let configuration = try loadConfiguration()
            guard let defaultLanguage = Language(code: language) else {
                throw ValidationError("--language must be one of \(Language.allCases.map(\.code).joined(separator: ", ")).")
            }
            try await reportingErrors {
                let output = try await CommandEnvironment.run(configuration) { environment in
                    try await TenantCommands.create(
                        TenantOnboardingRequest(
                            slug: slug, name: name, adminEmail: adminEmail, customDomain: domain, timeZone: timeZone,
                            defaultLanguage: defaultLanguage),
                        environment: environment
                    )
                }
                print(output)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants with their status and usage.")
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                let tenants = try await CommandEnvironment.run(configuration) { try await TenantCommands.list(environment: $0) }
                print(json ? try TenantCommands.listJSON(tenants) : TenantCommands.listText(tenants))
            }
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suspend a tenant: its portal answers 503.")
        @Argument(help: "The tenant's slug.") var slug: String

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                print(try await CommandEnvironment.run(configuration) { try await TenantCommands.setStatus(.suspended, slug: slug, environment: $0) })
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a suspended tenant.")
        @Argument(help: "The tenant's slug.") var slug: String

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                print(try await CommandEnvironment.run(configuration) { try await TenantCommands.setStatus(.active, slug: slug, environment: $0) })
            }
        }
    }
}

struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "Manage platform operators.",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an operator (invited, with a one-time setup link).")
        @Option(help: "The operator's email.") var email: String

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                print(try await CommandEnvironment.run(configuration) { try await OperatorCommands.create(email: email, environment: $0) })
            }
        }
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create the demo tenants acme and zenith (idempotent)."
    )

    func run() async throws {
        let configuration = try loadConfiguration()
        try await reportingErrors {
            let lines = try await CommandEnvironment.run(configuration) { environment in
                let hasher = PasswordHasher()
                let lines = try await DemoData(pool: environment.pool, configuration: environment.configuration, hasher: hasher).seed()
                await hasher.shutdown()
                return lines
            }
            print(lines.joined(separator: "\n"))
            print("Demo accounts (password \(DemoData.password)): admin@acme.example, agent@acme.example, tech@acme.example,")
            print("  dana@acme.example (subscriber); the same names @zenith.example, e.g. ravi@zenith.example.")
        }
    }
}

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Inspect the email outbox.",
        subcommands: [Status.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count messages by status (queued, sending, sent, failed, dead).")

        func run() async throws {
            let configuration = try loadConfiguration()
            try await reportingErrors {
                print(try await CommandEnvironment.run(configuration) { try await OutboxCommands.status(environment: $0) })
            }
        }
    }
}
