import Foundation
import HTTPTypes
import Hummingbird
import Portico
import PorticoTestSupport
import Testing

/// Templates stay editable per theme, so their links are text, not calls to the route
/// definitions. This suite holds every site-relative href, src and form action in every theme
/// against the routes the application registers: a renamed or removed route fails CI instead
/// of a user's click. A `{{placeholder}}` segment stands for one route parameter.
@Suite("Template links")
struct TemplateLinkTests {
    struct Link: CustomStringConvertible {
        let file: String
        let attribute: String
        let method: HTTPRequest.Method?
        let value: String
        var description: String { "\(file): \(attribute)=\"\(value)\"" }
    }

    @Test("every link, image and form in every theme reaches a registered route with the right method")
    func templateLinksMatchRoutes() async throws {
        // Setup: the routes `portico serve` defines (without the not-found claims, which match anything).
        let dependencies = try await TestApp.dependencies()
        let routes = try buildRouter(dependencies, claimingUnmatched: false).routes
        await dependencies.pool.close()
        let links = try Self.templateLinks()

        // Act and check.
        #expect(links.count > 150, "the scan found too few links to be reading the templates")
        #expect(!routes.contains { $0.path.description == "/**" }, "a catch-all would match every link")
        let broken = links.filter { link in
            let segments = Self.pathSegments(link.value)
            return !routes.contains { route in
                (link.method == nil || route.method == link.method || (link.method == .get && route.method == .head))
                    && Self.matches(segments, route.path.map(\.description))
            }
        }
        #expect(broken.isEmpty, "links that no route serves:\n\(broken.map(\.description).joined(separator: "\n"))")
    }

    @Test("the matcher tells a renamed route from a parameter")
    func matcherIsStrict() {
        let pattern = ["admin", "work-orders", "{number}", "approve"]
        #expect(Self.matches(Self.pathSegments("/admin/work-orders/{{number}}/approve"), pattern))
        #expect(!Self.matches(Self.pathSegments("/admin/work-order/{{number}}/approve"), pattern))
        #expect(!Self.matches(Self.pathSegments("/admin/work-orders/{{number}}"), pattern))
        #expect(!Self.matches(Self.pathSegments("/admin/work-orders/new/approve"), pattern), "a literal is not a parameter value")
        #expect(Self.matches(Self.pathSegments("/portal/login{{#next}}?next={{next}}{{/next}}"), ["portal", "login"]))
        #expect(Self.matches(Self.pathSegments("/static/{{layout.theme}}/portico.js"), ["static", "{theme}", "**"]))
    }

    // MARK: Scanning

    /// Site-relative links (`/…`) in every template of every theme; absolute URLs, `mailto:`,
    /// fragments and wholly computed values (`{{href}}`, built by the typed routes) are skipped.
    static func templateLinks() throws -> [Link] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Themes").standardizedFileURL
        let files =
            FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "mustache" } ?? []
        let tag = try Regex(#"<(\w+)\b[^>]*>"#)
        let attribute = try Regex(#"\s(href|src|action|formaction)="([^"]*)""#)
        let method = try Regex(#"\smethod="(\w+)""#)
        var links: [Link] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            let name = file.path.replacingOccurrences(of: root.path + "/", with: "")
            for match in text.matches(of: tag) {
                let element = String(text[match.range])
                let declared = element.firstMatch(of: method).map { String($0.output[1].substring ?? "get").uppercased() }
                for found in element.matches(of: attribute) {
                    let kind = String(found.output[1].substring ?? "")
                    let value = String(found.output[2].substring ?? "")
                    guard value.hasPrefix("/"), !value.hasPrefix("//") else { continue }
                    let linkMethod: HTTPRequest.Method? =
                        switch kind {
                        case "action": HTTPRequest.Method(declared ?? "GET")
                        case "formaction": nil
                        default: .get
                        }
                    links.append(Link(file: name, attribute: kind, method: linkMethod, value: value))
                }
            }
        }
        return links
    }

    /// The path of a link, split into segments; mustache section tags are dropped, and the
    /// query or fragment (outside any `{{…}}`) cut off.
    static func pathSegments(_ value: String) -> [String] {
        var path = ""
        var depth = 0
        var index = value.startIndex
        while index < value.endIndex {
            if value[index...].hasPrefix("{{") { depth += 1 }
            if value[index...].hasPrefix("}}") { depth = max(0, depth - 1) }
            if depth == 0, value[index] == "?" || value[index] == "#" { break }
            path.append(value[index])
            index = value.index(after: index)
        }
        let sections = /\{\{[#^\/][^}]*\}\}/
        return path.replacing(sections, with: "").split(separator: "/").map(String.init)
    }

    /// Segment by segment: a literal matches the same literal, a `{{placeholder}}` matches a
    /// route parameter, `*` one segment and `**` the rest. The one literal that fills a
    /// parameter is the theme name in a theme's own asset path (`/static/default/…`).
    static func matches(_ link: [String], _ pattern: [String]) -> Bool {
        var position = 0
        for segment in pattern {
            if segment == "**" { return position < link.count }
            guard position < link.count else { return false }
            let part = link[position]
            let isPlaceholder = part.contains("{{")
            let isParameter = segment.hasPrefix("{") || segment == "*"
            if isPlaceholder {
                guard isParameter else { return false }
            } else if isParameter {
                guard pattern.last == "**" else { return false }
            } else if part != segment {
                return false
            }
            position += 1
        }
        return position == link.count
    }
}
