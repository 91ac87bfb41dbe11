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
/// operator host. Results are cached in memory; any change to tenants, domains or branding
/// (on any instance) empties every instance's cache through `NOTIFY portico_tenancy`.
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

    /// Empties the cache on every tenancy notification, and after the listener reconnects
    /// (notifications sent while it was away are lost). Returns when the stream ends.
    public func followChanges(_ events: AsyncStream<NotificationListener.Event>) async {
        for await event in events {
            switch event {
            case .notification(let channel, _) where channel == Self.notificationChannel:
                invalidateAll()
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
        return ResolvedTenant(
            id: tenant.id, slug: tenant.slug, name: tenant.name, status: tenant.status, theme: tenant.theme,
            branding: branding, publicOrigin: origins.origin(host: primary ?? platformHost(slug: tenant.slug)),
            timeZone: TenantTimeZone.zone(tenant.timeZone)
        )
    }

    public func platformHost(slug: String) -> String { "\(slug).\(baseDomain)" }
}
