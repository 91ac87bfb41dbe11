import Foundation
import HTTPTypes
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

@Suite("CSV import and custom domains in the console's language")
struct CSVImportLanguageTests {
    /// Values written as a Spanish-speaking office writes them, and rows with problems.
    static let spanishFile =
        [
            "Account #,Household,Type,Status,Full name,E-mail,MAC Address",
            "Z-1,Casa López,Hogar,Activo,Ana López,ana@lopez.example,",
            "Z-2,Café Sol,empresa,Pendiente de instalación,,,",
            ",Sin cuenta,hogar,,,,",
            "Z-3,Mala,tipo raro,en llamas,Eva Mala,eva@mala.example,ZZ:11",
            "Z-4,Casa López,,,Ana Otra,ANA@lopez.example,",
            "",
        ].joined(separator: "\r\n")

    @Test("a Spanish console's dry run explains every row in Spanish, accepts Spanish values, and the import stores them")
    func spanishRows() async throws {
        let zenith = try await TestTenant.create(name: "Zenith Red")
        try await PortalLanguageTests.offer(zenith, ["es", "en"])
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await CSVTesting.admin(app, zenith)
            let id = try await CSVTesting.upload(admin, Self.spanishFile)

            let dryRun = try await CSVTesting.run(admin, id: id, mode: "dry_run")
            #expect(dryRun.body.contains(#"<html lang="es">"#))
            let totals = CSVTesting.totals(dryRun.body)
            #expect(totals["created"] == 2)
            #expect(totals["errors"] == 2)
            #expect(totals["duplicates"] == 1)
            for text in [
                "Cuenta Z-1 creada, cliente ana@lopez.example creado (invitación pendiente).",
                "Cuenta Z-2 creada.",
                "Falta el número de cuenta.",
                "El tipo «tipo raro» no es ni hogar ni empresa; El estado del servicio «en llamas» no es ninguno de estos: activo, suspendido, pendiente de instalación, cancelado; La dirección MAC «ZZ:11» no es válida (usa 12 dígitos hexadecimales, como 00:1A:2B:3C:4D:5E).",
                "El correo ana@lopez.example ya aparece en la fila 2; se omitió esta fila.",
            ] {
                #expect(dryRun.body.contains(text), "\(text)")
            }
            for english in ["pending invitation", "is missing", "is not", "already appears", "Account Z-1"] {
                #expect(!dryRun.body.contains(english), "English left on the Spanish dry run: \(english)")
            }

            let imported = try await CSVTesting.run(admin, id: id, mode: "import")
            #expect(CSVTesting.totals(imported.body)["created"] == 2)
            try await zenith.transaction { tx in
                let home = try #require(try await Repositories.postgres.organizations.find(accountNumber: "Z-1", in: tx))
                #expect(home.kind == .household)
                #expect(home.serviceStatus == .active)
                let cafe = try #require(try await Repositories.postgres.organizations.find(accountNumber: "Z-2", in: tx))
                #expect(cafe.kind == .business)
                #expect(cafe.serviceStatus == .pendingInstall)
                #expect(try await Repositories.postgres.organizations.find(accountNumber: "Z-3", in: tx) == nil)
            }
        }
    }

    @Test("a file the import cannot read is refused in the console's language (French), and nothing is kept")
    func frenchFileProblems() async throws {
        let tenant = try await TestTenant.create(name: "Réseau Nord")
        try await PortalLanguageTests.offer(tenant, ["fr", "en"])
        let cases: [(String, [UInt8], String)] = [
            ("empty", [], "Le fichier est vide."),
            ("pdf", Array("%PDF-1.7\n%âãÏÓ\n".utf8), "C’est un document PDF, pas un fichier CSV."),
            (
                "mixed", Array("Account Number,Name,Email\r\nM-1;Max;max@example.net\r\nM-2;Mia;mia@example.net\r\n".utf8),
                "(3 colonnes séparées par des virgules)"
            ),
        ]
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await CSVTesting.admin(app, tenant)
            for (name, bytes, message) in cases {
                try await admin.get("/admin/import")
                let response = try await admin.upload("/admin/import", fileName: "\(name).csv", file: bytes)
                #expect(response.status.code >= 400, "\(name)")
                #expect(response.body.contains(#"<html lang="fr">"#), "\(name)")
                #expect(response.body.contains(message), "\(name): \(response.body.prefix(1500))")
            }
            let folder = app.dependencies.configuration.dataDirectory.appendingPathComponent("imports/\(tenant.id.rawValue.uuidString.lowercased())")
            let kept = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            #expect(kept.isEmpty, "refused uploads left files: \(kept)")
        }
    }

    @Test("a refused custom domain says why in the console's language (Portuguese), and nothing is added")
    func portugueseDomainProblems() async throws {
        let tenant = try await TestTenant.create(name: "Rede Sul")
        try await PortalLanguageTests.offer(tenant, ["pt-BR", "en"])
        let admin = try await tenant.staff(role: .admin)
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            try await console.get("/admin/domains")
            for (input, message) in [
                ("", "digite um nome de domínio como portal.example.net"),
                ("https://portal.example.net/", "“https://portal.example.net/” não é um nome de domínio como portal.example.net: digite só o nome"),
                ("\u{2603}.example.net", "“\u{2603}.example.net” contém “\u{2603}” (U+2603), que um nome de domínio não pode ter"),
                ("203.0.113.7", "“203.0.113.7” deve ser um nome de domínio, não um endereço IP"),
                ("\(tenant.slug)-x.localhost", "“\(tenant.slug)-x.localhost” está dentro do domínio da própria plataforma"),
            ] {
                let response = try await console.post("/admin/domains", ["domain": input])
                #expect(response.status == .unprocessableContent, "input \(input)")
                #expect(response.body.contains("Não é possível adicionar o domínio: " + message), "input \(input)")
            }
            #expect(try await DomainTestSupport.auditActions(tenant).filter { $0 == "domain.added" }.isEmpty)
        }
    }
}
