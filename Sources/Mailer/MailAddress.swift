/// An email address with an optional display name, checked once so that it can be put
/// into a header and an SMTP command as it is.
///
/// The address must be plain ASCII `local@domain`: Portico does not use SMTPUTF8, so a
/// non-ASCII mailbox could not be delivered, and an internationalised domain must be given
/// in its `xn--` form. The display name may be any text without line breaks; the MIME
/// builder quotes or RFC 2047-encodes it as needed.
public struct MailAddress: Sendable, Equatable, CustomStringConvertible {
    public let address: String
    public let displayName: String?

    /// Longest address SMTP can carry (RFC 5321 path limit minus the angle brackets).
    public static let maximumLength = 254
    static let maximumLocalPartLength = 64

    /// Throws `MailError.invalidHeader` saying what is wrong with `address` or `displayName`.
    public init(_ address: String, displayName: String? = nil) throws {
        try Self.validate(address: address)
        if let displayName {
            guard !HeaderText.containsLineBreakOrNUL(displayName) else {
                throw MailError.invalidHeader("display name \(escapedForMessage(displayName)) contains CR, LF or NUL")
            }
        }
        self.address = address
        self.displayName = displayName?.isEmpty == true ? nil : displayName
    }

    public var description: String {
        if let displayName { return "\(displayName) <\(address)>" }
        return address
    }

    /// The part after the `@`.
    public var domain: String {
        String(address[address.index(after: address.lastIndex(of: "@")!)...])
    }

    private static func validate(address: String) throws {
        func refuse(_ why: String) -> MailError {
            .invalidHeader("address \(escapedForMessage(address)) \(why)")
        }
        if HeaderText.containsLineBreakOrNUL(address) { throw refuse("contains CR, LF or NUL") }
        guard !address.isEmpty else { throw refuse("is empty") }
        guard address.utf8.count <= maximumLength else { throw refuse("is longer than \(maximumLength) characters") }
        guard address.unicodeScalars.allSatisfy(\.isASCII) else {
            throw refuse("contains non-ASCII characters (SMTPUTF8 is not used; give a domain in its xn-- form)")
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw refuse("must contain exactly one @") }
        let (local, domain) = (parts[0], parts[1])
        guard !local.isEmpty, !domain.isEmpty else { throw refuse("needs text before and after the @") }
        guard local.utf8.count <= maximumLocalPartLength else {
            throw refuse("has a local part longer than \(maximumLocalPartLength) characters")
        }
        if let bad = address.unicodeScalars.first(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            throw refuse(bad == " " ? "contains a space" : "contains a control character")
        }
        if address.contains("<") || address.contains(">") { throw refuse("contains an angle bracket") }
        // A dot-atom local part (RFC 5322 atext and dots): no quoted strings or comments.
        guard local.unicodeScalars.allSatisfy({ HeaderText.isAtext($0) || $0 == "." }),
            !local.hasPrefix("."), !local.hasSuffix(".")
        else { throw refuse("has a local part with characters outside RFC 5322 atext (quoted local parts are not supported)") }
        // A host name: labels of letters, digits and hyphens.
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard
            labels.allSatisfy({ label in
                !label.isEmpty && label.utf8.count <= 63
                    && label.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" }
                    && label.first != "-" && label.last != "-"
            })
        else { throw refuse("has a malformed domain (letters, digits, hyphens and dots only)") }
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
