import Hummingbird
import Logging
import Postgres

/// Decides, before any session or tenant query, which site a request is for: a tenant's
/// portal, the operator console, or nothing (a plain 404 that names no tenant). It sits on
/// the site routes; health checks are registered outside it, so they answer on any host.
///
/// The Host header is normalised (lower case, port and one trailing dot stripped) and must
/// be a well-formed DNS name and appear once. `X-Forwarded-Host`/`X-Forwarded-For` are
/// believed only from a peer listed in `PORTICO_TRUSTED_PROXIES`.
struct SiteResolutionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let directory: TenantDirectory
    let trustedProxies: [IPNetwork]
    let pages: NeutralPages
    let throttle: LogThrottle

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let peer = context.remoteAddress?.ipAddress ?? ""
        let peerTrusted = trustedProxies.contains { $0.contains(peer) }

        // HTTP/1 parsing puts the first Host in `authority` and leaves any further one in the fields.
        guard request.headers[.repeatedHost] == nil else {
            return pages.badRequest("The request carried more than one Host header.")
        }
        var hostValue = request.head.authority
        if peerTrusted {
            let forwardedHosts = request.headers[values: .xForwardedHost]
            if forwardedHosts.count > 1 || forwardedHosts.first?.contains(",") == true {
                return pages.badRequest("The request carried more than one forwarded host.")
            }
            if let forwarded = forwardedHosts.first { hostValue = forwarded.trimmingCharacters(in: .whitespaces) }
            if let client = Self.clientAddress(forwardedFor: request.headers[values: .xForwardedFor], trusted: trustedProxies) {
                context.clientIP = client
            }
        }
        context.facts.clientIP = context.clientIP
        guard let rawHost = hostValue, !rawHost.isEmpty else {
            return pages.badRequest("The request has no Host header.")
        }
        guard let host = HostName.fromHostHeader(rawHost) else {
            return pages.badRequest("The Host header is not a valid host name.")
        }

        context.requestHost = rawHost.lowercased()
        let resolution: HostResolution
        do {
            resolution = try await directory.resolve(host: host)
        } catch {
            logFailure(error, context: context)
            return pages.unavailable()
        }
        switch resolution {
        case .unknown:
            // No route of any site served it: one metrics series for all made-up host names,
            // whatever path they asked for (the router already named the path's pattern).
            context.coreContext.endpointPath.value = nil
            return pages.unknownHost()
        case .operatorConsole:
            context.site = .operatorConsole
        case .tenant(let tenant):
            if tenant.isSuspended { return pages.suspended() }
            context.site = .tenant(tenant)
            context.logger[metadataKey: "tenant"] = "\(tenant.slug)"
            context.facts.tenant = tenant.slug
        }
        return try await next(request, context)
    }

    /// A database outage fails every request: one line per interval, not one per request.
    func logFailure(_ error: any Error, context: Context) {
        if let error = error as? PostgresError, error.isOutage {
            context.logger.throttled(throttle, key: "database_unavailable", level: .error, "Database unavailable", metadata: ["error": "\(error)"])
        } else {
            context.logger.error("Host resolution failed", metadata: ["error": "\(error)"])
        }
    }

    /// The client is the right-most address in `X-Forwarded-For` that is not a trusted proxy.
    static func clientAddress(forwardedFor values: [String], trusted: [IPNetwork]) -> String? {
        let addresses = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for address in addresses.reversed() {
            guard IPNetwork.parseAddress(address) != nil else { return nil }
            if !trusted.contains(where: { $0.contains(address) }) { return address }
        }
        return nil
    }
}
