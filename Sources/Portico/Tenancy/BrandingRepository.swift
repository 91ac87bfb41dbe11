import Foundation
import Postgres

/// Reads and saves a tenant's branding and theme. Saving checks the version the editor was
/// loaded at, so two admins editing at once cannot silently overwrite each other; every
/// save bumps the version (the ETag of `/branding.css`) and, through the tenancy trigger,
/// invalidates every instance's cache.
public protocol BrandingRepository: Sendable {
    func current(in transaction: TenantTransaction) async throws -> (branding: Branding, theme: String)
    func save(_ branding: Branding, theme: String, expectedVersion: Int, in transaction: TenantTransaction) async throws -> Branding
    func setAsset(_ kind: BrandingAssetKind, url: String?, in transaction: TenantTransaction) async throws -> Branding
}

public enum BrandingAssetKind: String, Sendable, CaseIterable {
    case logo
    case favicon
}

public struct PostgresBrandingRepository: BrandingRepository {
    public init() {}

    public func current(in transaction: TenantTransaction) async throws -> (branding: Branding, theme: String) {
        guard let branding = try await transaction.first("SELECT * FROM tenant_branding").map({ try $0.decode(Branding.self) }),
              let theme = try await transaction.scalar("SELECT theme FROM tenants WHERE id = \(transaction.tenant)", as: String.self) else {
            throw AppError.notFound("branding")
        }
        return (branding, theme)
    }

    public func save(_ b: Branding, theme: String, expectedVersion: Int, in transaction: TenantTransaction) async throws -> Branding {
        let saved = try await transaction.first("""
            UPDATE tenant_branding SET company_name = \(b.companyName), logo_url = \(b.logoUrl), favicon_url = \(b.faviconUrl),
                color_primary = \(b.colorPrimary), color_secondary = \(b.colorSecondary), color_accent = \(b.colorAccent),
                color_background = \(b.colorBackground), color_text = \(b.colorText), support_email = \(b.supportEmail),
                support_phone = \(b.supportPhone), support_hours = \(b.supportHours), website_url = \(b.websiteUrl),
                welcome_message = \(b.welcomeMessage), footer_text = \(b.footerText), custom_css = \(b.customCss), version = version + 1
            WHERE version = \(expectedVersion)
            RETURNING *
            """)
        guard let saved else {
            throw AppError(.conflict, code: "stale_branding",
                           "Someone saved the branding while you were editing. Reload the page to see their changes, then apply yours again.")
        }
        try await transaction.execute("UPDATE tenants SET theme = \(theme) WHERE id = \(transaction.tenant) AND theme <> \(theme)")
        return try saved.decode(Branding.self)
    }

    public func setAsset(_ kind: BrandingAssetKind, url: String?, in transaction: TenantTransaction) async throws -> Branding {
        let row = switch kind {
        case .logo: try await transaction.first("UPDATE tenant_branding SET logo_url = \(url), version = version + 1 RETURNING *")
        case .favicon: try await transaction.first("UPDATE tenant_branding SET favicon_url = \(url), version = version + 1 RETURNING *")
        }
        guard let row else { throw AppError.notFound("branding") }
        return try row.decode(Branding.self)
    }
}
