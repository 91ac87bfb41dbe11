import HTTPTypes
import Hummingbird
import Postgres

/// Cross-origin browser access to `/api/v1`, per tenant and off by default.
///
/// For an `Origin` the tenant lists (Settings → API access), a preflight `OPTIONS` is answered
/// here with 204 and the allowed methods and headers, and every other response — errors
/// included — gets `Access-Control-Allow-Origin: <that origin>` and the headers a client may
/// read. Any other origin, or none, gets no CORS headers, and its preflight a 403 in the API's
/// error shape. Credentials mode is never allowed: the API takes bearer tokens, not cookies.
///
/// It sits on the API's route group, after the site is resolved and outside the API's error
/// middleware, so thrown errors are already responses when the headers are added. Preflights
/// reach it on every API path because every node of the API's route table answers `OPTIONS`
/// (`UnmatchedRoutes`).
struct CORSMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let pool: ConnectionPool
    let settings: any TenantSettingsRepository
    let throttle: LogThrottle

    static let allowMethods = "GET, POST, PUT, PATCH, DELETE"
    static let allowHeaders = "Authorization, Content-Type, If-Match"
    static let exposeHeaders = "ETag, Location, Retry-After"
    /// Seconds a browser may cache a preflight answer.
    static let maxAge = 600

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard case .tenant(let tenant) = context.site else {
            return try await next(request, context)
        }
        let origin = request.headers[.origin]
        if request.method == .options {
            return await preflight(origin: origin, tenant: tenant, context: context)
        }
        var response = try await next(request, context)
        // Whether CORS headers are sent depends on Origin: caches must keep the answers apart.
        Self.addVary(&response.headers)
        if let origin, await allowed(origin, tenant: tenant, context: context) {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = Self.exposeHeaders
        }
        return response
    }

    func preflight(origin: String?, tenant: ResolvedTenant, context: Context) async -> Response {
        guard let origin, await allowed(origin, tenant: tenant, context: context) else {
            var refused = APIError.response(
                AppError(
                    .forbidden, code: "cors_origin_not_allowed",
                    "Cross-origin requests from this origin are not allowed. An administrator can list the origin under Settings → API access."))
            Self.addVary(&refused.headers)
            return refused
        }
        var headers: HTTPFields = [
            .accessControlAllowOrigin: origin,
            .accessControlAllowMethods: Self.allowMethods,
            .accessControlAllowHeaders: Self.allowHeaders,
            .accessControlMaxAge: String(Self.maxAge),
            .cacheControl: "no-store",
        ]
        Self.addVary(&headers)
        return Response(status: .noContent, headers: headers)
    }

    /// Looks the origin up in the tenant's list. A database failure allows nothing (and is logged):
    /// the response itself still goes out, only without CORS headers.
    func allowed(_ origin: String, tenant: ResolvedTenant, context: Context) async -> Bool {
        // `null` (sandboxed frames, file://) and anything not shaped like an origin never match.
        guard origin.count <= 300, origin.contains("://") else { return false }
        do {
            let origins = try await pool.withTenant(tenant.id) { tx in try await settings.apiCORSOrigins(in: tx) }
            return origins.allows(origin)
        } catch {
            context.logger.throttled(
                throttle, key: "cors_origins_unreadable", level: .warning, "CORS origins could not be read",
                metadata: ["error": "\(error)"])
            return false
        }
    }

    static func addVary(_ headers: inout HTTPFields) {
        let existing = headers[values: .vary]
        if !existing.contains(where: { $0.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "origin" } }) {
            headers.append(HTTPField(name: .vary, value: "Origin"))
        }
    }
}
