import Foundation
import Logging
import Postgres
import Synchronization

/// What a Host header names.
public enum HostResolution: Sendable {
    case tenant(ResolvedTenant)
    case operatorConsole
    case unknown
}

/// Resolves hosts to tenants: verified custom domain, then `<slug>.<base domain>`, then the
/// operator host. Results are cached in memory; a change to a tenant, its domains or its
/// branding (on any instance) reaches every instance through `NOTIFY portico_tenancy` with
/// the tenant's id, and only that tenant's hosts (and the hosts no tenant had, one of which
/// may now be its new name) are looked up again: at ten thousand tenants, one tenant editing
/// its colours does not send every other tenant's next request to the database.
public final class TenantDirectory: Sendable {
    public static let notificationChannel = "portico_tenancy"

    private struct Entry {
        let resolution: HostResolution
        let expires: ContinuousClock.Instant
    }

    private struct State {
        /// Least recently used hosts make room for new ones: a flood of made-up Host headers
        /// evicts only itself and the coldest tenants, never the whole cache at once.
        var entries: LRUCache<String, Entry>
        /// Bumped by every invalidation, so a lookup that raced one is not cached.
        var generation: UInt64 = 0
    }

    private let store: any TenantStore
    private let baseDomain: String
    private let operatorHost: String
    private let origins: PublicOrigin
    private let state: Mutex<State>
    private let logger: Logger
    /// A safety net only: invalidation is by notification.
    static let positiveTTL: Duration = .seconds(300)
    static let negativeTTL: Duration = .seconds(30)
    /// Bounded so that a flood of made-up Host headers cannot grow memory.
    public static let maximumEntries = 10_000

    public init(store: any TenantStore, configuration: AppConfiguration, logger: Logger, capacity: Int = TenantDirectory.maximumEntries) {
        self.store = store
        self.state = Mutex(State(entries: LRUCache(capacity: capacity)))
        self.baseDomain = configuration.baseDomain
        self.operatorHost = configuration.operatorHost
        self.origins = PublicOrigin(configuration: configuration)
        self.logger = logger
    }

    public func resolve(host: String) async throws -> HostResolution {
        let now = ContinuousClock.now
        let (cached, generation) = state.withLock { state in
            (state.entries.value(for: host).flatMap { $0.expires > now ? $0.resolution : nil }, state.generation)
        }
        if let cached { return cached }
        let resolution = try await lookUp(host)
        let ttl: Duration
        if case .unknown = resolution { ttl = Self.negativeTTL } else { ttl = Self.positiveTTL }
        state.withLock { state in
            guard state.generation == generation else { return }
            state.entries.set(Entry(resolution: resolution, expires: .now + ttl), for: host)
        }
        return resolution
    }

    /// Forgets every cached resolution.
    public func invalidateAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation &+= 1
        }
    }

    /// Forgets the hosts of `tenant`, and every host no tenant had: a new slug or domain of
    /// this tenant may be one of them.
    public func invalidate(tenant: TenantID) {
        state.withLock { state in
            state.entries.removeAll { entry in
                switch entry.resolution {
                case .tenant(let resolved): resolved.id == tenant
                case .unknown: true
                case .operatorConsole: false
                }
            }
            state.generation &+= 1
        }
    }

    /// Forgets a tenant's hosts on its tenancy notification, and everything after the listener
    /// reconnects (notifications sent while it was away are lost) or when a notification does
    /// not name a tenant. Returns when the stream ends.
    public func followChanges(_ events: AsyncStream<NotificationListener.Event>) async {
        for await event in events {
            switch event {
            case .notification(let channel, let payload) where channel == Self.notificationChannel:
                if let id = UUID(uuidString: payload) { invalidate(tenant: TenantID(id)) } else { invalidateAll() }
            case .reconnected:
                invalidateAll()
            default:
                continue
            }
        }
    }

    private func lookUp(_ host: String) async throws -> HostResolution {
        if host == operatorHost { return .operatorConsole }
        if let tenantID = try await store.tenantForActiveDomain(host), let tenant = try await store.tenant(id: tenantID) {
            return .tenant(try await resolved(tenant))
        }
        let suffix = "." + baseDomain
        if host.hasSuffix(suffix) {
            let slug = String(host.dropLast(suffix.count))
            if !slug.isEmpty, !slug.contains("."), let tenant = try await store.tenant(slug: slug) {
                return .tenant(try await resolved(tenant))
            }
        }
        return .unknown
    }

    func resolved(_ tenant: Tenant) async throws -> ResolvedTenant {
        let branding = try await store.branding(for: tenant.id) ?? .defaults(companyName: tenant.name)
        let primary = try await store.domains(for: tenant.id).first(where: { $0.isPrimary && $0.isActive })?.domain
        var resolved = ResolvedTenant(
            id: tenant.id, slug: tenant.slug, name: tenant.name, status: tenant.status, theme: tenant.theme,
            branding: branding, publicOrigin: origins.origin(host: primary ?? platformHost(slug: tenant.slug)),
            timeZone: TenantTimeZone.zone(tenant.timeZone)
        )
        let defaultLanguage = Language(code: tenant.defaultLanguage) ?? .en
        resolved.defaultLanguage = defaultLanguage
        resolved.offeredLanguages = [defaultLanguage] + tenant.offeredLanguages.compactMap(Language.init(code:)).filter { $0 != defaultLanguage }
        return resolved
    }

    public func platformHost(slug: String) -> String { "\(slug).\(baseDomain)" }
}
