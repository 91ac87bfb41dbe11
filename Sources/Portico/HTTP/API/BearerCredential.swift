import Hummingbird

/// The credential of an `Authorization: Bearer …` header.
enum BearerCredential {
    static func from(_ request: Request) throws -> String {
        guard let header = request.headers[.authorization], !header.isEmpty else {
            throw APIAuthError.missing
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw APIAuthError.malformed
        }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }
}

/// 401s of the API. One message for unknown, expired, revoked and other-tenant credentials,
/// so a probe learns nothing about which it was.
enum APIAuthError {
    static let missing = AppError(
        .unauthorized, code: "missing_credentials",
        "Send a credential in the Authorization header: `Authorization: Bearer <token>`.")
    static let malformed = AppError(
        .unauthorized, code: "malformed_credentials",
        "The Authorization header must have the form `Bearer <token>`.")
    static let invalidToken = AppError(
        .unauthorized, code: "invalid_token",
        "The access token is unknown, expired or revoked. Refresh it, or sign in again.")
}
