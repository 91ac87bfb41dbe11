import Hummingbird
import Logging
import NIOCore

/// Builds the HTTP application. `portico serve` and the tests both use this, so the tests
/// exercise exactly the routes, middleware and services that run in production.
///
/// The listener applies `configuration.http`: a deadline for request heads, an idle timeout
/// and a cap on open connections (`PublicHTTPChannel`, `ConnectionCap`). `onServerRunning`
/// learns the address bound (port 0 picks a free one).
public func buildApplication(
    _ dependencies: AppDependencies,
    hostname: String = "127.0.0.1",
    port: Int = 8080,
    idleConnections idle: IdleConnections = IdleConnections(),
    onServerRunning: (@Sendable (SocketAddress?) async -> Void)? = nil
) throws -> some ApplicationProtocol {
    let router = try buildRouter(dependencies)
    var logger = dependencies.logger
    logger[metadataKey: "component"] = "http"
    let limits = dependencies.configuration.http
    let workers = WorkerShutdown(signal: dependencies.shutdownSignal, grace: dependencies.configuration.shutdownGrace)
    return Application(
        router: router,
        server: .portico(limits, idle: idle),
        configuration: .init(
            address: .hostname(hostname, port: port), serverName: nil,
            availableConnectionsDelegate: ConnectionCap(maximum: limits.effectiveMaxConnections, idle: idle, logger: logger)
        ),
        services: [
            NotificationService(dependencies: dependencies),
            MaintenanceService(dependencies: dependencies),
            OutboxService(
                delivery: dependencies.outboxDelivery, events: dependencies.listener.subscribe(), pollInterval: .seconds(5),
                shutdown: workers),
            WebhookService(
                delivery: dependencies.webhookDelivery, events: dependencies.listener.subscribe(), pollInterval: .seconds(5),
                shutdown: workers),
            APIUsageFlusher(pool: dependencies.pool, tally: dependencies.apiUsage, logger: dependencies.logger),
        ],
        onServerRunning: { channel in await onServerRunning?(channel.localAddress) },
        logger: logger
    )
}

