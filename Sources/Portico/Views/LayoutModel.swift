import Mustache

/// What every page's layout shows: the tenant's brand, navigation, the signed-in person and
/// the CSRF token for the sign-out form.
@MustacheView
public struct LayoutModel: Sendable {
    @MustacheView
    public struct NavItem: Sendable {
        public let label: String
        public let href: String
        public let current: Bool
    }

    /// One entry of the footer's language switcher.
    @MustacheView
    public struct LanguageOption: Sendable {
        public let code: String
        public let name: String
        public let selected: Bool
    }

    public var title: String
    public var siteName: String
    public var logoUrl: String?
    public var faviconUrl: String?
    public var theme: String
    public var brandingVersion: Int
    public var hasBranding: Bool
    public var hasCustomCss: Bool
    public var footerText: String
    public var supportEmail: String?
    public var supportPhone: String?
    public var supportHours: String?
    public var websiteUrl: String?
    public var area: String
    // What a page of each surface fills in (see `portal`, the console's and the operators' layouts):
    // a fresh layout has no navigation, nobody signed in and no notice.
    public var nav: [NavItem] = []
    public var signedIn = false
    public var userName = ""
    public var signOutAction = ""
    public var csrfToken = ""
    public var notice: String? = nil
    public var printable = false
    /// The zone the page's times are in and its inputs are read in (`America/Chicago`).
    public var timeZone = DisplayDate.current.zone.identifier
    /// `<html lang>`: the language the page is in.
    public var lang: String
    /// The tenant's languages when it offers more than one, for the footer's switcher.
    public var languages: [LanguageOption]
    /// Where the switcher returns to: this page.
    public var languageBack = ""
    /// Where the switcher posts: `/language` on tenant sites, `/operator/language` for operators.
    public var languageAction = PublicRoutes.language.path

    /// The layout for pages of a tenant.
    public init(tenant: ResolvedTenant, title: String, area: String = "public") {
        let branding = tenant.branding
        self.title = title
        self.siteName = branding.companyName
        self.logoUrl = branding.logoUrl
        self.faviconUrl = branding.faviconUrl
        self.theme = tenant.theme
        self.brandingVersion = branding.version
        self.hasBranding = true
        self.hasCustomCss = !branding.customCss.isEmpty
        self.footerText = branding.translations.localized("footer_text", default: branding.footerText)
        self.supportEmail = branding.supportEmail
        self.supportPhone = branding.supportPhone
        self.supportHours = branding.translations.localized("support_hours", default: branding.supportHours)
        self.websiteUrl = branding.websiteUrl
        self.area = area
        let language = L10n.texts.language
        self.lang = language.code
        self.languages =
            tenant.offeredLanguages.count > 1
            ? tenant.offeredLanguages.map { LanguageOption(code: $0.code, name: $0.nativeName, selected: $0 == language) }
            : []
    }

    /// The subscriber portal's layout: navigation and the sign-out form.
    public static func portal(_ context: TenantRequestContext, title: String, current: String) -> LayoutModel {
        var layout = LayoutModel(tenant: context.tenant, title: title, area: "portal")
        layout.csrfToken = context.csrfToken
        layout.languageBack = context.requestPath
        if let customer = context.auth?.customer {
            layout.signedIn = true
            layout.userName = customer.name
            layout.signOutAction = PortalRoutes.logout.path
            let items: [(String, String)] = [
                ("dashboard", PortalRoutes.home.path), ("workOrders", PortalRoutes.workOrders.path), ("appointments", PortalRoutes.appointments.path),
                ("tasks", PortalRoutes.tasks.path), ("notes", PortalRoutes.notes.path), ("service", PortalRoutes.service.path),
                ("support", PortalRoutes.support.path), ("profile", PortalRoutes.profile.path),
            ]
            let texts = L10n.texts
            layout.nav = items.map { NavItem(label: texts("portal.nav.\($0.0)"), href: $0.1, current: $0.1 == current) }
        }
        return layout
    }

    /// The layout for pages that belong to no tenant (unknown host, operator console).
    public init(platformTitle title: String, area: String = "platform") {
        self.title = title
        self.siteName = "Portico"
        self.logoUrl = nil
        self.faviconUrl = nil
        self.theme = "default"
        self.brandingVersion = 0
        self.hasBranding = false
        self.hasCustomCss = false
        self.footerText = ""
        self.supportEmail = nil
        self.supportPhone = nil
        self.supportHours = nil
        self.websiteUrl = nil
        self.area = area
        self.lang = L10n.texts.language.code
        self.languages = []
    }
}
