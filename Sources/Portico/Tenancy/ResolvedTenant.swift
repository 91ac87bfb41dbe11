import Foundation

/// A tenant as a request sees it once its Host header resolved: identity, status, theme,
/// branding, and the origin its links are built on (its primary domain, from the database).
public struct ResolvedTenant: Sendable {
    public let id: TenantID
    public let slug: String
    public let name: String
    public let status: TenantStatus
    public let theme: String
    public let branding: Branding
    /// `https://portal.acme.net` or `http://acme.localhost:8080`: where every emailed link points.
    public let publicOrigin: String
    /// Where its people are: every time shown or typed on its site and in its mail is in this zone.
    public let timeZone: TimeZone
    /// The language of pages and emails when a person has no better match, and the languages
    /// the tenant's portal offers (default first).
    public var defaultLanguage: Language = .en
    public var offeredLanguages: [Language] = [.en]

    public init(
        id: TenantID, slug: String, name: String, status: TenantStatus, theme: String, branding: Branding, publicOrigin: String,
        timeZone: TimeZone = TimeZone(identifier: "UTC")!
    ) {
        self.id = id
        self.slug = slug
        self.name = name
        self.status = status
        self.theme = theme
        self.branding = branding
        self.publicOrigin = publicOrigin
        self.timeZone = timeZone
    }

    public var isSuspended: Bool { status == .suspended }

    /// How its pages and mail write dates: in its zone, in `locale`.
    func dates(_ locale: Locale = .portico) -> DisplayDate { DisplayDate(zone: timeZone, locale: locale) }

    /// An absolute URL on the tenant's primary domain.
    public func url(_ path: String) -> String { publicOrigin + path }
}
