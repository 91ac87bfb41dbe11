import Foundation
import Postgres

/// Reads and saves a tenant's branding and theme. Saving checks the version the editor was
/// loaded at, so two admins editing at once cannot silently overwrite each other; every
/// save bumps the version (the ETag of `/branding.css`) and, through the tenancy trigger,
/// invalidates every instance's cache.
public protocol BrandingRepository: Sendable {
    func current(in transaction: TenantTransaction) async throws -> (branding: Branding, theme: String)
    func save(_ branding: Branding, theme: String, expectedVersion: Int, in transaction: TenantTransaction) async throws -> Branding
    /// The uploaded logo or favicon, if there is one.
    func asset(_ kind: BrandingAssetKind, in transaction: TenantTransaction) async throws -> StoredBrandAsset?
    /// Points the branding at a newly uploaded file (and `/branding/<kind>?v=<version>`).
    func setUploadedAsset(_ kind: BrandingAssetKind, key: BlobKey, contentType: String, in transaction: TenantTransaction) async throws
}

public struct StoredBrandAsset: Sendable {
    public let key: BlobKey
    public let contentType: String
}

public enum BrandingAssetKind: String, Sendable, CaseIterable {
    case logo
    case favicon
}

public struct PostgresBrandingRepository: BrandingRepository {
    public init() {}

    public func current(in transaction: TenantTransaction) async throws -> (branding: Branding, theme: String) {
        guard let branding = try await transaction.first("SELECT * FROM tenant_branding").map({ try $0.decode(Branding.self) }),
            let theme = try await transaction.scalar("SELECT theme FROM tenants WHERE id = \(transaction.tenant)", as: String.self)
        else {
            throw AppError.notFound("branding")
        }
        return (branding, theme)
    }

    public func save(_ b: Branding, theme: String, expectedVersion: Int, in transaction: TenantTransaction) async throws -> Branding {
        let saved = try await transaction.first(
            """
            UPDATE tenant_branding SET company_name = \(b.companyName), logo_url = \(b.logoUrl), favicon_url = \(b.faviconUrl),
                logo_key = CASE WHEN \(b.logoUrl)::text IS NULL THEN NULL ELSE logo_key END,
                logo_type = CASE WHEN \(b.logoUrl)::text IS NULL THEN NULL ELSE logo_type END,
                favicon_key = CASE WHEN \(b.faviconUrl)::text IS NULL THEN NULL ELSE favicon_key END,
                favicon_type = CASE WHEN \(b.faviconUrl)::text IS NULL THEN NULL ELSE favicon_type END,
                color_primary = \(b.colorPrimary), color_secondary = \(b.colorSecondary), color_accent = \(b.colorAccent),
                color_background = \(b.colorBackground), color_text = \(b.colorText), support_email = \(b.supportEmail),
                support_phone = \(b.supportPhone), support_hours = \(b.supportHours), website_url = \(b.websiteUrl),
                welcome_message = \(b.welcomeMessage), footer_text = \(b.footerText), custom_css = \(b.customCss),
                translations = \(JSONParameter(b.translations))::jsonb, version = version + 1
            WHERE version = \(expectedVersion)
            RETURNING *
            """)
        guard let saved else {
            throw AppError(
                .conflict, code: "stale_branding",
                "Someone saved the branding while you were editing. Reload the page to see their changes, then apply yours again.")
        }
        try await transaction.execute("UPDATE tenants SET theme = \(theme) WHERE id = \(transaction.tenant) AND theme <> \(theme)")
        return try saved.decode(Branding.self)
    }

    public func asset(_ kind: BrandingAssetKind, in transaction: TenantTransaction) async throws -> StoredBrandAsset? {
        let row =
            switch kind {
            case .logo: try await transaction.first("SELECT logo_key AS key, logo_type AS type FROM tenant_branding WHERE logo_key IS NOT NULL")
            case .favicon:
                try await transaction.first("SELECT favicon_key AS key, favicon_type AS type FROM tenant_branding WHERE favicon_key IS NOT NULL")
            }
        guard let row, let key = BlobKey(try row.decode("key", as: String.self)) else { return nil }
        return StoredBrandAsset(key: key, contentType: try row.decode("type"))
    }

    public func setUploadedAsset(_ kind: BrandingAssetKind, key: BlobKey, contentType: String, in transaction: TenantTransaction) async throws {
        switch kind {
        case .logo:
            try await transaction.execute(
                """
                UPDATE tenant_branding SET logo_key = \(key.rawValue), logo_type = \(contentType),
                    logo_url = '/branding/logo?v=' || (version + 1), version = version + 1
                """)
        case .favicon:
            try await transaction.execute(
                """
                UPDATE tenant_branding SET favicon_key = \(key.rawValue), favicon_type = \(contentType),
                    favicon_url = '/branding/favicon?v=' || (version + 1), version = version + 1
                """)
        }
    }
}
