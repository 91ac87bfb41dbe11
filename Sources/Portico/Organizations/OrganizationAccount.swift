import Foundation

/// An organization's account as every JSON of it writes it: the integration API's
/// `OrganizationResource` (which adds its ids and `updated_at`) and the subscriber's data export.
/// Encoded flat into the enclosing object (`try account.encode(to: encoder)`).
struct OrganizationAccount: Sendable, Codable {
    let accountNumber: String
    let name: String
    let kind: String
    let serviceAddress: String
    let servicePlan: String
    let serviceStatus: String
    let createdAt: Date
}
