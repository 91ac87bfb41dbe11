import Foundation
import PorticoCrypto
import Postgres

/// A platform operator's session, with the operator's current state.
public struct OperatorSession: Sendable, Decodable {
    public let tokenHash: String
    public let operatorId: UUID
    public let csrfToken: String
    public let secondFactorPending: Bool
    public let email: String
    public let status: String
    public let totpSecret: String?
    public let totpEnabledAt: Date?
}

/// Operators: setup through a one-time link, password plus a mandatory TOTP second factor,
/// sessions in `operator_sessions` (platform-level: operators belong to no tenant).
public struct OperatorAccounts: Sendable {
    let hasher: PasswordHasher
    let passwordPolicy: PasswordPolicy
    let pool: ConnectionPool
    let rateLimiter: RateLimiter
    static let idle: Duration = .seconds(30 * 60)
    static let absolute: Duration = .seconds(12 * 3600)

    func createSession(operatorID: UUID, ip: String, userAgent: String, in transaction: some QueryRunner) async throws -> String {
        let token = SecureRandom.token()
        try await transaction.execute(
            """
            INSERT INTO operator_sessions (token_hash, operator_id, csrf_token, second_factor_pending, idle_timeout_seconds, expires_at, ip, user_agent)
            VALUES (\(Digest.sha256Hex(token)), \(operatorID), \(SecureRandom.token()), true, \(Int(Self.idle.components.seconds)),
                    now() + make_interval(secs => \(Int(Self.absolute.components.seconds))), \(String(ip.prefix(64))), \(String(userAgent.prefix(500))))
            """)
        return token
    }

    public func session(token: String) async throws -> OperatorSession? {
        guard token.count >= 20, token.count <= 100 else { return nil }
        return try await pool.withTransaction { tx in
            guard
                let session = try await tx.first(
                    """
                    SELECT s.token_hash, s.operator_id, s.csrf_token, s.second_factor_pending, o.email, o.status, o.totp_secret, o.totp_enabled_at
                      FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
                     WHERE s.token_hash = \(Digest.sha256Hex(token)) AND s.expires_at > now()
                       AND s.last_seen_at > now() - make_interval(secs => s.idle_timeout_seconds)
                    """)?.decode(OperatorSession.self)
            else { return nil }
            try await tx.execute(
                """
                UPDATE operator_sessions SET last_seen_at = now() WHERE token_hash = \(session.tokenHash) AND last_seen_at < now() - interval '60 seconds'
                """)
            return session.status == "active" ? session : nil
        }
    }

    public func signOut(token: String) async throws {
        try await pool.query("DELETE FROM operator_sessions WHERE token_hash = \(Digest.sha256Hex(token))")
    }

    /// Password step. The session it returns still owes the TOTP code (or enrolment).
    public func signIn(email rawEmail: String, password: String, origin: RequestOrigin) async throws -> String? {
        let email = EmailAddress.normalize(rawEmail) ?? rawEmail.lowercased()
        let limits = SignInLimits(limiter: rateLimiter)
        let buckets = limits.buckets(scope: .operatorConsole, kind: "", identifier: email, ip: origin.ip)
        try await limits.admit(buckets)
        let row = try await pool.query("SELECT id, password_hash, status FROM operators WHERE email = \(email)").rows.first
        let hash: String? = try row?.decode("password_hash")
        var matches = false
        if let hash, password.count <= 512 {
            matches = try await hasher.verify(password, against: hash).matches
        } else {
            _ = try await hasher.verifyDummy(password)
        }
        guard matches, let row, try row.decode("status", as: String.self) == "active" else {
            try await limits.recordFailure(buckets, accounts: 0)
            PorticoMetrics.signInFailed(actor: "operator")
            return nil
        }
        try await limits.recordSuccess(buckets)
        return try await pool.withTransaction { tx in
            try await createSession(operatorID: try row.decode("id"), ip: origin.ip, userAgent: origin.userAgent, in: tx)
        }
    }

    /// Setup link: sets the password and opens a session that must enrol TOTP next.
    public func completeSetup(token: String, password: String, origin: RequestOrigin) async throws -> String {
        let email = try await pool.query(
            """
            SELECT o.email FROM operator_tokens t JOIN operators o ON o.id = t.operator_id
             WHERE t.token_hash = \(Digest.sha256Hex(token)) AND t.kind = 'setup' AND t.consumed_at IS NULL AND t.expires_at > now()
            """
        ).rows.first?.decode("email", as: String.self)
        guard let email else { throw CustomerAccounts.invalidLink }
        if let problem = passwordPolicy.problem(with: password, email: email) { throw AppError.validation(["password": problem]) }
        let hash = try await hasher.hash(password)
        return try await pool.withTransaction { tx in
            guard
                let operatorID = try await tx.first(
                    """
                    UPDATE operator_tokens SET consumed_at = now()
                     WHERE token_hash = \(Digest.sha256Hex(token)) AND kind = 'setup' AND consumed_at IS NULL AND expires_at > now()
                    RETURNING operator_id
                    """)?.decode("operator_id", as: UUID.self)
            else { throw CustomerAccounts.invalidLink }
            try await tx.execute(
                """
                UPDATE operators SET password_hash = \(hash), status = 'active', totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL
                 WHERE id = \(operatorID)
                """)
            try await tx.execute("DELETE FROM operator_sessions WHERE operator_id = \(operatorID)")
            return try await createSession(operatorID: operatorID, ip: origin.ip, userAgent: origin.userAgent, in: tx)
        }
    }

