import Foundation

/// Tenant and platform paths outside the three areas: the portal's front door, status page, calendar feeds, branding assets, theme files, health and metrics.
enum PublicRoutes {
    static let root = Route("/")
    static let brandingCSS = Route("/branding.css")
    static let brandingFavicon = Route("/branding/favicon")
    static let brandingLogo = Route("/branding/logo")
    static let calendarFeed = Route1<String>("/calendar/:file")
    static let customCSS = Route("/custom.css")
    static let faviconICO = Route("/favicon.ico")
    static let healthz = Route("/healthz")
    /// The footer's language switcher (a form, so it works without JavaScript).
    static let language = Route("/language")
    static let metrics = Route("/metrics")
    static let readyz = Route("/readyz")
    static let staticAsset = Route("/static/:theme/**")
    static let status = Route("/status")
}

/// The loopback-only internal listener (`InternalListener`). On the public listener the whole
/// area is a 404 on any host, before site resolution.
enum InternalRoutes {
    static let tlsAsk = Route("/internal/tls/ask")
    static let area = Route("/internal")
    static let everything = Route("/internal/**")
}
