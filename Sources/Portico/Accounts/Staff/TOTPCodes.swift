import Foundation
import HummingbirdOTP
import PorticoCrypto

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

    /// Accepts the code of the current 30-second step or its neighbours (clock drift).
    public static func verify(_ code: String, secret: String, at date: Date = Date()) -> Bool {
        let digits = code.filter(\.isNumber)
        guard digits.count == 6 else { return false }
        let totp = TOTP(secret: secret)
        for offset in [-30.0, 0, 30] {
            let expected = String(format: "%06d", totp.compute(date: date.addingTimeInterval(offset)))
            if Digest.constantTimeEquals(expected, String(digits)) { return true }
        }
        return false
    }

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
