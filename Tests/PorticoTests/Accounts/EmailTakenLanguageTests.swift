import Foundation
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

/// When two requests race for one email address, the unique index decides; the loser's refusal
/// is read by a person (a console form, a confirmation link) and so speaks their language.
@Suite("A taken email address, refused in the reader's language")
struct EmailTakenLanguageTests {
    @Test("creating a login with an address another login holds is refused in Spanish; changing to it in French; nothing written")
    func refusedInLanguage() async throws {
        let tenant = try await TestTenant.create()
        let (organization, holder) = try await tenant.subscriber(name: "Lucía Holder")
        let (_, mover) = try await tenant.subscriber(name: "Marc Mover")
        let customers = Repositories.postgres.customers

        let created = try await Texts.$current.withValue(UploadLanguageTests.texts(.es)) {
            await #expect(throws: AppError.self) {
                try await tenant.transaction { tx in
                    _ = try await customers.create(
                        NewCustomer(organizationId: organization.id, name: "Twin", email: holder.email.uppercased()), in: tx)
                }
            }
        }
        #expect(created?.code == "email_taken")
        #expect(created?.message == "Ya existe una cuenta con este correo.")
        #expect(created?.fields["email"] == "Ya registrado")

        let changed = try await Texts.$current.withValue(UploadLanguageTests.texts(.fr)) {
            await #expect(throws: AppError.self) {
                try await tenant.transaction { tx in try await customers.changeEmail(mover.id, to: holder.email, in: tx) }
            }
        }
        #expect(changed?.message == "Un autre compte utilise déjà cette adresse e-mail.")
        #expect(changed?.fields["email"] == "Déjà enregistrée")

        let (logins, moverEmail) = try await tenant.transaction { tx in
            (
                try await tx.scalar("SELECT count(*)::int FROM customers WHERE lower(email) = \(holder.email.lowercased())", as: Int.self),
                try await customers.find(id: mover.id, in: tx)?.email
            )
        }
        #expect(logins == 1)
        #expect(moverEmail == mover.email)
    }
}
