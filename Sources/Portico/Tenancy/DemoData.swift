import Foundation
import PorticoCrypto
import Postgres

/// `portico demo`: two differently branded tenants with subscribers, staff, work orders in
/// every status, appointments, tasks and notes. Idempotent: a tenant that exists is left alone.
public struct DemoData: Sendable {
    let pool: ConnectionPool
    let configuration: AppConfiguration
    let hasher: PasswordHasher
    let repositories: Repositories

    public init(pool: ConnectionPool, configuration: AppConfiguration, hasher: PasswordHasher, repositories: Repositories = .postgres) {
        self.pool = pool
        self.configuration = configuration
        self.hasher = hasher
        self.repositories = repositories
    }

    /// The password of every demo account (printed by `portico demo`, listed in README).
    public static let password = "portico-demo-2024"

    struct Spec {
        let slug: String
        let name: String
        let theme: String
        /// Where its people are: acme's portal shows Chicago times, zenith's Madrid times.
        let timeZone: String
        let branding: Branding
        let people: [(String, String, String)]  // name, email local part, phone
        let plans: [String]
        /// The portal's language, and the others it offers (issue 17: zenith greets in Spanish).
        var languages: [Language] = [.en]
    }

    static let specs: [Spec] = [
        Spec(
            slug: "acme", name: "Acme Wireless", theme: "default", timeZone: "America/Chicago",
            branding: Branding(
                companyName: "Acme Wireless", logoUrl: "/static/default/demo/acme-logo.svg", faviconUrl: nil,
                colorPrimary: "#0b5cab", colorSecondary: "#374151", colorAccent: "#c2410c",
                colorBackground: "#ffffff", colorText: "#1f2933",
                supportEmail: "support@acme.example", supportPhone: "+1 555 0100", supportHours: "Mon–Fri 8:00–18:00",
                websiteUrl: "https://acme.example", welcomeMessage: "Fast, friendly rural internet. Track your installs and repairs here.",
                footerText: "Acme Wireless · Serving the valley since 2009", customCss: "", version: 1
            ),
            people: [
                ("Dana Whitfield", "dana", "+1 555 0101"), ("Luis Ortega", "luis", "+1 555 0102"), ("Mei Chen", "mei", "+1 555 0103"),
                ("Harvest Co-op", "office", "+1 555 0104"),
            ],
            plans: ["Home 50/10", "Home 100/20", "Business 200/50"],
            languages: [.en, .es]
        ),
        Spec(
            slug: "zenith", name: "Zenith Networks", theme: "horizon", timeZone: "Europe/Madrid",
            branding: Branding(
                companyName: "Zenith Networks", logoUrl: "/static/horizon/demo/zenith-logo.svg", faviconUrl: nil,
                colorPrimary: "#5b21b6", colorSecondary: "#0f766e", colorAccent: "#0f766e",
                colorBackground: "#faf7ff", colorText: "#1e1b2e",
                supportEmail: "help@zenith.example", supportPhone: "+1 555 0200", supportHours: "Every day 7:00–22:00",
                websiteUrl: "https://zenith.example", welcomeMessage: "Bienvenido a Zenith: internet de altura para casas de montaña.",
                footerText: "Zenith Networks LLC", customCss: "", version: 1,
                // Its default is Spanish; English readers get their own welcome (issue 17).
                translations: TextTranslations(["en": ["welcome_message": "Welcome to Zenith — high-altitude internet for mountain homes."]])
            ),
            people: [("Ravi Patel", "ravi", "+1 555 0201"), ("Sofia Rossi", "sofia", "+1 555 0202"), ("Trailhead Lodge", "lodge", "+1 555 0203")],
            plans: ["Summit 25", "Summit 75", "Lodge Pro"],
            languages: [.es, .en]
        ),
    ]

    /// Creates what is missing; returns one line per tenant.
    public func seed() async throws -> [String] {
        let passwordHash = try await hasher.hash(Self.password)
        var lines: [String] = []
        for spec in Self.specs {
            let existing = try await pool.query("SELECT id FROM tenants WHERE slug = \(spec.slug)").rows.first
            if existing != nil {
                // Demo tenants made before time zones existed get theirs; nothing else changes.
                try await pool.query("UPDATE tenants SET time_zone = \(spec.timeZone) WHERE slug = \(spec.slug) AND time_zone = 'UTC'")
                lines.append("\(spec.slug): already present (left as it is)")
                continue
            }
            // Due dates and the like are days on the tenant's calendar.
            try await DisplayDate.$current.withValue(DisplayDate(zone: TenantTimeZone.zone(spec.timeZone))) {
                try await seed(spec, passwordHash: passwordHash)
            }
            lines.append(
                "\(spec.slug): created — \(PublicOrigin(configuration: configuration).origin(host: "\(spec.slug).\(configuration.baseDomain)"))\(PortalRoutes.home.path)"
            )
        }
        return lines
    }

