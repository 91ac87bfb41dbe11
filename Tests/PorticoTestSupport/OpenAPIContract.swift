import Foundation
import HTTPTypes
import Portico

/// The served OpenAPI document, and the check that a response is one it describes.
public struct OpenAPIContract: Sendable {
    public static let shared: OpenAPIContract = {
        do {
            let document = try OpenAPIDocument.load()
            return OpenAPIContract(document: try JSONDecoder().decode(JSONValue.self, from: document.json))
        } catch {
            fatalError("The OpenAPI document does not load: \(error)")
        }
    }()

    public let document: JSONValue
    public var validator: SchemaValidator { SchemaValidator(document: document) }
    public static let prefix = "/api/v1"

    /// Paths of the document, as templates (`/work-orders/{number}`).
    public var pathTemplates: [String] { document["paths"]?.object?.keys.sorted() ?? [] }

    /// The template that a concrete path (`/api/v1/work-orders/12?x=1`) matches, literal
    /// segments winning over parameters.
    public func template(for path: String) -> String? {
        var concrete = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        guard concrete.hasPrefix(Self.prefix) else { return nil }
        concrete.removeFirst(Self.prefix.count)
        let segments = concrete.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var best: (template: String, literals: Int)?
        for template in pathTemplates {
            let parts = template.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            guard parts.count == segments.count else { continue }
            var literals = 0
            var matches = true
            for (part, segment) in zip(parts, segments) {
                if part.hasPrefix("{") && part.hasSuffix("}") {
                    if segment.isEmpty { matches = false; break }
                } else if part == segment {
                    literals += 1
                } else {
                    matches = false
                    break
                }
            }
            if matches, literals > (best?.literals ?? -1) { best = (template, literals) }
        }
        return best?.template
    }

    /// Throws unless the document describes this status for this operation and the body
    /// conforms to the documented schema.
    public func check(method: HTTPRequest.Method, path: String, response: APIResponse) throws {
        let isJSON = response.header("Content-Type")?.hasPrefix("application/json") == true
        guard let template = template(for: path), let operation = document["paths"]?[template]?[method.rawValue.lowercased()] else {
            // Not an operation of the API (an unknown path or method): only the error shape applies.
            guard response.status.code >= 400 else {
                throw APIContractViolation(description: "\(method) \(path) answered \(response.status.code) but the document has no such operation")
            }
            try checkError(response, at: "\(method) \(path)")
            return
        }
        let where_ = "\(method) \(template) → \(response.status.code)"
        let responses = operation["responses"]
        guard var documented = responses?[String(response.status.code)] ?? responses?["\(response.status.code / 100)XX"] ?? responses?["default"]
        else {
            throw APIContractViolation(
                description:
                    "\(where_): status not documented (documented: \(responses?.object?.keys.sorted().joined(separator: ", ") ?? "none")); body: \(response.body.prefix(300))"
            )
        }
        if let reference = documented["$ref"]?.string {
            guard let target = validator.resolve(reference) else { throw APIContractViolation(description: "\(where_): unresolvable \(reference)") }
            documented = target
        }
        guard let content = documented["content"]?.object, !content.isEmpty else {
            if !response.body.isEmpty {
                throw APIContractViolation(description: "\(where_): documented without a body but returned \(response.body.prefix(200))")
            }
            return
        }
        if isJSON {
            guard let schema = content["application/json"]?["schema"] else {
                throw APIContractViolation(description: "\(where_): returned JSON, documented as \(content.keys.sorted().joined(separator: ", "))")
            }
            guard let json = response.json else { throw APIContractViolation(description: "\(where_): the body is not JSON") }
            let problems = validator.problems(json, against: schema)
            if !problems.isEmpty {
                throw APIContractViolation(
                    description: "\(where_): body does not match the document:\n  " + problems.prefix(10).joined(separator: "\n  ")
                        + "\nbody: \(response.body.prefix(500))")
            }
        } else {
            let type = response.header("Content-Type")?.split(separator: ";").first.map(String.init) ?? ""
            let acceptsAny = content.keys.contains { $0 == "*/*" || $0 == type || ($0.hasSuffix("/*") && type.hasPrefix($0.dropLast(1))) }
            if !acceptsAny {
                throw APIContractViolation(description: "\(where_): returned \(type), documented as \(content.keys.sorted().joined(separator: ", "))")
            }
        }
    }

    func checkError(_ response: APIResponse, at where_: String) throws {
        guard let json = response.json, response.header("Content-Type")?.hasPrefix("application/json") == true else {
            throw APIContractViolation(description: "\(where_): an error that is not JSON: \(response.body.prefix(200))")
        }
        let problems = validator.problems(json, against: .object(["$ref": .string("#/components/schemas/Error")]))
        if !problems.isEmpty {
            throw APIContractViolation(description: "\(where_): error body does not match Error: \(problems.joined(separator: "; "))")
        }
    }
}
