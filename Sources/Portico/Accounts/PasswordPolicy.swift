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
            return "Use at least \(Self.minimumLength) characters. A few unrelated words make a strong password that is easy to remember."
        }
        if length > Self.maximumLength {
            return "Use at most \(Self.maximumLength) characters."
        }
        let lowered = password.lowercased()
        if common.contains(lowered) {
            return "This password is one of the most commonly used and easy to guess. Choose another."
        }
        if let email, !email.isEmpty {
            let address = email.lowercased()
            let local = address.split(separator: "@").first.map(String.init) ?? address
            if lowered == address || (local.count >= 4 && lowered == local) {
                return "Do not use your email address as your password."
            }
        }
        if Set(lowered).count <= 2 {
            return "This password repeats the same characters and is easy to guess. Choose another."
        }
        return nil
    }
}
