import Hummingbird
import Logging

/// Builds the HTTP application. `portico serve` and the tests both use this, so the tests
/// exercise exactly the routes, middleware and services that run in production.
public func buildApplication(
    _ dependencies: AppDependencies,
    hostname: String = "127.0.0.1",
    port: Int = 8080
) throws -> some ApplicationProtocol {
    let router = buildRouter(dependencies)
    var logger = dependencies.logger
    logger[metadataKey: "component"] = "http"
    return Application(
        router: router,
        configuration: .init(address: .hostname(hostname, port: port), serverName: nil),
        services: [],
        logger: logger
    )
}

func buildRouter(_ dependencies: AppDependencies) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    HealthController(pool: dependencies.pool).addRoutes(to: router)
    return router
}
