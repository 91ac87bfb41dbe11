import Foundation
import Postgres

/// The FAQ entries subscribers see on the support page, in the order staff gave them.
extension PostgresTenantSettingsRepository {
    static let faqColumns: SQL = "id, question, answer, position, translations"

    public func faqEntries(in transaction: TenantTransaction) async throws -> [FAQEntry] {
        try await transaction.rows("SELECT \(Self.faqColumns) FROM faq_entries ORDER BY position, question").map {
            try $0.decode(FAQEntry.self)
        }
    }

    public func searchFAQ(_ query: String, language: String, in transaction: TenantTransaction) async throws -> [FAQEntry] {
        guard !query.isEmpty else { return try await faqEntries(in: transaction) }
        let pattern = "%" + SQLPattern.escapeLike(query.lowercased()) + "%"
        return try await transaction.rows(
            """
            SELECT \(Self.faqColumns) FROM faq_entries
             WHERE lower(question) LIKE \(pattern) OR lower(answer) LIKE \(pattern)
                OR lower(translations -> \(language) ->> 'question') LIKE \(pattern) OR lower(translations -> \(language) ->> 'answer') LIKE \(pattern)
             ORDER BY position, question
            """
        ).map { try $0.decode(FAQEntry.self) }
    }

    public func faqEntry(id: UUID, in transaction: TenantTransaction) async throws -> FAQEntry? {
        try await transaction.first("SELECT \(Self.faqColumns) FROM faq_entries WHERE id = \(id)")?.decode(FAQEntry.self)
    }

    public func createFAQ(
        question: String, answer: String, translations: TextTranslations, in transaction: TenantTransaction
    ) async throws
        -> FAQEntry
    {
        guard
            let entry = try await transaction.first(
                """
                INSERT INTO faq_entries (tenant_id, question, answer, translations, position)
                SELECT \(transaction.tenant), \(question), \(answer), \(JSONParameter(translations))::jsonb, COALESCE(max(position) + 1, 0)
                  FROM faq_entries
                RETURNING \(Self.faqColumns)
                """)?.decode(FAQEntry.self)
        else { throw AppError(.conflict, code: "faq_not_created", L10n.t("errors.questionNotAdded")) }
        return entry
    }

    public func updateFAQ(
        id: UUID, question: String, answer: String, translations: TextTranslations, in transaction: TenantTransaction
    )
        async throws -> Bool
    {
        try await transaction.execute(
            """
            UPDATE faq_entries SET question = \(question), answer = \(answer), translations = \(JSONParameter(translations))::jsonb
             WHERE id = \(id)
            """) == 1
    }

    public func deleteFAQ(id: UUID, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute("DELETE FROM faq_entries WHERE id = \(id)") == 1
    }

    public func moveFAQ(id: UUID, _ direction: MoveDirection, in transaction: TenantTransaction) async throws -> Bool {
        try await Self.move(id, direction, in: .faq, transaction)
    }
}
