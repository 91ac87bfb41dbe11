import Foundation
import HTTPTypes
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

/// The workers store their diagnostics in English; the consoles show them in the reader's
/// language, keeping what a receiver or mail server said word for word.
@Suite("Delivery diagnostics in the reader's language")
struct DeliveryDiagnosticTests {
    static let every: [DeliveryDiagnostic] = [
        .gaveUp(attempts: 4, last: "The receiver answered 500: oops"),
        .gaveUp(attempts: 10, last: "451 4.7.1 try later"),
        .receiverAnswered(status: 503, excerpt: ""),
        .receiverAnswered(status: 500, excerpt: "{\"error\": \"down\"}"),
        .timedOut("Operation timed out after 10000 milliseconds"),
        .didNotFinish, .webhookReleasedAtShutdown, .webhookWorkerStopped, .emailReleasedAtShutdown, .emailWorkerStopped,
        .emailUncertainTwice, .emailUncertainTwiceAfter("Connection reset by peer"), .invalidEndpoint,
        .schemeRefused("http"), .invalidAddress("0x7f.1.2.3.4"), .privateAddress("10.0.0.7"), .localName("LOCALHOST."),
        .resolvesToPrivate(host: "hooks.example.net", address: "192.168.1.4"),
        .other("Could not resolve host: hooks.invalid"),
    ]

    @Test("every sentence a worker stores reads back as itself")
    func roundTrip() {
        for diagnostic in Self.every {
            #expect(DeliveryDiagnostic.parse(diagnostic.stored) == diagnostic, "\(diagnostic.stored)")
        }
    }

    @Test("every sentence has a text in every language; what others said stays as they said it")
    func shownInEveryLanguage() throws {
        let catalogs = try MessageCatalogTests.shipped()
        for language in [Language.es, .ptBR, .fr] {
            let texts = catalogs.texts(language)
            for diagnostic in Self.every where diagnostic != .other("Could not resolve host: hooks.invalid") {
                let shown = Texts.$current.withValue(texts) { diagnostic.shown }
                #expect(shown != diagnostic.stored, "\(language) \(diagnostic.stored)")
                #expect(!shown.contains("diagnostics."), "\(language): a missing key in \(shown)")
            }
        }
        let spanish = catalogs.texts(.es)
        #expect(
            Texts.$current.withValue(spanish) { DeliveryDiagnostic.shown("Gave up after 4 attempts. Last error: The receiver answered 500: oops") }
                == "Se abandonó tras 4 intentos. Último error: El receptor respondió 500: oops")
        #expect(Texts.$current.withValue(spanish) { DeliveryDiagnostic.shown("Could not resolve host: x") } == "Could not resolve host: x")
        #expect(Texts.$current.withValue(spanish) { DeliveryDiagnostic.shown(nil) } == nil)
    }

    @Test("a Spanish-console admin reads a dead email's reason in Spanish, the mail server's reply unchanged")
    func outboxInSpanish() async throws {
        try await SpanishConsoleFixture.withSignedInAdmin { zenith, app, browser in
            let (_, customer) = try await zenith.subscriber()
            guard case .tenant(let resolved) = try await app.dependencies.directory.resolve(host: zenith.host) else {
                Issue.record("the tenant did not resolve")
                return
            }
            let stored = DeliveryDiagnostic.gaveUp(attempts: 10, last: "451 4.7.1 try later").column
            try await zenith.transaction { tx in
                try await app.dependencies.outbox.enqueue(
                    .welcome, to: customer.email, name: customer.name, tenant: resolved, values: ["actionUrl": resolved.url("/portal")], in: tx)
                try await tx.execute("UPDATE outbox SET status = 'dead', attempts = 10, last_error = \(stored)")
            }
            let page = try await browser.get("/admin/outbox")
            #expect(page.body.contains(#"<html lang="es">"#))
            #expect(page.body.contains("Se abandonó tras 10 intentos. Último error: 451 4.7.1 try later"))
            #expect(!page.body.contains("Gave up"))
        }
    }
}
