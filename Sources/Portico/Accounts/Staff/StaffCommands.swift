import Foundation

/// `portico staff …` as functions returning what to print, so tests can call them.
public enum StaffCommands {
    /// `portico staff reset-link --tenant SLUG --email EMAIL`: a one-time set-password link for
    /// a tenant's admin, on the tenant's primary domain, audited in the tenant's audit log.
    public static func resetLink(tenant slug: String, email: String, environment: CommandEnvironment) async throws -> String {
        let directory = TenantDirectory(
            store: PostgresTenantStore(pool: environment.pool), configuration: environment.configuration,
            logger: environment.logger)
        // Who ran it, as the audit log's actor: the machine's account (the CLI has no operator sign-in).
        let issued = try await StaffResetLinks.issue(
            slug: slug, email: email, operatorLabel: "portico CLI (\(ProcessInfo.processInfo.userName))",
            operatorID: nil, ip: "",
            pool: environment.pool, directory: directory)
        return """
            Set-password link for \(issued.email) at \(issued.slug) (one use, \(issued.expiresIn.components.seconds / 3600) hours; \
            earlier reset links of this admin no longer work):
              \(issued.link)
            Give it to the admin over a channel you trust. Two-factor sign-in, if enrolled, is still asked for.
            """
    }
}
