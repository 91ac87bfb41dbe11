import Foundation

/// NIST SP 800-63B style rules: long enough, not absurdly long, no composition rules, not
/// one of the most common passwords, not the email address.
public struct PasswordPolicy: Sendable {
    public static let minimumLength = 10
    public static let maximumLength = 128

    private let common: Set<String>

    public init(common: Set<String>) {
        self.common = common
    }

    /// The shipped list of 30,000 common passwords (`Resources/common-passwords.txt`).
    public static let standard: PasswordPolicy = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else {
            fatalError("Portico's resource bundle lacks common-passwords.txt; reinstall it next to the executable")
        }
        let words = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("#") }.map { $0.lowercased() }
        return PasswordPolicy(common: Set(words))
    }()

    public var commonCount: Int { common.count }

    /// A message explaining why the password is refused, or nil if it is acceptable.
    public func problem(with password: String, email: String?) -> String? {
        let length = password.count
        if length < Self.minimumLength {
            return L10n.t("validation.password.tooShort", ["min": "\(Self.minimumLength)"])
        }
        if length > Self.maximumLength {
            return L10n.atMostCharacters(Self.maximumLength)
        }
        let lowered = password.lowercased()
        if common.contains(lowered) {
            return L10n.t("validation.password.common")
        }
        if let email, !email.isEmpty {
            let address = email.lowercased()
            let local = address.split(separator: "@").first.map(String.init) ?? address
            if lowered == address || (local.count >= 4 && lowered == local) {
                return L10n.t("validation.password.email")
            }
        }
        if Set(lowered).count <= 2 {
            return L10n.t("validation.password.repetitive")
        }
        return nil
    }
}