/// `claimingUnmatched: false` leaves out the not-found claims (`UnmatchedRoutes`): only for
/// tests that read the route table, to see the routes the application defines.
public func buildRouter(_ dependencies: AppDependencies, claimingUnmatched: Bool = true) throws -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let renderer = dependencies.renderer
    // Order matters: outer middleware see what inner ones return, errors included. Each
    // behaviour belongs to the route group it serves, never to a check of the URL path.
    router.add(middleware: DefaultTextsMiddleware(texts: renderer.catalogs.texts(.en)))
    router.add(middleware: RequestMetricsMiddleware())
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: SecurityHeadersMiddleware(https: dependencies.configuration.publicScheme == .https))
    router.add(middleware: UnsupportedMethodMiddleware())

    // Load balancers poll these on any host name: before, and without, site resolution.
    HealthController(pool: dependencies.pool, listener: dependencies.listener, throttle: dependencies.logThrottle).addRoutes(to: router)
    // The internal routes live only on the loopback listener: here they are not, on any host.
    let neutral = NeutralPages(renderer: renderer)
    for method in UnmatchedRoutes.methods {
        for route in [InternalRoutes.area, InternalRoutes.everything] {
            router.on(RouterPath(route.pattern), method: method) { _, _ in neutral.notFound() }
        }
    }

    // Everything else belongs to the site the Host header names.
    let sites = router.group()
        .add(
            middleware: SiteResolutionMiddleware(
                directory: dependencies.directory,
                trustedProxies: dependencies.configuration.trustedProxies,
                pages: neutral,
                throttle: dependencies.logThrottle
            ))
    let api = sites.group()
        // CORS (per tenant, off by default): outside the error middleware so errors get the
        // headers too; preflights reach it through the API's unmatched-route claims.
        .add(middleware: CORSMiddleware(pool: dependencies.pool, settings: dependencies.repositories.settings, throttle: dependencies.logThrottle))
        .add(middleware: APIErrorMiddleware(throttle: dependencies.logThrottle))
    let pages = sites.group().add(middleware: ErrorPageMiddleware(renderer: renderer, throttle: dependencies.logThrottle))

    StaticAssetsController(themes: renderer.themes).addRoutes(to: pages)
    BrandAssetsController(dependencies: dependencies).addFaviconRoute(to: pages)

    let tenantSite = pages.group(context: TenantRequestContext.self)
        .add(middleware: SessionMiddleware(pool: dependencies.pool, sessions: dependencies.sessions, cookies: dependencies.cookies))
        .add(middleware: LanguageMiddleware(catalogs: renderer.catalogs, cookies: dependencies.cookies))
    // Outside the CSRF check: mail clients post one-click unsubscribes (RFC 8058).
    UnsubscribeController(
        preferences: EmailPreferences(pool: dependencies.pool, repositories: dependencies.repositories), renderer: dependencies.renderer
    ).addRoutes(to: tenantSite)
    let tenantRoutes = tenantSite.group().add(middleware: CSRFMiddleware<TenantRequestContext>())
    BrandingController().addRoutes(to: tenantRoutes)
    LanguageController(dependencies: dependencies).addRoutes(to: tenantRoutes)
    BrandAssetsController(dependencies: dependencies).addPublicRoutes(to: tenantRoutes)
    PortalHomeController(renderer: renderer).addRoutes(to: tenantRoutes)
    CustomerAuthController(accounts: CustomerAccounts(dependencies: dependencies), renderer: renderer, cookies: dependencies.cookies)
        .addRoutes(to: tenantRoutes)

    StaffAuthController(accounts: StaffAccounts(dependencies: dependencies), renderer: renderer, cookies: dependencies.cookies)
        .addRoutes(to: tenantRoutes)
    StatusPageController(dependencies: dependencies).addRoutes(to: tenantRoutes)
    CalendarFeedController(service: CustomerAppointments(dependencies: dependencies)).addRoutes(to: tenantRoutes)

    let portal = tenantRoutes.group(context: CustomerRequestContext.self)
    DashboardController(dashboards: PortalDashboards(pool: dependencies.pool, repositories: dependencies.repositories), renderer: renderer)
        .addRoutes(to: portal)
    let profile = ProfileController(
        accounts: CustomerAccounts(dependencies: dependencies), devices: SignedInDevices(dependencies: dependencies),
        preferences: EmailPreferences(pool: dependencies.pool, repositories: dependencies.repositories), renderer: dependencies.renderer,
        cookies: dependencies.cookies)
    profile.addRoutes(to: portal)
    SubscriberRightsController(
        rights: SubscriberRights(
            pool: dependencies.pool, repositories: dependencies.repositories, rateLimiter: dependencies.rateLimiter, blobStore: dependencies.blobStore
        ),
        profile: profile
    ).addRoutes(to: portal)
    PortalWorkOrdersController(
        service: CustomerWorkOrders(dependencies: dependencies), renderer: renderer,
        receiver: AttachmentReceiver(dependencies: dependencies), files: dependencies.blobStore
    ).addRoutes(to: portal)
    PortalEventsController(dependencies: dependencies).addRoutes(to: portal)
    PortalAppointmentsController(service: CustomerAppointments(dependencies: dependencies), renderer: dependencies.renderer).addRoutes(to: portal)
    PortalTasksController(dependencies: dependencies).addRoutes(to: portal)
    PortalNotesController(dependencies: dependencies).addRoutes(to: portal)
    PortalServiceController(dependencies: dependencies).addRoutes(to: portal)
    PortalSupportController(dependencies: dependencies).addRoutes(to: portal)

    // The console: every route needs a signed-in staff member; some need a role.
    let console = tenantRoutes.group(context: StaffRequestContext.self)
    console.add(middleware: StaffTwoFactorRequirement())
    AdminHomeController(dependencies: dependencies).addRoutes(to: console)
    AccountSecurityController(dependencies: dependencies).addRoutes(to: console)
    AdminWorkOrdersController(
        service: StaffWorkOrders(dependencies: dependencies), renderer: renderer,
        receiver: AttachmentReceiver(dependencies: dependencies), files: dependencies.blobStore
    ).addRoutes(to: console)
    AdminEventsController(dependencies: dependencies).addRoutes(to: console)
    let agents = console.group().add(middleware: RequireRole(minimum: .agent))
    OutboxController(dependencies: dependencies).addRoutes(to: agents)
    AdminCustomersController(dependencies: dependencies).addRoutes(to: agents)
    AdminInvitationsController(dependencies: dependencies).addRoutes(to: agents)
    AdminAppointmentsController(dependencies: dependencies).addRoutes(console: console, agents: agents)
    AdminTasksController(dependencies: dependencies).addRoutes(to: agents)
    ExportController(dependencies: dependencies).addRoutes(to: agents)
    let adminOnly = console.group().add(middleware: RequireRole(minimum: .admin))
    SettingsController(dependencies: dependencies).addRoutes(to: adminOnly)
    NotificationSettingsController(dependencies: dependencies).addRoutes(to: adminOnly)
    CategorySettingsController(dependencies: dependencies).addRoutes(to: adminOnly)
    FAQSettingsController(dependencies: dependencies).addRoutes(to: adminOnly)
    NoticeSettingsController(dependencies: dependencies).addRoutes(to: adminOnly)
    TimeZoneSettingsController(dependencies: dependencies).addRoutes(to: adminOnly)
    APIAccessSettingsController(dependencies: dependencies).addRoutes(to: adminOnly)
    LanguageSettingsController(dependencies: dependencies).addRoutes(to: adminOnly)
    RetentionSettingsController(dependencies: dependencies).addRoutes(to: adminOnly)
    StaffManagementController(dependencies: dependencies).addRoutes(to: adminOnly)
    DomainsController(dependencies: dependencies).addRoutes(to: adminOnly)
    AuditController(dependencies: dependencies).addRoutes(to: adminOnly)
    ReportsController(dependencies: dependencies).addRoutes(to: adminOnly)
    DeletionRequestsController(dependencies: dependencies).addRoutes(to: adminOnly)
    BrandingEditorController(dependencies: dependencies).addRoutes(to: adminOnly)
    BrandAssetsController(dependencies: dependencies).addRoutes(to: adminOnly)
    ImportController(dependencies: dependencies).addRoutes(to: adminOnly)
    APIKeysController(dependencies: dependencies).addRoutes(to: adminOnly)
    WebhooksController(dependencies: dependencies).addRoutes(to: adminOnly)

    let pagePaths = Set(router.routes.map(\.path.description))
    try addAPIRoutes(to: api, dependencies)
    let apiPaths = Set(router.routes.map(\.path.description)).subtracting(pagePaths)

    // The operator host.
    let operatorSite = pages.group(context: OperatorSiteContext.self)
    operatorSite.add(middleware: OperatorSessionMiddleware(accounts: OperatorAccounts(dependencies: dependencies), cookies: dependencies.cookies))
    operatorSite.add(middleware: OperatorLanguageMiddleware(catalogs: renderer.catalogs, cookies: dependencies.cookies))
    operatorSite.add(middleware: CSRFMiddleware<OperatorSiteContext>())
    OperatorLanguageController(cookies: dependencies.cookies).addRoutes(to: operatorSite)
    let operatorController = OperatorController(dependencies: dependencies)
    operatorController.addPublicRoutes(to: operatorSite)
    let operatorPages = operatorSite.group(context: OperatorRequestContext.self)
    operatorController.addRoutes(to: operatorPages)
    OperatorTenantController(dependencies: dependencies).addRoutes(to: operatorPages)
    OperatorLifecycleController(dependencies: dependencies).addRoutes(to: operatorPages)
    OperatorReportsController(dependencies: dependencies).addRoutes(to: operatorPages)

    if claimingUnmatched {
        UnmatchedRoutes.claim(table: router.routes, apiPaths: apiPaths, pages: pages, api: api)
    }
    return router
}

