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
            NotificationService(directory: dependencies.directory, listener: dependencies.listener),
            dependencies.maintenanceService(),
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
    let pool = dependencies.pool
    let repositories = dependencies.repositories
    // Services shared by several controllers; each controller gets only what it uses.
    let customerAccounts = dependencies.customerAccounts
    let staffAccounts = dependencies.staffAccounts
    let customerInvitations = dependencies.customerInvitations
    let settingsSupport = SettingsSupport(pool: pool, repositories: repositories)
    let brandingEditor = BrandingEditorController(directory: dependencies.directory, pool: pool, repositories: repositories, renderer: renderer)
    // Order matters: outer middleware see what inner ones return, errors included. Each
    // behaviour belongs to the route group it serves, never to a check of the URL path.
    router.add(middleware: DefaultTextsMiddleware(texts: renderer.catalogs.texts(.en)))
    router.add(middleware: RequestMetricsMiddleware())
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: SecurityHeadersMiddleware(https: dependencies.configuration.publicScheme == .https))
    router.add(middleware: UnsupportedMethodMiddleware())

    // Load balancers poll these on any host name: before, and without, site resolution.
    HealthController(pool: pool, listener: dependencies.listener, throttle: dependencies.logThrottle).addRoutes(to: router)
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
        .add(middleware: CORSMiddleware(pool: pool, settings: repositories.settings, throttle: dependencies.logThrottle))
        .add(middleware: APIErrorMiddleware(throttle: dependencies.logThrottle))
    let pages = sites.group().add(middleware: ErrorPageMiddleware(renderer: renderer, throttle: dependencies.logThrottle))

    StaticAssetsController(themes: renderer.themes).addRoutes(to: pages)
    BrandAssetsController(
        blobStore: dependencies.blobStore, directory: dependencies.directory, logger: dependencies.logger, pool: pool,
        repositories: repositories, renderer: renderer, virusScanner: dependencies.virusScanner,
        editor: brandingEditor
    ).addFaviconRoute(to: pages)

    let tenantSite = pages.group(context: TenantRequestContext.self)
        .add(middleware: SessionMiddleware(pool: pool, sessions: dependencies.sessions, cookies: dependencies.cookies))
        .add(middleware: LanguageMiddleware(catalogs: renderer.catalogs, cookies: dependencies.cookies))
    // Outside the CSRF check: mail clients post one-click unsubscribes (RFC 8058).
    UnsubscribeController(
        preferences: EmailPreferences(pool: pool, repositories: repositories), renderer: renderer
    ).addRoutes(to: tenantSite)
    let tenantRoutes = tenantSite.group().add(middleware: CSRFMiddleware<TenantRequestContext>())
    BrandingController().addRoutes(to: tenantRoutes)
    LanguageController(pool: pool, repositories: repositories, cookies: dependencies.cookies).addRoutes(to: tenantRoutes)
    BrandAssetsController(
        blobStore: dependencies.blobStore, directory: dependencies.directory, logger: dependencies.logger, pool: pool,
        repositories: repositories, renderer: renderer, virusScanner: dependencies.virusScanner,
        editor: brandingEditor
    ).addPublicRoutes(to: tenantRoutes)
    PortalHomeController(renderer: renderer).addRoutes(to: tenantRoutes)
    CustomerAuthController(accounts: customerAccounts, renderer: renderer, cookies: dependencies.cookies)
        .addRoutes(to: tenantRoutes)

    StaffAuthController(accounts: staffAccounts, renderer: renderer, cookies: dependencies.cookies)
        .addRoutes(to: tenantRoutes)
    StatusPageController(pool: pool, renderer: renderer).addRoutes(to: tenantRoutes)
    CalendarFeedController(service: dependencies.customerAppointments).addRoutes(to: tenantRoutes)

    let portal = tenantRoutes.group(context: CustomerRequestContext.self)
    DashboardController(dashboards: PortalDashboards(pool: pool, repositories: repositories), renderer: renderer)
        .addRoutes(to: portal)
    let profile = ProfileController(
        accounts: customerAccounts, devices: dependencies.signedInDevices,
        preferences: EmailPreferences(pool: pool, repositories: repositories), renderer: renderer,
        cookies: dependencies.cookies)
    profile.addRoutes(to: portal)
    SubscriberRightsController(
        rights: SubscriberRights(
            pool: pool, repositories: repositories, rateLimiter: dependencies.rateLimiter, blobStore: dependencies.blobStore
        ),
        profile: profile
    ).addRoutes(to: portal)
    PortalWorkOrdersController(
        service: dependencies.customerWorkOrders, renderer: renderer,
        receiver: dependencies.attachmentReceiver, files: dependencies.blobStore
    ).addRoutes(to: portal)
    PortalEventsController(listener: dependencies.listener).addRoutes(to: portal)
    PortalAppointmentsController(service: dependencies.customerAppointments, renderer: renderer).addRoutes(to: portal)
    PortalTasksController(renderer: renderer, tasks: dependencies.customerTasks).addRoutes(to: portal)
    PortalNotesController(pool: pool, repositories: repositories, renderer: renderer).addRoutes(to: portal)
    PortalServiceController(pool: pool, repositories: repositories, renderer: renderer).addRoutes(to: portal)
    PortalSupportController(pool: pool, repositories: repositories, renderer: renderer).addRoutes(to: portal)

    // The console: every route needs a signed-in staff member; some need a role.
    let console = tenantRoutes.group(context: StaffRequestContext.self)
    console.add(middleware: StaffTwoFactorRequirement())
    AdminHomeController(pool: pool, renderer: renderer).addRoutes(to: console)
    AccountSecurityController(
        pool: pool, repositories: repositories, renderer: renderer, cookies: dependencies.cookies,
        accounts: staffAccounts, devices: dependencies.signedInDevices
    ).addRoutes(to: console)
    AdminWorkOrdersController(
        service: dependencies.staffWorkOrders, renderer: renderer,
        receiver: dependencies.attachmentReceiver, files: dependencies.blobStore
    ).addRoutes(to: console)
    AdminEventsController(listener: dependencies.listener).addRoutes(to: console)
    let agents = console.group().add(middleware: RequireRole(minimum: .agent))
    OutboxController(pool: pool, repositories: repositories, renderer: renderer).addRoutes(to: agents)
    let customersConsole = AdminCustomersController(
        customers: dependencies.staffSubscriberAccounts, renderer: renderer, accounts: customerAccounts, invitations: customerInvitations,
        tasks: dependencies.staffTasks)
    customersConsole.addRoutes(to: agents)
    AdminInvitationsController(renderer: renderer, invitations: customerInvitations).addRoutes(to: agents)
    AdminAppointmentsController(
        pool: pool, repositories: repositories, renderer: renderer, service: dependencies.staffAppointments
    ).addRoutes(console: console, agents: agents)
    AdminTasksController(renderer: renderer, tasks: dependencies.staffTasks).addRoutes(to: agents)
    ExportController(pool: pool, repositories: repositories, renderer: renderer).addRoutes(to: agents)
    let adminOnly = console.group().add(middleware: RequireRole(minimum: .admin))
    SettingsController(
        pool: pool, repositories: repositories, renderer: renderer,
        support: settingsSupport
    ).addRoutes(to: adminOnly)
    NotificationSettingsController(pool: pool, repositories: repositories, renderer: renderer).addRoutes(
        to: adminOnly)
    CategorySettingsController(pool: pool, renderer: renderer, support: settingsSupport).addRoutes(to: adminOnly)
    FAQSettingsController(pool: pool, renderer: renderer, support: settingsSupport).addRoutes(to: adminOnly)
    NoticeSettingsController(pool: pool, renderer: renderer, support: settingsSupport).addRoutes(to: adminOnly)
    TimeZoneSettingsController(
        directory: dependencies.directory, pool: pool, repositories: repositories, renderer: renderer,
        support: settingsSupport
    ).addRoutes(to: adminOnly)
    APIAccessSettingsController(pool: pool, renderer: renderer, support: settingsSupport)
        .addRoutes(to: adminOnly)
    LanguageSettingsController(
        pool: pool, repositories: repositories, renderer: renderer,
        support: settingsSupport
    ).addRoutes(to: adminOnly)
    RetentionSettingsController(pool: pool, renderer: renderer, support: settingsSupport)
        .addRoutes(to: adminOnly)
    StaffManagementController(
        pool: pool, repositories: repositories, renderer: renderer,
        accounts: staffAccounts
    ).addRoutes(to: adminOnly)
    DomainsController(
        configuration: dependencies.configuration, directory: dependencies.directory, renderer: renderer,
        domains: dependencies.customDomains
    ).addRoutes(to: adminOnly)
    AuditController(trail: AuditTrail(pool: pool, repositories: repositories), renderer: renderer).addRoutes(to: adminOnly)
    ReportsController(reports: StaffReports(pool: pool, repositories: repositories), renderer: renderer).addRoutes(to: adminOnly)
    DeletionRequestsController(
        pool: pool, repositories: repositories, renderer: renderer,
        erasure: CustomerErasure(
            pool: pool, repositories: repositories, sessions: dependencies.sessions, blobStore: dependencies.blobStore,
            logger: dependencies.logger),
        customers: customersConsole
    ).addRoutes(to: adminOnly)
    brandingEditor.addRoutes(to: adminOnly)
    BrandAssetsController(
        blobStore: dependencies.blobStore, directory: dependencies.directory, logger: dependencies.logger, pool: pool,
        repositories: repositories, renderer: renderer, virusScanner: dependencies.virusScanner,
        editor: brandingEditor
    ).addRoutes(to: adminOnly)
    ImportController(
        configuration: dependencies.configuration, pool: pool, repositories: repositories, renderer: renderer
    ).addRoutes(to: adminOnly)
    APIKeysController(keys: IntegrationKeys(pool: pool, repositories: repositories), renderer: renderer).addRoutes(to: adminOnly)
    WebhooksController(
        configuration: dependencies.configuration, endpoints: WebhookEndpoints(pool: pool, repositories: repositories), renderer: renderer,
        support: settingsSupport
    ).addRoutes(to: adminOnly)

    let pagePaths = Set(router.routes.map(\.path.description))
    try addAPIRoutes(to: api, dependencies)
    let apiPaths = Set(router.routes.map(\.path.description)).subtracting(pagePaths)

    // The operator host.
    let operatorSite = pages.group(context: OperatorSiteContext.self)
    operatorSite.add(middleware: OperatorSessionMiddleware(accounts: dependencies.operatorAccounts, cookies: dependencies.cookies))
    operatorSite.add(middleware: OperatorLanguageMiddleware(catalogs: renderer.catalogs, cookies: dependencies.cookies))
    operatorSite.add(middleware: CSRFMiddleware<OperatorSiteContext>())
    OperatorLanguageController(cookies: dependencies.cookies).addRoutes(to: operatorSite)
    let operatorController = OperatorController(
        accounts: dependencies.operatorAccounts, cookies: dependencies.cookies, renderer: renderer, configuration: dependencies.configuration,
        directory: dependencies.directory, logger: dependencies.logger, outbox: dependencies.outbox, pool: pool, repositories: repositories,
        tenants: dependencies.tenants)
    operatorController.addPublicRoutes(to: operatorSite)
    let operatorPages = operatorSite.group(context: OperatorRequestContext.self)
    operatorController.addRoutes(to: operatorPages)
    OperatorTenantController(
        directory: dependencies.directory, pool: pool, repositories: repositories, renderer: renderer,
        tenants: dependencies.tenants
    ).addRoutes(to: operatorPages)
    OperatorLifecycleController(
        blobStore: dependencies.blobStore, configuration: dependencies.configuration, pool: pool, renderer: renderer,
        tenants: dependencies.tenants, operators: operatorController
    ).addRoutes(to: operatorPages)
    OperatorReportsController(pool: pool, renderer: renderer).addRoutes(to: operatorPages)

    if claimingUnmatched {
        UnmatchedRoutes.claim(table: router.routes, apiPaths: apiPaths, pages: pages, api: api)
    }
    return router
}