    private func seed(_ spec: Spec, passwordHash: String) async throws {
        try await pool.withNewTenant(
            create: { transaction in
                try await transaction.first(
                    """
                    INSERT INTO tenants (slug, name, theme, time_zone) VALUES (\(spec.slug), \(spec.name), \(spec.theme), \(spec.timeZone)) RETURNING id
                    """)!.decode("id", as: TenantID.self)
            }, tenant: { $0 },
            then: { tenantID, tx in
                let languages = spec.languages.map(\.code)
                try await tx.execute("UPDATE tenants SET offered_languages = \(languages), default_language = \(languages[0]) WHERE id = \(tenantID)")
                let b = spec.branding
                try await tx.execute(
                    """
                    INSERT INTO tenant_branding (tenant_id, company_name, logo_url, color_primary, color_secondary, color_accent, color_background,
                        color_text, support_email, support_phone, support_hours, website_url, welcome_message, footer_text, translations)
                    VALUES (\(tenantID), \(b.companyName), \(b.logoUrl), \(b.colorPrimary), \(b.colorSecondary), \(b.colorAccent),
                        \(b.colorBackground), \(b.colorText), \(b.supportEmail), \(b.supportPhone), \(b.supportHours), \(b.websiteUrl),
                        \(b.welcomeMessage), \(b.footerText), \(JSONParameter(b.translations))::jsonb)
                    """)
                try await settings(for: spec, in: tx)
                try await populate(spec, passwordHash: passwordHash, in: tx)
            })
    }

    /// Categories with help text, FAQ entries, service notices (one resolved, one planned).
    private func settings(for spec: Spec, in tx: TenantTransaction) async throws {
        // The same categories every new tenant starts with.
        try await WorkOrderCategories.seedDefaults(in: tx)
        let faq = [
            (
                "My internet is slow in the evening. Why?",
                "Evenings are the busiest time on the network. Restart your router first; if speeds stay below half your plan for more than a day, create a Repair work order."
            ),
            (
                "How do I restart my equipment?",
                "Unplug the power supply of the antenna (the small box near the cable) for 30 seconds, then plug it back in. Wait two minutes."
            ),
            (
                "Can I move my router myself?",
                "Yes, inside the same room. To move it elsewhere, ask for a Relocation: the cable may need to be re-routed."
            ),
            (
                "What if nobody is home at the appointment?",
                "Ask for another time from the appointment page at least 24 hours before, so we can plan another visit."
            ),
        ]
        for (index, entry) in faq.enumerated() {
            try await tx.execute(
                "INSERT INTO faq_entries (tenant_id, question, answer, position) VALUES (\(tx.tenant), \(entry.0), \(entry.1), \(index))")
        }
        if spec.languages.first == .es {
            // A Spanish-first tenant asks its first question in Spanish and gives the English beside it.
            let english = TextTranslations(["en": ["question": faq[0].0, "answer": faq[0].1]])
            try await tx.execute(
                """
                UPDATE faq_entries SET question = '¿Por qué va lento internet por la tarde?',
                       answer = 'Por la tarde la red está más ocupada. Reinicia primero el router; si la velocidad sigue por debajo de la mitad de tu plan más de un día, crea una solicitud de reparación.',
                       translations = \(JSONParameter(english))::jsonb
                 WHERE position = 0
                """)
        }
        let now = Date()
        try await tx.execute(
            """
            INSERT INTO service_notices (tenant_id, kind, title, body, starts_at, ends_at, resolved_at)
            VALUES (\(tx.tenant), 'outage', 'North ridge sector offline', 'A power failure at the north ridge tower interrupted service for about two hours.',
                    \(now.addingTimeInterval(-5 * 86_400)), NULL, \(now.addingTimeInterval(-5 * 86_400 + 7200))),
                   (\(tx.tenant), 'maintenance', 'Planned tower maintenance', 'Short interruptions between 02:00 and 04:00 while we upgrade radios.',
                    \(now.addingTimeInterval(3 * 86_400)), \(now.addingTimeInterval(3 * 86_400 + 7200)), NULL)
            """)
        try await tx.execute("INSERT INTO tenant_settings (tenant_id) VALUES (\(tx.tenant)) ON CONFLICT DO NOTHING")
    }
}
