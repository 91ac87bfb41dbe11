import Mailer
import Testing

@Suite("Mailer module")
struct MailerSmokeTests {
    @Test("the module links") func links() { #expect(Bool(true)) }
}
