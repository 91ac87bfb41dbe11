import Foundation
import Hummingbird
import Mustache
import Postgres

/// What every settings page shares: the id in the path, the audit trail, and the one-line
/// confirmations shown after a change (fixed texts, never echoed from the request).
struct SettingsSupport {
    let pool: ConnectionPool
    let repositories: Repositories

    var repository: any TenantSettingsRepository { repositories.settings }

    /// The `:id` of the path; anything else (including another tenant's id, which row-level
    /// security hides) is the same 404.
    func id(_ context: StaffRequestContext, _ what: String) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound(what) }
        return id
    }

    func audit(
        _ context: StaffRequestContext, _ request: Request, action: String, targetKind: String, targetId: String,
        details: [String: String] = [:], in tx: TenantTransaction
    ) async throws {
        try await repositories.audit.record(
            .byStaff(context.staff, action, targetKind: targetKind, targetId: targetId, origin: context.origin(request), details: details), in: tx)
    }

    static func notice(_ request: Request, _ messages: [String: String]) -> String? {
        request.uri.queryParameters.get("done").flatMap { messages[String($0)] }
    }

    /// `POST …/:id/move` of a list staff order by hand (categories, FAQ): one row up or down,
    /// audited as `action` in the same transaction, then back to the list with its notice.
    func move(
        _ request: Request, _ context: StaffRequestContext, what: String, action: String, targetKind: String, listPath: String,
        by move: @escaping @Sendable (UUID, MoveDirection, TenantTransaction) async throws -> Bool
    ) async throws -> Response {
        let id = try self.id(context, what)
        let direction = try Self.direction(try await FormFields.read(request))
        try await pool.withTenant(context.tenant.id) { tx in
            guard try await move(id, direction, tx) else { throw AppError.notFound(what) }
            try await audit(
                context, request, action: action, targetKind: targetKind, targetId: id.uuidString.lowercased(),
                details: ["direction": direction.rawValue], in: tx)
        }
        return Redirect(to: "\(listPath)?done=moved").response
    }

    static func direction(_ form: FormFields) throws -> MoveDirection {
        guard let direction = MoveDirection(rawValue: form.text("direction")) else {
            throw AppError(.badRequest, code: "bad_direction", L10n.t("console.settings.moveDirection"))
        }
        return direction
    }
}

/// What the hand-ordered, translated lists (work-order categories, FAQ, service notices) share:
/// their text fields, their other-language inputs, and an audited change that returns to the list.
extension SettingsSupport {
    /// A trimmed text field of at most `limit` characters; `missing` (when given) is the problem
    /// of an empty one, `tooLong` that of a longer one, both under the field's name.
    static func text(
        _ form: FormFields, _ name: String, limit: Int, missing: String? = nil, tooLong: String, problems: inout [String: String]
    ) -> String {
        let value = form.text(name).trimmingCharacters(in: .whitespacesAndNewlines)
        if let missing, value.isEmpty {
            problems[name] = missing
        } else if value.count > limit {
            problems[name] = tooLong
        }
        return value
    }

    /// The texts of `fields` in the tenant's other offered languages (optional, each within its
    /// limit); languages the form did not ask for (no longer offered) keep their `stored` texts.
    static func translations(
        _ form: FormFields, _ fields: [TranslatableField], tenant: ResolvedTenant, keeping stored: TextTranslations,
        problems: inout [String: String]
    ) -> TextTranslations {
        TextTranslations.parse(
            form, fields: fields, languages: TextTranslations.otherLanguages(of: tenant), defaultLanguage: tenant.defaultLanguage,
            keeping: stored, problems: &problems)
    }

    /// The other languages' inputs of an add or edit form: what was `typed` when the form comes
    /// back with problems, else what is `stored`.
    static func translationInputs(
        _ fields: [TranslatableField], _ context: StaffRequestContext, stored: TextTranslations, typed: [String: String]?,
        errors: [String: String]
    ) -> [TranslationInput] {
        TextTranslations.inputs(
            fields: fields, languages: TextTranslations.otherLanguages(of: context.tenant), stored: stored, typed: typed, errors: errors)
    }

    /// Reads the posted form and runs `save`; when that is refused as `.validation` (or another of
    /// `refusals`), `page` draws the form again with what was typed, the problems and the status.
    func submit(
        _ request: Request, _ context: StaffRequestContext, refusals: [AppError.Kind] = [.validation],
        save: (FormFields) async throws -> Response, page: (FormFields, AppError) async throws -> HTML
    ) async throws -> Response {
        let form = try await FormFields.read(request)
        do {
            return try await save(form)
        } catch let error as AppError where refusals.contains(error.kind) {
            return try await page(form, error).response(from: request, context: context)
        }
    }

    /// Runs `change` (which audits what it did) in one tenant transaction, then goes back to
    /// `listPath` with its `?done=` notice.
    func change(
        _ context: StaffRequestContext, then listPath: String, done: String, _ change: (TenantTransaction) async throws -> Void
    ) async throws -> Response {
        try await pool.withTenant(context.tenant.id) { tx in try await change(tx) }
        return Redirect(to: "\(listPath)?done=\(done)").response
    }
}

/// Where a row stands in a list staff order by hand: whether it can move up or down.
struct ListPosition {
    let canMoveUp: Bool
    let canMoveDown: Bool

    init(_ index: Int, of count: Int) {
        canMoveUp = index > 0
        canMoveDown = index < count - 1
    }
}
