import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Testing

@Suite("Webhooks and branding settings in the staff member's language")
struct WebhookBrandingLanguageTests {
    @Test("a Spanish-console admin sees why a webhook URL is refused, the event labels and the branding checks in Spanish")
    func refusalsInSpanish() async throws {
        try await SpanishConsoleFixture.withSignedInAdmin { _, _, browser in
            let list = try await browser.get("/admin/webhooks", headers: [.acceptLanguage: "en-US,en;q=0.9"])
            #expect(list.body.contains(#"<html lang="es">"#))
            #expect(list.body.contains(">Nuevo endpoint<"))
            #expect(list.body.contains("Orden de trabajo creada <code>work_order.created</code>"))

            let refused = try await browser.post("/admin/webhooks", ["url": "https://127.0.0.1/hooks", "event_work_order_created": "on"])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.body.contains("Usa un host público: los webhooks no se envían a direcciones de loopback, privadas ni de enlace local."))
            #expect(!refused.body.contains("Use a public host"))
            let noEvents = try await browser.post("/admin/webhooks", ["url": "https://hooks.example.net/x"])
            #expect(noEvents.body.contains("Elige al menos un evento para enviar."))

            let created = try await browser.post("/admin/webhooks", ["url": "https://hooks.example.net/x", "event_work_order_created": "on"])
            #expect(created.body.contains("Endpoint creado. Copia ahora el secreto de firma: no se vuelve a mostrar."))
            #expect(created.body.contains(">Secreto de firma<"))

            _ = try await browser.get("/admin/branding")
            let branding = try await browser.post(
                "/admin/branding",
                [
                    "company_name": "Zenith Red", "color_primary": "#ffff00", "color_secondary": "#4b5563", "color_accent": "#b45309",
                    "color_background": "#ffffff", "color_text": "#1f2933", "support_email": "nadie", "theme": "default",
                ])
            #expect(branding.status == .unprocessableContent)
            #expect(branding.body.contains("Escribe una dirección de correo como support@example.net."))
            #expect(branding.body.contains("Enlaces y botones con contorno (color principal) sobre el fondo de la página: #ffff00 sobre #ffffff"))
            #expect(branding.body.contains("Algunos colores se leen mal juntos o no son colores válidos. No se guardó nada."))
        }
    }
}
