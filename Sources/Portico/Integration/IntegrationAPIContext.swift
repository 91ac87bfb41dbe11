import Foundation
import Hummingbird
import NIOCore
import Postgres

/// The context of the integration API (`/api/v1/admin/…`): created only behind
/// `APIKeyAuthenticator`, so the key is not optional for any route here.
public struct IntegrationAPIContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let tenant: ResolvedTenant
    public let apiKey: APIKeyIdentity
    public let clientIP: String

    public init(context: APIRequestContext) throws {
        guard let key = context.apiKey else { throw APIKeyAuthenticator.invalidKey }
        self.coreContext = context.coreContext
        self.tenant = context.tenant
        self.apiKey = key
        self.clientIP = context.clientIP
    }

    public var maxUploadSize: Int { APIBody.defaultLimit }

    public var origin: RequestOrigin { RequestOrigin(ip: clientIP, userAgent: "") }
}

/// Checks the API key of every integration request. Unknown, revoked and other tenants' keys
/// (invisible under this tenant's row-level security) get one 401; subscriber access tokens
/// (`pa_…`) are not keys and get it too.
struct APIKeyAuthenticator: RouterMiddleware {
    typealias Context = APIRequestContext

    let pool: ConnectionPool
    let keys: any APIKeyStore

    static let invalidKey = AppError(
        .unauthorized, code: "invalid_token",
        "The API key is unknown or revoked. An admin can create a new one in the console under Settings → API keys.")

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let secret = try BearerCredential.from(request)
        let identity = try await pool.withTenant(context.tenant.id) { tx in try await keys.authenticate(secret: secret, in: tx) }
        guard let identity else { throw Self.invalidKey }
        var context = context
        context.apiKey = identity
        return try await next(request, context)
    }
}

/// Reading needs the `read` scope, changing anything the `write` scope; and every key has a
/// generous per-minute budget shared by all instances (429 with Retry-After past it).
struct APIKeyPolicy: RouterMiddleware {
    typealias Context = IntegrationAPIContext

    let limiter: RateLimiter
    static var limit: RateLimit { .apiKey }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let needed: APIKeyIdentity.Scope = (request.method == .get || request.method == .head) ? .read : .write
        guard context.apiKey.scopes.contains(needed) else {
            throw AppError(
                .forbidden, code: "insufficient_scope",
                "This API key lacks the `\(needed.rawValue)` scope this request needs. An admin can create a key with the \(needed == .write ? "read and write" : "read") scope."
            )
        }
        let decision = try await limiter.hit(Self.limit, bucket: RateLimit.apiKeyBucket(context.apiKey.id))
        guard decision.allowed else {
            throw AppError(
                .tooManyRequests, code: "rate_limited",
                "This API key sent more than \(Self.limit.limit) requests in a minute. Wait \(decision.retryAfter) seconds, then continue.",
                retryAfter: max(1, decision.retryAfter))
        }
        return try await next(request, context)
    }
}

extension RateLimit {
    /// 6,000 requests a minute per integration API key: a full sync at full speed, not a runaway loop.
    public static let apiKey = RateLimit(name: "api-key", limit: 6000, window: .seconds(60), baseBlock: .seconds(10), maximumBlock: .seconds(300))

    public static func apiKeyBucket(_ key: UUID) -> String { RateLimiter.bucket(apiKey, key.uuidString.lowercased()) }
}
