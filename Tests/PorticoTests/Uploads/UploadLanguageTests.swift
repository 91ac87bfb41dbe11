import Foundation
import HTTPTypes
import PorticoTestSupport
import Testing

@testable import Portico

/// A refused upload is explained in the language of the page it came from: the sentence, the
/// kinds it names, the list of accepted types and the sizes.
@Suite("Upload refusals in the visitor's language")
struct UploadLanguageTests {
    static func texts(_ language: Language) throws -> Texts {
        try MessageCatalogTests.shipped().texts(language)
    }

    static func refusal(_ language: Language, _ body: () throws -> Void) throws -> AppError? {
        try Texts.$current.withValue(texts(language)) {
            do {
                try body()
                return nil
            } catch let error as AppError {
                return error
            }
        }
    }

    @Test("a renamed file is refused in Spanish, Portuguese and French, naming what it really is")
    func renamedFile() throws {
        let policy = FileTypePolicy.standard
        let png = SampleFile.png()
        let spanish = try Self.refusal(.es) { _ = try policy.check(fileName: "factura.pdf", head: png) }
        #expect(spanish?.code == "upload_content_mismatch")
        #expect(
            spanish?.message
                == "factura.pdf no es un archivo PDF (su contenido parece una imagen PNG). "
                + "Elige el archivo PDF original, o cámbiale el nombre para que termine en .png si de verdad es una imagen PNG.")
        let portuguese = try Self.refusal(.ptBR) { _ = try policy.check(fileName: "foto.png", head: SampleFile.exe()) }
        #expect(
            portuguese?.message
                == "foto.png não é um arquivo PNG (o conteúdo parece ser um programa do Windows). Escolha o arquivo PNG original.")
        let french = try Self.refusal(.fr) { _ = try policy.check(fileName: "plan.dxf", head: Array("hello".utf8)) }
        #expect(
            french?.message == "plan.dxf n’est pas un fichier DXF (nous n’avons pas pu reconnaître son contenu). Choisissez le fichier DXF d’origine."
        )
        let empty = try Self.refusal(.fr) { _ = try policy.check(fileName: "", head: [UInt8]()) }
        #expect(empty?.message.hasPrefix("Le fichier n’est pas un type de fichier accepté.") == true)
    }

    @Test("the accepted types are listed in the language's own order and conjunction")
    func acceptedList() throws {
        let expected: [(Language, String)] = [
            (.en, "JPEG, PNG, HEIC, WebP photos, PDF, DXF and DWG drawings"),
            (.es, "fotos JPEG, PNG, HEIC, WebP, PDF, planos DXF y DWG"),
            (.ptBR, "fotos JPEG, PNG, HEIC, WebP, PDF, desenhos DXF e DWG"),
            (.fr, "photos JPEG, PNG, HEIC, WebP, PDF, plans DXF et DWG"),
        ]
        for (language, list) in expected {
            #expect(try Texts.$current.withValue(Self.texts(language)) { FileTypePolicy.standard.acceptedList } == list, "\(language)")
        }
        let refused = try Self.refusal(.es) { _ = try FileTypePolicy.standard.checkName("setup.exe") }
        #expect(refused?.message == "setup.exe no es un tipo de archivo admitido. Se admiten: fotos JPEG, PNG, HEIC, WebP, PDF, planos DXF y DWG.")
    }

    @Test("sizes use the language's decimal comma and units; counts of bytes are plural-aware")
    func sizes() throws {
        func size(_ language: Language, _ bytes: Int) throws -> String {
            try Texts.$current.withValue(Self.texts(language)) { ByteCountText.describe(bytes) }
        }
        #expect(try size(.en, 15 * 1024 * 1024) == "15 MB")
        #expect(try size(.en, 1536 * 1024) == "1.5 MB")
        #expect(try size(.fr, 1536 * 1024) == "1,5 Mo")
        #expect(try size(.fr, 64 * 1024) == "64 Ko")
        #expect(try size(.es, 1536 * 1024) == "1,5 MB")
        #expect(try size(.fr, 1) == "1 octet")
        #expect(try size(.fr, 900) == "900 octets")
        #expect(try size(.ptBR, 900) == "900 bytes")
    }

    @Test("the upload's own refusals (too many files, a broken or non-form upload) are in the visitor's language")
    func sessionRefusals() throws {
        let notForm = try Self.refusal(.es) { _ = try MultipartHeaders.boundary(contentType: "application/json") }
        #expect(notForm?.code == "upload_not_multipart")
        #expect(
            notForm?.message
                == "La subida llegó como application/json; los archivos deben enviarse como formulario (multipart/form-data). Usa el formulario de subida."
        )
        let noType = try Self.refusal(.fr) { _ = try MultipartHeaders.boundary(contentType: nil) }
        #expect(noType?.message.hasPrefix("L’envoi est arrivé sans Content-Type ; ") == true)
        let malformed = try Texts.$current.withValue(Self.texts(.ptBR)) { UploadSession.malformed }
        #expect(malformed.message == "O envio não era um formulário bem formado. Recarregue a página e tente de novo.")
        let tooLarge = try Texts.$current.withValue(Self.texts(.fr)) { UploadSession.totalTooLarge(.standard) }
        #expect(tooLarge.message == "Cet envoi dépasse 64 Mo au total. Envoyez moins de fichiers à la fois, ou des fichiers plus légers.")
    }

    @Test("a subscriber on a Spanish portal who attaches a disguised file reads why in Spanish, and nothing is kept")
    func spanishPortal() async throws {
        let tenant = try await TestTenant.create(name: "Zenith Red")
        try await PortalLanguageTests.offer(tenant, ["es", "en"])
        let (_, customer) = try await tenant.signInableSubscriber(name: "Ana López")
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInCustomer(customer.email)
            try await browser.get("/portal/work-orders/new")
            let refused = try await browser.postForm(
                "/portal/work-orders", fields: AttachmentFixture.orderFields(action: "submit"),
                files: [("attachments", "factura.pdf", SampleFile.png())])
            #expect(refused.status == .unsupportedMediaType)
            #expect(refused.body.contains(#"<html lang="es">"#))
            #expect(refused.body.contains("factura.pdf no es un archivo PDF (su contenido parece una imagen PNG)."))
            #expect(!refused.body.contains("is not a PDF file"))
            #expect(try await AttachmentFixture.counts(tenant).orders == 0)
            #expect(AttachmentFixture.blobs(app, tenant).isEmpty)
        }
    }
}
