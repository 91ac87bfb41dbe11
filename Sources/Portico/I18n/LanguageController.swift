import Foundation
import Hummingbird
import Postgres

/// `POST /language`: the footer's switcher. A signed-in subscriber's or staff member's choice
/// is stored with their account (so emails follow it too); a signed-out visitor's goes in a
/// cookie. Then back to the page the form was on.
struct LanguageController {
    let pool: ConnectionPool
    let repositories: Repositories
    let cookies: SessionCookies

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.post(PublicRoutes.language, use: choose)
    }

    @Sendable func choose(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        guard let language = Language(code: form.text("language")), context.tenant.offeredLanguages.contains(language) else {
            throw AppError.validation([
                "language": L10n.t("errors.language.unknown", ["offered": L10n.texts.list(context.tenant.offeredLanguages.map(\.nativeName))])
            ])
        }
        if let customer = context.auth?.customer {
            try await pool.withTenant(context.tenant.id) { tx in
                try await repositories.customers.setLanguage(language.code, for: customer.id, in: tx)
            }
        } else if let staff = context.auth?.staff {
            try await pool.withTenant(context.tenant.id) { tx in
                try await repositories.staff.setLanguage(language.code, for: staff.id, in: tx)
            }
        }
        return Redirect(to: Redirect.safeNext(form.text("back"), fallback: PublicRoutes.root.path, allowedPrefix: "/")).response(
            setting: cookies.language(language))
    }
}
