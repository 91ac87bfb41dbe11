import Foundation
import PorticoCrypto
import Postgres

/// `portico operator create --email`: a platform operator, invited with a one-time setup
/// link (operators belong to no tenant; they sign in on the operator host).
public enum OperatorCommands {
    public static func create(email rawEmail: String, environment: CommandEnvironment) async throws -> String {
        guard let email = EmailAddress.normalize(rawEmail) else {
            throw AppError.validation(
                ["email": "'\(rawEmail)' is not a valid email address"], message: "email: '\(rawEmail)' is not a valid email address")
        }
        let token = SecureRandom.token()
        try await environment.pool.withTransaction { transaction in
            let id: UUID
            do {
                id = try await transaction.first("INSERT INTO operators (email) VALUES (\(email)) RETURNING id")!.decode("id", as: UUID.self)
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw AppError(.conflict, code: "operator_exists", "An operator with the email \(email) already exists.")
            }
            try await transaction.execute(
                """
                INSERT INTO operator_tokens (token_hash, kind, operator_id, expires_at)
                VALUES (\(Digest.sha256Hex(token)), 'setup', \(id), now() + interval '7 days')
                """)
        }
        let origin = PublicOrigin(configuration: environment.configuration).origin(host: environment.configuration.operatorHost)
        return """
            Created operator \(email) (invited).
              setup link (one use, 7 days): \(origin)\(OperatorRoutes.setup(token))
              Operators must enrol a TOTP authenticator during setup.
            """
    }
}
