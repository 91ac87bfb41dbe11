import Hummingbird
import Postgres

/// Checks the subscriber access token of every request in its group and records who it
/// belongs to. A token of another tenant finds nothing here (its row is invisible under this
/// tenant's row-level security) and gets the same 401 as an unknown one.
struct SubscriberTokenAuthenticator: RouterMiddleware {
    typealias Context = APIRequestContext

    let pool: ConnectionPool
    let tokens: any SubscriberTokenStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let token = try BearerCredential.from(request)
        let subscriber = try await pool.withTenant(context.tenant.id) { tx in
            try await tokens.authenticate(accessToken: token, in: tx)
        }
        guard let subscriber else { throw APIAuthError.invalidToken }
        var context = context
        context.subscriber = subscriber
        return try await next(request, context)
    }
}
