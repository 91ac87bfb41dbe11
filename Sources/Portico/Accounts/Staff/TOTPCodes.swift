import Foundation
import HummingbirdOTP
import PorticoCrypto
import Postgres

/// Time-based one-time passwords (RFC 6238, via HummingbirdOTP) and recovery codes.
public enum TOTPCodes {
    /// A new shared secret: 20 random characters (the authenticator sees their base32 form).
    public static func newSecret() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        return String((0..<20).map { _ in alphabet[SecureRandom.index(below: alphabet.count)] })
    }

    /// `otpauth://totp/…` for authenticator apps (typed in or turned into a QR code).
    public static func authenticatorURL(secret: String, account: String, issuer: String) -> String {
        TOTP(secret: secret).createAuthenticatorURL(label: "\(issuer):\(account)", issuer: issuer)
    }

    /// The base32 form of the secret, for typing into an authenticator by hand.
    public static func manualKey(secret: String) -> String {
        let url = authenticatorURL(secret: secret, account: "x", issuer: "x")
        guard let range = url.range(of: "secret=") else { return "" }
        let key = url[range.upperBound...].prefix { $0 != "&" }
        return stride(from: 0, to: key.count, by: 4).map { offset in
            let start = key.index(key.startIndex, offsetBy: offset)
            return String(key[start..<(key.index(start, offsetBy: 4, limitedBy: key.endIndex) ?? key.endIndex)])
        }.joined(separator: " ")
    }

    /// The 30-second time step a code belongs to (RFC 6238: Unix time / 30).
    public static func step(at date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / 30).rounded(.down)) }

    /// The latest time step whose code this is: the current step or a neighbour (clock drift).
    /// Accepting a code means storing its step and refusing that step or an earlier one after
    /// (see `TOTPCodes.consume`), so each code works once.
    public static func matchingStep(_ code: String, secret: String, at date: Date = Date()) -> Int64? {
        let digits = code.filter(\.isNumber)
        guard digits.count == 6, code.count <= 12 else { return nil }
        let totp = TOTP(secret: secret)
        let current = step(at: date)
        var matched: Int64?
        for offset in [-1, 0, 1] as [Int64] {
            let stepStart = Date(timeIntervalSince1970: TimeInterval((current + offset) * 30))
            let expected = String(format: "%06d", totp.compute(date: stepStart))
            if Digest.constantTimeEquals(expected, String(digits)) { matched = current + offset }
        }
        return matched
    }

    /// Whether the code is right for now (reuse is refused by `consume`, not here).
    public static func verify(_ code: String, secret: String, at date: Date = Date()) -> Bool {
        matchingStep(code, secret: secret, at: date) != nil
    }

    /// Accepts a right code only if its step is later than the last step this person used,
    /// recording it in the same statement: a code seen over a shoulder, in a proxy log or typed
    /// twice does not sign anyone in again. `table` is `staff_users` or `operators`.
    static func consume(_ code: String, secret: String, table: AccountTable, id: UUID, in tx: some QueryRunner) async throws -> Bool {
        guard let step = matchingStep(code, secret: secret) else { return false }
        switch table {
        case .staff:
            return try await tx.execute(
                """
                UPDATE staff_users SET totp_last_step = \(step) WHERE id = \(id) AND (totp_last_step IS NULL OR totp_last_step < \(step))
                """) == 1
        case .operators:
            return try await tx.execute(
                """
                UPDATE operators SET totp_last_step = \(step) WHERE id = \(id) AND (totp_last_step IS NULL OR totp_last_step < \(step))
                """) == 1
        }
    }

    enum AccountTable { case staff, operators }

    /// Ten single-use recovery codes like `K7QM-3XPA-TR`.
    public static func newRecoveryCodes() -> [String] {
        (0..<10).map { _ in
            let code = SecureRandom.humanCode(length: 10)
            let characters = Array(code)
            return "\(String(characters[0..<4]))-\(String(characters[4..<8]))-\(String(characters[8..<10]))"
        }
    }

    public static func hashRecoveryCode(_ code: String) -> String {
        Digest.sha256Hex(code.uppercased().filter { $0.isLetter || $0.isNumber })
    }
}
