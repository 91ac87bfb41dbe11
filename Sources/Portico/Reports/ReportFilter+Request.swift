import Hummingbird

extension ReportFilter {
    /// A request's query string as `parse` reads it (tenant and platform reports alike).
    static func query(of request: Request) -> [String: String] {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        return query
    }
}
