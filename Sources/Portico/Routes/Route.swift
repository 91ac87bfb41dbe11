import Foundation
import Hummingbird

/// One route: its path pattern in Hummingbird's syntax (`/portal/work-orders/:number`), used
/// both to register the handler and to build every link to it. Links are built from typed
/// values in pattern order, so a renamed path or a changed parameter breaks the build, not a
/// user's link. The definitions live in one file per surface (`PortalRoutes`, `ConsoleRoutes`, …).
protocol RouteDefinition: Sendable {
    var pattern: String { get }
}

/// A value that fills one `:name` segment of a pattern.
protocol RouteParameter {
    var routeSegment: String { get }
}

extension Int: RouteParameter {
    var routeSegment: String { String(self) }
}

extension UUID: RouteParameter {
    /// Lower case, as the database prints them and as every link always had them.
    var routeSegment: String { uuidString.lowercased() }
}

extension String: RouteParameter {
    /// Tokens, slugs, host names and file names are URL-safe by construction; anything else
    /// is percent-encoded so it cannot add a segment or a query.
    var routeSegment: String {
        addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#;"))) ?? self
    }
}

/// The segments of a pattern, split once when the route is defined.
struct RoutePattern: Sendable {
    enum Segment: Sendable, Equatable { case literal(String), parameter }
    let text: String
    let segments: [Segment]

    init(_ text: String) {
        precondition(text.hasPrefix("/"), "route patterns start with /")
        self.text = text
        self.segments = text.split(separator: "/").map { $0.hasPrefix(":") ? .parameter : .literal(String($0)) }
    }

    var parameterCount: Int { segments.count { $0 == .parameter } }

    /// Fills the parameters in order.
    func link(_ values: [String]) -> String {
        precondition(values.count == parameterCount, "\(text) takes \(parameterCount) parameters")
        if segments.isEmpty { return "/" }
        var remaining = values[...]
        var path = ""
        for segment in segments {
            path += "/"
            switch segment {
            case .literal(let literal): path += literal
            case .parameter: path += remaining.popFirst() ?? ""
            }
        }
        return path
    }
}

/// A route without parameters: its link is its pattern.
struct Route: RouteDefinition {
    let pattern: String
    init(_ pattern: String) {
        self.pattern = RoutePattern(pattern).text
    }
    /// The link (`/portal/work-orders`); a query string is the caller's to append.
    var path: String { pattern }
}

/// A route with one parameter: `PortalRoutes.workOrder(42)` is `/portal/work-orders/42`.
struct Route1<A: RouteParameter>: RouteDefinition {
    private let compiled: RoutePattern
    var pattern: String { compiled.text }
    init(_ pattern: String) {
        compiled = RoutePattern(pattern)
        precondition(compiled.parameterCount == 1, "\(pattern) needs exactly one parameter")
    }
    func callAsFunction(_ a: A) -> String { compiled.link([a.routeSegment]) }
}

struct Route2<A: RouteParameter, B: RouteParameter>: RouteDefinition {
    private let compiled: RoutePattern
    var pattern: String { compiled.text }
    init(_ pattern: String) {
        compiled = RoutePattern(pattern)
        precondition(compiled.parameterCount == 2, "\(pattern) needs exactly two parameters")
    }
    func callAsFunction(_ a: A, _ b: B) -> String { compiled.link([a.routeSegment, b.routeSegment]) }
}

struct Route3<A: RouteParameter, B: RouteParameter, C: RouteParameter>: RouteDefinition {
    private let compiled: RoutePattern
    var pattern: String { compiled.text }
    init(_ pattern: String) {
        compiled = RoutePattern(pattern)
        precondition(compiled.parameterCount == 3, "\(pattern) needs exactly three parameters")
    }
    func callAsFunction(_ a: A, _ b: B, _ c: C) -> String { compiled.link([a.routeSegment, b.routeSegment, c.routeSegment]) }
}

/// Registering a handler by route, so no path is spelled twice.
extension RouterMethods {
    @discardableResult func get(
        _ route: some RouteDefinition, use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator
    ) -> Self {
        on(RouterPath(route.pattern), method: .get, use: handler)
    }
    @discardableResult func post(
        _ route: some RouteDefinition, use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator
    ) -> Self {
        on(RouterPath(route.pattern), method: .post, use: handler)
    }
    @discardableResult func put(
        _ route: some RouteDefinition, use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator
    ) -> Self {
        on(RouterPath(route.pattern), method: .put, use: handler)
    }
    @discardableResult func patch(
        _ route: some RouteDefinition, use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator
    ) -> Self {
        on(RouterPath(route.pattern), method: .patch, use: handler)
    }
    @discardableResult func delete(
        _ route: some RouteDefinition, use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator
    ) -> Self {
        on(RouterPath(route.pattern), method: .delete, use: handler)
    }
}
