import Foundation
import Portico
import Testing

@Suite("Custom domain input: normalisation, IDN to punycode, refusals")
struct DomainInputTests {
    static let configuration = AppConfiguration(baseDomain: "portal.example.net", operatorHost: "operator.example.org")

    static func parse(_ text: String) -> Result<DomainInput, DomainInput.Problem> {
        DomainInput.parse(text, configuration: configuration)
    }

    static func problem(_ text: String) -> String? {
        if case .failure(let problem) = parse(text) { return problem.message }
        return nil
    }

    @Test("Punycode: RFC 3492 sample strings and common names")
    func punycode() {
        #expect(Punycode.encode("münchen") == "mnchen-3ya")
        #expect(Punycode.encode("bücher") == "bcher-kva")
        // RFC 3492 §7.1 (B) Chinese (simplified) and (L) 3<nen>B<gumi><kinpachi><sensei>.
        #expect(Punycode.encode("\u{4ED6}\u{4EEC}\u{4E3A}\u{4EC0}\u{4E48}\u{4E0D}\u{8BF4}\u{4E2D}\u{6587}") == "ihqwcrb4cv8a8dqg056pqjye")
        #expect(Punycode.encode("3\u{5E74}B\u{7D44}\u{91D1}\u{516B}\u{5148}\u{751F}") == "3B-ww4c5e180e575a65lsy2b")
    }

    @Test("ASCII names are trimmed, lower-cased and lose a trailing dot")
    func ascii() throws {
        let parsed = try Self.parse("  Portal.Example.COM. \n").get()
        #expect(parsed == DomainInput(ascii: "portal.example.com", unicode: nil))
        #expect(try Self.parse("xn--mnchen-3ya.example").get().ascii == "xn--mnchen-3ya.example")
    }

    @Test("internationalised names become punycode (NFC first, full-width dots mapped); the typed form is kept for display")
    func internationalised() throws {
        let parsed = try Self.parse("München.example").get()
        #expect(parsed.ascii == "xn--mnchen-3ya.example")
        #expect(parsed.unicode == "münchen.example")
        // Decomposed ü (u + combining diaeresis) is the same name.
        #expect(try Self.parse("mu\u{0308}nchen.example").get().ascii == "xn--mnchen-3ya.example")
        #expect(try Self.parse("portal.bücher\u{3002}example").get().ascii == "portal.xn--bcher-kva.example")
    }

    @Test("refusals name the problem")
    func refusals() throws {
        #expect(Self.problem("")?.contains("enter a domain name") == true)
        #expect(Self.problem("   ")?.contains("enter a domain name") == true)
        #expect(Self.problem("https://portal.example.com/")?.contains("without https://") == true)
        #expect(Self.problem("portal.example.com:443")?.contains("a port") == true)
        #expect(Self.problem("admin@example.com")?.contains("email address") == true)
        #expect(Self.problem("portal example.com")?.contains("is not a domain name") == true)
        #expect(Self.problem("localhost")?.contains("is not a domain name") == true)
        #expect(Self.problem("a..example.com")?.contains("is not a domain name") == true)
        #expect(Self.problem("-bad.example.com")?.contains("is not a domain name") == true)
        #expect(Self.problem("[2001:db8::1]")?.contains("is not a domain name") == true)
        #expect(Self.problem("203.0.113.7")?.contains("not an IP address") == true)
        #expect(Self.problem("\u{2603}.example.com")?.contains("U+2603") == true)
        #expect(Self.problem("smile\u{1F600}.example.com")?.contains("which a domain name cannot hold") == true)
        #expect(Self.problem("caf\u{00E9}!.example.com")?.contains("'!'") == true)
        #expect(Self.problem(String(repeating: "ü", count: 60) + ".example.com")?.contains("too long once converted") == true)
        // The platform's own names.
        #expect(Self.problem("portal.example.net")?.contains("under the platform") == true)
        #expect(Self.problem("acme.portal.example.net")?.contains("under the platform") == true)
        #expect(Self.problem("ACME.Portal.Example.Net.")?.contains("under the platform") == true)
        #expect(Self.problem("operator.example.org")?.contains("operator console") == true)
        // A look-alike of the base domain is a different name: allowed (it must still be verified).
        #expect(try Self.parse("portal.example.net.evil.example").get().ascii == "portal.example.net.evil.example")
    }
}
