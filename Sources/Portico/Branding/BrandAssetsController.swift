import Foundation
import Hummingbird
import Logging
import Postgres

/// Logo and favicon: admins upload them on the branding page (`POST /admin/branding/logo`,
/// `/favicon`); every portal page of the tenant shows them from `GET /branding/logo` and
/// `/branding/favicon`. PNG and SVG for the logo, plus ICO for the favicon; an SVG must pass
/// `SVGSanitizer` and is always served with a sandboxing policy, so it can never run script.
struct BrandAssetsController {
    let blobStore: any BlobStore
    let directory: TenantDirectory
    let logger: Logger
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer
    let virusScanner: any VirusScanner
    let editor: BrandingEditorController

    static let maximumSize = 1024 * 1024

    static func accepted(_ kind: BrandingAssetKind) -> [FileKind] {
        switch kind {
        case .logo: [.png, .svg]
        case .favicon: [.png, .svg, .ico]
        }
    }

    func addPublicRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(PublicRoutes.brandingLogo, use: { request, context in try await serve(.logo, tenant: context.tenant.id) })
        group.get(PublicRoutes.brandingFavicon, use: { request, context in try await serve(.favicon, tenant: context.tenant.id) })
    }

    /// `/favicon.ico`, which browsers ask for on their own, on every host: a tenant's uploaded
    /// favicon or else its theme's neutral one; the operator console's is the neutral one.
    /// (Unknown hosts never get here: they get the 404 that names no tenant.) Short-lived in
    /// caches, since a new upload keeps this URL.
    func addFaviconRoute(to router: RouterGroup<AppRequestContext>) {
        router.get(PublicRoutes.faviconICO) { request, context in
            let themes = renderer.themes
            guard case .tenant(let tenant) = context.site else { return try StaticAssetsController.neutralFavicon(themes: themes, request: request) }
            do {
                var response = try await serve(.favicon, tenant: tenant.id)
                response.headers[.cacheControl] = "public, max-age=300"
                return response
            } catch let error as AppError where error.kind == .notFound {
                return try StaticAssetsController.neutralFavicon(themes: themes, theme: tenant.theme, request: request)
            }
        }
    }

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.post(ConsoleRoutes.brandingLogo, use: { request, context in try await upload(.logo, request: request, context: context) })
        group.post(ConsoleRoutes.brandingFavicon, use: { request, context in try await upload(.favicon, request: request, context: context) })
    }

    func serve(_ kind: BrandingAssetKind, tenant: TenantID) async throws -> Response {
        let stored = try await pool.withTenant(tenant) { tx in
            try await repositories.branding.asset(kind, in: tx)
        }
        guard let stored, let type = FileKind(contentType: stored.contentType) else { throw AppError.notFound(kind.rawValue) }
        let content: BlobContent
        do {
            content = try await blobStore.open(tenant: tenant, key: stored.key)
        } catch BlobStoreError.notFound {
            throw AppError.notFound(kind.rawValue)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: type.contentType,
                .contentLength: String(content.size),
                .xContentTypeOptions: "nosniff",
                // The URL carries the branding version, so a new upload is a new URL.
                .cacheControl: "public, max-age=3600",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; sandbox",
            ], body: ResponseBody(asyncSequence: content))
    }

    func upload(_ kind: BrandingAssetKind, request: Request, context: StaffRequestContext) async throws -> Response {
        let tenant = context.tenant.id
        var limits = UploadLimits.standard
        limits.maxFiles = 1
        limits.maxFileSize = Self.maximumSize
        limits.maxTotalSize = Self.maximumSize + 64 * 1024
        let policy = FileTypePolicy(accepted: Self.accepted(kind))
        let form: UploadedForm
        do {
            form = try await MultipartUpload.receive(
                request: request, limits: limits, blobStore: blobStore, tenant: tenant,
                scanner: virusScanner, policy: policy, logger: logger
            ) { fields in
                try CSRF.verify(token: fields.first { $0.name == "csrf_token" }?.value, context: context.parent)
            }
        } catch let error as AppError where error.code.hasPrefix("upload_") {
            // Too large stays 413 and a body that broke off 400 (the page says why); a file
            // that is not acceptable is 422.
            let status: HTTPResponse.Status =
                switch error.kind {
                case .payloadTooLarge: .contentTooLarge
                case .badRequest: .badRequest
                default: .unprocessableContent
                }
            return try await refuse(kind, error.message, status: status, request: request, context: context)
        }
        guard let file = form.files.first else {
            return try await refuse(kind, L10n.t("console.branding.asset.noFile"), request: request, context: context)
        }
        do {
            if file.kind == .svg {
                let bytes = try await blobStore.read(tenant: tenant, key: file.key, upTo: Self.maximumSize)
                do {
                    try SVGSanitizer.check(Data(buffer: bytes))
                } catch let refusal as SVGSanitizer.Refusal {
                    throw AppError(
                        .unsupportedMediaType, code: "unsafe_svg",
                        L10n.t("console.branding.asset.unsafeSVG", ["file": file.fileName, "reason": refusal.reason]))
                }
            }
            let previous = try await pool.withTenant(tenant) { tx in
                let previous = try await repositories.branding.asset(kind, in: tx)
                try await repositories.branding.setUploadedAsset(kind, key: file.key, contentType: file.kind.contentType, in: tx)
                try await repositories.audit.record(
                    .init(
                        actorKind: "staff", actorId: context.staff.id, actorLabel: context.staff.email, action: "branding.\(kind.rawValue)_uploaded",
                        targetKind: "tenant", targetId: tenant.rawValue.uuidString.lowercased(), ip: context.clientIP,
                        userAgent: request.headers[.userAgent] ?? "",
                        details: ["file": file.fileName, "type": file.kind.contentType, "bytes": String(file.size)]), in: tx)
                return previous
            }
            if let previous { try? await blobStore.delete(tenant: tenant, key: previous.key) }
        } catch let error as AppError {
            await form.deleteFiles(from: blobStore, tenant: tenant, logger: logger)
            if error.kind == .unsupportedMediaType { return try await refuse(kind, error.message, request: request, context: context) }
            throw error
        } catch {
            await form.deleteFiles(from: blobStore, tenant: tenant, logger: logger)
            throw error
        }
        directory.invalidate(tenant: tenant)
        return Response(status: .seeOther, headers: [.location: "\(ConsoleRoutes.branding.path)?saved=1"])
    }

    func refuse(
        _ kind: BrandingAssetKind, _ message: String, status: HTTPResponse.Status = .unprocessableContent, request: Request,
        context: StaffRequestContext
    ) async throws -> Response {
        var state = FormState(errors: [kind.rawValue: message], message: L10n.t("console.branding.asset.unchanged.\(kind.rawValue)"))
        state.values = [:]
        let page = try await editor.render(context, form: nil, assetProblem: state, status: status)
        return try page.response(from: request, context: context)
    }
}