/// `/api/v1` on tenant hosts: bearer credentials instead of cookies, JSON in and out.
func addAPIRoutes(to router: RouterGroup<AppRequestContext>, _ dependencies: AppDependencies) throws {
    let api = router.group(context: APIRequestContext.self)
    OpenAPIController(document: try OpenAPIDocument.load()).addRoutes(to: api)
    let subscriberAuth = SubscriberAuthController(dependencies: dependencies)
    subscriberAuth.addPublicRoutes(to: api)

    // Subscriber API: routes that need a signed-in subscriber go on `subscriber`.
    let subscriber = api.group()
        .add(middleware: SubscriberTokenAuthenticator(pool: dependencies.pool, tokens: dependencies.repositories.apiTokens))
        .group(context: SubscriberAPIContext.self)
        .add(middleware: APIUsageMiddleware(surface: .subscriber, tally: dependencies.apiUsage))
    let customerWorkOrders = CustomerWorkOrders(dependencies: dependencies)
    WorkOrderAPIController(
        service: customerWorkOrders, files: dependencies.blobStore, scanner: dependencies.virusScanner, logger: dependencies.logger
    ).addRoutes(to: subscriber)
    WorkOrderCategoriesAPIController(service: customerWorkOrders).addRoutes(to: subscriber)
    subscriberAuth.addRoutes(to: subscriber)
    SubscriberProfileController(dependencies: dependencies).addRoutes(to: subscriber)
    SubscriberAppointmentsController(service: CustomerAppointments(dependencies: dependencies)).addRoutes(to: subscriber)
    SubscriberAccountController(dependencies: dependencies).addRoutes(to: subscriber)

    // Integration API (API keys): routes go under `api/v1/admin`.
    let integration = api.group()
        .add(middleware: APIKeyAuthenticator(pool: dependencies.pool, keys: dependencies.repositories.apiKeys))
        .group(context: IntegrationAPIContext.self)
        .add(middleware: APIUsageMiddleware(surface: .integration, tally: dependencies.apiUsage))
        .add(middleware: APIKeyPolicy(limiter: dependencies.rateLimiter))
    IntegrationController(dependencies: dependencies).addRoutes(to: integration)
}
