import Foundation

/// A frequently asked question as the console edits it.
public struct FAQEntry: Sendable, Decodable {
    public let id: UUID
    public let question: String
    public let answer: String
    public let position: Int
    /// The question and answer in the tenant's other languages.
    public let translations: TextTranslations
}
