import Foundation
import Postgres

/// Where a list item moves.
public enum MoveDirection: String, Sendable {
    case up, down
}

/// The tenant's settings: work-order categories, FAQ entries, service notices, and session and
/// security options. Constraint violations become domain errors here.
public protocol TenantSettingsRepository: Sendable {
    func categories(in transaction: TenantTransaction) async throws -> [WorkOrderCategory]
    func category(id: UUID, in transaction: TenantTransaction) async throws -> WorkOrderCategory?
    /// How many work orders carry this category name.
    func ordersUsing(category name: String, in transaction: TenantTransaction) async throws -> Int
    func createCategory(
        name: String, helpText: String, translations: TextTranslations, in transaction: TenantTransaction
    ) async throws
        -> WorkOrderCategory
    func updateCategory(
        id: UUID, name: String, helpText: String, translations: TextTranslations, in transaction: TenantTransaction
    ) async throws
        -> Bool
    func setCategoryActive(id: UUID, active: Bool, in transaction: TenantTransaction) async throws -> Bool
    func deleteCategory(id: UUID, in transaction: TenantTransaction) async throws -> Bool
    func moveCategory(id: UUID, _ direction: MoveDirection, in transaction: TenantTransaction) async throws -> Bool

    func faqEntries(in transaction: TenantTransaction) async throws -> [FAQEntry]
    func faqEntry(id: UUID, in transaction: TenantTransaction) async throws -> FAQEntry?
    /// The entries whose question or answer contains `query`, in the default texts or in
    /// `language`'s translation; every entry when `query` is empty.
    func searchFAQ(_ query: String, language: String, in transaction: TenantTransaction) async throws -> [FAQEntry]
    func createFAQ(question: String, answer: String, translations: TextTranslations, in transaction: TenantTransaction) async throws -> FAQEntry
    func updateFAQ(
        id: UUID, question: String, answer: String, translations: TextTranslations, in transaction: TenantTransaction
    ) async throws
        -> Bool
    func deleteFAQ(id: UUID, in transaction: TenantTransaction) async throws -> Bool
    func moveFAQ(id: UUID, _ direction: MoveDirection, in transaction: TenantTransaction) async throws -> Bool

    func notices(in transaction: TenantTransaction) async throws -> [ServiceNotice]
    func notice(id: UUID, in transaction: TenantTransaction) async throws -> ServiceNotice?
    func createNotice(_ input: NoticeInput, in transaction: TenantTransaction) async throws -> ServiceNotice
    func updateNotice(id: UUID, _ input: NoticeInput, in transaction: TenantTransaction) async throws -> Bool
    /// Marks an unresolved notice resolved; false when it is missing or already resolved.
    func resolveNotice(id: UUID, in transaction: TenantTransaction) async throws -> Bool

    func security(in transaction: TenantTransaction) async throws -> SecuritySettings
    /// Saves the options and applies the timeouts to the sessions already open.
    func saveSecurity(_ settings: SecuritySettings, in transaction: TenantTransaction) async throws

    /// The origins whose pages may call `/api/v1` from a browser (empty: none, the default).
    func apiCORSOrigins(in transaction: TenantTransaction) async throws -> CORSOrigins
    func saveAPICORSOrigins(_ origins: CORSOrigins, in transaction: TenantTransaction) async throws

    /// The portal's default language and the ones offered to subscribers (the default first).
    /// The zone the tenant's pages and emails show times in (an IANA name).
    func saveTimeZone(_ name: String, in transaction: TenantTransaction) async throws
    func saveLanguages(default code: String, offered codes: [String], in transaction: TenantTransaction) async throws
    /// The notification kinds the tenant turned off (raw values of `NotificationKind`).
    func disabledNotifications(in transaction: TenantTransaction) async throws -> [String]
    func saveDisabledNotifications(_ kinds: [String], in transaction: TenantTransaction) async throws
}

public struct PostgresTenantSettingsRepository: TenantSettingsRepository {
    public init() {}
}