    public func setupTokenIsValid(_ token: String) async throws -> Bool {
        try await pool.query(
            """
            SELECT 1 FROM operator_tokens WHERE token_hash = \(Digest.sha256Hex(token)) AND kind = 'setup' AND consumed_at IS NULL AND expires_at > now()
            """
        ).rows.first != nil
    }

    /// A TOTP secret for an operator who has none enabled yet (created on first call).
    public func enrolmentSecret(for session: OperatorSession) async throws -> String {
        if let secret = session.totpSecret, session.totpEnabledAt == nil { return secret }
        guard session.totpEnabledAt == nil else {
            throw AppError(.conflict, code: "totp_enabled", "An authenticator is already enrolled.")
        }
        let secret = TOTPCodes.newSecret()
        try await pool.query(
            """
            UPDATE operators SET totp_secret = \(secret), totp_last_step = NULL WHERE id = \(session.operatorId) AND totp_enabled_at IS NULL
            """)
        return secret
    }

    /// Confirms enrolment; returns the fresh session token and the recovery codes.
    public func confirmEnrolment(session: OperatorSession, token: String, code: String) async throws -> (String, [String])? {
        guard let secret = session.totpSecret, session.totpEnabledAt == nil else { return nil }
        let codes = TOTPCodes.newRecoveryCodes()
        let fresh = try await pool.withTransaction { tx -> String? in
            guard try await TOTPCodes.consume(code, secret: secret, table: .operators, id: session.operatorId, in: tx) else { return nil }
            try await tx.execute("UPDATE operators SET totp_enabled_at = now() WHERE id = \(session.operatorId)")
            try await tx.execute("DELETE FROM operator_recovery_codes WHERE operator_id = \(session.operatorId)")
            for recovery in codes {
                try await tx.execute(
                    "INSERT INTO operator_recovery_codes (operator_id, code_hash) VALUES (\(session.operatorId), \(TOTPCodes.hashRecoveryCode(recovery)))"
                )
            }
            return try await rotate(token: token, in: tx)
        }
        guard let fresh else { return nil }
        return (fresh, codes)
    }

    /// The second factor at sign-in: a TOTP code or a recovery code.
    public func completeSecondFactor(session: OperatorSession, token: String, code: String) async throws -> String? {
        // Only wrong codes count toward the limit.
        let bucket = RateLimiter.bucket(.totp, "operator", session.operatorId.uuidString)
        let decision = try await rateLimiter.check(.totp, bucket: bucket)
        if !decision.allowed { throw RateLimiter.tooMany(retryAfter: decision.retryAfter) }
        guard let secret = session.totpSecret, session.totpEnabledAt != nil else { return nil }
        let fresh = try await pool.withTransaction { tx -> String? in
            var accepted = try await TOTPCodes.consume(code, secret: secret, table: .operators, id: session.operatorId, in: tx)
            if !accepted {
                accepted =
                    try await tx.execute(
                        """
                        UPDATE operator_recovery_codes SET used_at = now()
                         WHERE operator_id = \(session.operatorId) AND code_hash = \(TOTPCodes.hashRecoveryCode(code)) AND used_at IS NULL
                        """) == 1
            }
            guard accepted else { return nil }
            try await tx.execute("UPDATE operators SET last_sign_in_at = now() WHERE id = \(session.operatorId)")
            return try await rotate(token: token, in: tx)
        }
        if fresh == nil {
            let counted = try await rateLimiter.hit(.totp, bucket: bucket)
            if !counted.allowed { throw RateLimiter.tooMany(retryAfter: counted.retryAfter) }
        }
        return fresh
    }

    /// Replaces a pending session with a full one (fresh token).
    func rotate(token: String, in tx: Transaction) async throws -> String {
        let fresh = SecureRandom.token()
        try await tx.execute(
            """
            INSERT INTO operator_sessions (token_hash, operator_id, csrf_token, second_factor_pending, idle_timeout_seconds, expires_at, ip, user_agent)
            SELECT \(Digest.sha256Hex(fresh)), operator_id, \(SecureRandom.token()), false, idle_timeout_seconds, expires_at, ip, user_agent
              FROM operator_sessions WHERE token_hash = \(Digest.sha256Hex(token))
            """)
        try await tx.execute("DELETE FROM operator_sessions WHERE token_hash = \(Digest.sha256Hex(token))")
        return fresh
    }
}
