import HTTPTypes
import Hummingbird

/// Hummingbird answers a path it has no route for — or a method a path does not take — with a
/// bare 404 outside every route group, where none of a surface's middleware would run: no
/// site resolution, no branded page, no JSON error shape, no CORS preflight. So each surface
/// claims its own unknown addresses when the router is built: every node of the route table
/// answers every method, and below every node a `**` catch-all takes the paths the table does
/// not hold (the trie does not go back up to look for one) — inside the group whose middleware
/// should answer (the API's for its paths and their prefixes, the pages' otherwise). A node
/// with a parameter child has no catch-all of its own: the parameter takes any one segment,
/// and its node has the catch-all for deeper paths.
enum UnmatchedRoutes {
    static let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]

    /// - Parameters:
    ///   - table: every route registered so far.
    ///   - apiPaths: the patterns the API registered (its prefixes go to the API too).
    static func claim(
        table: [Router<AppRequestContext>.RouteDescription], apiPaths: Set<String>,
        pages: RouterGroup<AppRequestContext>, api: RouterGroup<AppRequestContext>
    ) {
        var taken: [String: Set<HTTPRequest.Method>] = [:]
        for route in table { taken[route.path.description, default: []].insert(route.method) }
        var pageNodes: Set<String> = []
        var apiNodes: Set<String> = []
        for path in taken.keys {
            // `/a/b/c` is reached through the trie nodes `/`, `/a`, `/a/b`: each answers on its own.
            let components = RouterPath(path).map(\.description)
            let nodes = (0...components.count).map { "/" + components.prefix($0).joined(separator: "/") }
            if apiPaths.contains(path) { apiNodes.formUnion(nodes) } else { pageNodes.formUnion(nodes) }
        }
        let nodes = pageNodes.union(apiNodes)
        let hasParameterChild = Set(
            nodes.compactMap { node -> String? in
                let components = RouterPath(node).map(\.description)
                guard let last = components.last, last.hasPrefix("{") || last.hasPrefix("*") else { return nil }
                return "/" + components.dropLast().joined(separator: "/")
            })
        for node in nodes where !node.contains("*") {
            let group = pageNodes.contains(node) ? pages : api
            for method in methods where !(taken[node]?.contains(method) ?? false) {
                group.on(RouterPath(node), method: method, use: notFound)
            }
            if !hasParameterChild.contains(node) {
                let below = RouterPath(node).appendingPath("**")
                for method in methods { group.on(below, method: method, use: notFound) }
            }
        }
    }

    @Sendable static func notFound(_ request: Request, context: AppRequestContext) async throws -> Response {
        // One metrics series for everything no real route served, whatever path was asked.
        context.coreContext.endpointPath.value = nil
        throw AppError.notFound()
    }
}
