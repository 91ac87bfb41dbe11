import Foundation

/// A custom domain as an admin typed it, normalised to what DNS and the `Host` header carry:
/// trimmed, lower-cased, without a trailing dot, internationalised labels in their ASCII
/// (`xn--`, punycode) form. Refused with a message that says what is wrong: not a name, an
/// IP address, a character no domain can hold, the platform's own domain.
public struct DomainInput: Sendable, Equatable {
    /// The name as stored and looked up (`xn--mnchen-3ya.example`).
    public let ascii: String
    /// The name as typed when it was internationalised (`münchen.example`), else nil.
    public let unicode: String?

    public init(ascii: String, unicode: String?) {
        self.ascii = ascii
        self.unicode = unicode
    }

    /// `text` normalised, or the reason it cannot be a custom domain of a tenant.
    public static func parse(_ text: String, configuration: AppConfiguration) -> Result<DomainInput, Problem> {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return .failure(Problem(L10n.t("domains.problem.empty"))) }
        let shown = trimmed.count > 80 ? String(trimmed.prefix(80)) + "…" : trimmed
        if trimmed.contains("://") || trimmed.contains("/") || trimmed.contains("@") || trimmed.contains(":") {
            return .failure(Problem(L10n.t("domains.problem.nameOnly", ["domain": shown])))
        }
        // UTS #46 maps the ideographic and full-width full stops to dots; lower-case, NFC.
        var name = trimmed.replacingOccurrences(of: "\u{3002}", with: ".")
            .replacingOccurrences(of: "\u{FF0E}", with: ".").replacingOccurrences(of: "\u{FF61}", with: ".")
            .lowercased().precomposedStringWithCanonicalMapping
        if name.hasSuffix(".") { name.removeLast() }
        let isInternational = name.unicodeScalars.contains { !$0.isASCII }
        var ascii = name
        if isInternational {
            var labels: [String] = []
            for label in name.split(separator: ".", omittingEmptySubsequences: false) {
                if label.unicodeScalars.allSatisfy(\.isASCII) {
                    labels.append(String(label))
                    continue
                }
                if let bad = label.unicodeScalars.first(where: { !Self.allowedInLabel($0) }) {
                    let code = "U+" + String(bad.value, radix: 16, uppercase: true)
                    return .failure(
                        Problem(L10n.t("domains.problem.badCharacter", ["domain": shown, "character": String(Character(bad)), "code": code])))
                }
                guard let encoded = Punycode.encode(String(label)) else {
                    return .failure(Problem(L10n.t("domains.problem.notDomain", ["domain": shown])))
                }
                labels.append("xn--" + encoded)
            }
            ascii = labels.joined(separator: ".")
        }
        guard let host = HostName.normalize(ascii), host.contains(".") else {
            if isInternational, ascii.split(separator: ".").contains(where: { $0.utf8.count > 63 }) {
                return .failure(Problem(L10n.t("domains.problem.labelTooLong", ["domain": shown, "ascii": String(ascii.prefix(80))])))
            }
            return .failure(Problem(L10n.t("domains.problem.notDomain", ["domain": shown])))
        }
        if let problem = TenantOnboarding.customDomainProblem(host, configuration: configuration) {
            return .failure(Problem(problem))
        }
        return .success(DomainInput(ascii: host, unicode: isInternational ? name : nil))
    }

    public struct Problem: Error, Equatable, Sendable {
        public let message: String
        public init(_ message: String) { self.message = message }
    }

    /// Letters (of any script), combining marks, digits and the hyphen: what IDNA 2008
    /// permits in substance. Symbols, punctuation, emoji and spaces are refused.
    public static func allowedInLabel(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (value >= 97 && value <= 122) || (value >= 48 && value <= 57) || value == 45
        }
        switch scalar.properties.generalCategory {
        case .lowercaseLetter, .otherLetter, .modifierLetter, .nonspacingMark, .spacingMark, .decimalNumber:
            return true
        default:
            return false
        }
    }
}

/// Punycode (RFC 3492): a Unicode label as the letters, digits and hyphens DNS carries.
public enum Punycode {
    private static let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700, initialBias = 72, initialN = 128

    /// The encoding of `label`, without the `xn--` prefix; nil on overflow.
    public static func encode(_ label: String) -> String? {
        let input = label.unicodeScalars.map { Int($0.value) }
        var output = String(String.UnicodeScalarView(label.unicodeScalars.filter(\.isASCII)))
        let basic = output.unicodeScalars.count
        var handled = basic
        if basic > 0 { output.append("-") }
        var n = initialN, delta = 0, bias = initialBias
        while handled < input.count {
            guard let next = input.filter({ $0 >= n }).min() else { return nil }
            let (product, overflow) = (next - n).multipliedReportingOverflow(by: handled + 1)
            guard !overflow, delta <= Int(Int32.max) - product else { return nil }
            delta += product
            n = next
            for code in input {
                if code < n { delta += 1 }
                guard code == n else { continue }
                var q = delta
                var k = base
                while true {
                    let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                    if q < t { break }
                    output.append(digit(t + (q - t) % (base - t)))
                    q = (q - t) / (base - t)
                    k += base
                }
                output.append(digit(q))
                bias = adapt(delta, points: handled + 1, first: handled == basic)
                delta = 0
                handled += 1
            }
            delta += 1
            n += 1
        }
        return output
    }

    private static func digit(_ value: Int) -> Character {
        Character(Unicode.Scalar(UInt8(value < 26 ? 97 + value : 22 + value)))
    }

    private static func adapt(_ delta: Int, points: Int, first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / points
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }
}