/// `/api/v1` on tenant hosts: bearer credentials instead of cookies, JSON in and out.
func addAPIRoutes(to router: RouterGroup<AppRequestContext>, _ dependencies: AppDependencies) throws {
    let api = router.group(context: APIRequestContext.self)
    let pool = dependencies.pool
    let repositories = dependencies.repositories
    let customerAccounts = dependencies.customerAccounts
    OpenAPIController(document: try OpenAPIDocument.load()).addRoutes(to: api)
    let subscriberAuth = SubscriberAuthController(accounts: customerAccounts)
    subscriberAuth.addPublicRoutes(to: api)

    // Subscriber API: routes that need a signed-in subscriber go on `subscriber`.
    let subscriber = api.group()
        .add(middleware: SubscriberTokenAuthenticator(pool: pool, tokens: repositories.apiTokens))
        .group(context: SubscriberAPIContext.self)
        .add(middleware: APIUsageMiddleware(surface: .subscriber, tally: dependencies.apiUsage))
    let customerWorkOrders = dependencies.customerWorkOrders
    WorkOrderAPIController(
        service: customerWorkOrders, files: dependencies.blobStore, scanner: dependencies.virusScanner, logger: dependencies.logger
    ).addRoutes(to: subscriber)
    WorkOrderCategoriesAPIController(service: customerWorkOrders).addRoutes(to: subscriber)
    subscriberAuth.addRoutes(to: subscriber)
    SubscriberProfileController(
        pool: pool, repositories: repositories, accounts: customerAccounts
    ).addRoutes(to: subscriber)
    SubscriberAppointmentsController(service: dependencies.customerAppointments).addRoutes(to: subscriber)
    SubscriberAccountController(pool: pool, repositories: repositories, tasks: dependencies.customerTasks).addRoutes(
        to: subscriber)

    // Integration API (API keys): routes go under `api/v1/admin`.
    let integration = api.group()
        .add(middleware: APIKeyAuthenticator(pool: pool, keys: repositories.apiKeys))
        .group(context: IntegrationAPIContext.self)
        .add(middleware: APIUsageMiddleware(surface: .integration, tally: dependencies.apiUsage))
        .add(middleware: APIKeyPolicy(limiter: dependencies.rateLimiter))
    IntegrationController(sync: dependencies.integrationSync).addRoutes(to: integration)
}
