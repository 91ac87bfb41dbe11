import Hummingbird

/// A request context that has resolved its tenant.
protocol TenantScopedContext: RequestContext {
    var tenant: ResolvedTenant { get }
}

extension SubscriberAPIContext: TenantScopedContext {}
extension IntegrationAPIContext: TenantScopedContext {}

/// Counts each authenticated API request towards its tenant's usage (the reports' "API
/// requests"), whatever its outcome: a refused request still used the API.
struct APIUsageMiddleware<Context: TenantScopedContext>: RouterMiddleware {
    let surface: APISurface
    let tally: APIUsageTally

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        tally.count(surface, tenant: context.tenant.id)
        return try await next(request, context)
    }
}
