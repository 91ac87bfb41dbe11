import Foundation
import Portico
import PorticoTestSupport
import Testing

/// The OpenAPI document and the router describe the same API: every `/api/v1` route is in the
/// document and every documented operation is a route. The document is also checked for the
/// mistakes a hand-kept file collects (dangling `$ref`s, undeclared path parameters,
/// operations without an id or without security).
@Suite("OpenAPI document")
struct OpenAPICoverageTests {
    static let methods: Set<String> = ["get", "put", "post", "delete", "patch"]

    @Test("every API route is documented, and every documented operation is routed")
    func coverageBothWays() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            let router = try buildRouter(app.dependencies, claimingUnmatched: false)
            let routed = Set(
                router.routes.compactMap { route -> String? in
                    let path = route.path.description
                    guard path.hasPrefix(OpenAPIContract.prefix + "/"), Self.methods.contains(route.method.rawValue.lowercased()) else { return nil }
                    return "\(route.method.rawValue.uppercased()) \(path.dropFirst(OpenAPIContract.prefix.count))"
                })
            let paths = OpenAPIContract.shared.document["paths"]?.object ?? [:]
            let documented = Set(
                paths.flatMap { path, item in
                    (item.object ?? [:]).keys.filter(Self.methods.contains).map { "\($0.uppercased()) \(path)" }
                })
            #expect(!routed.isEmpty)
            let undocumented = routed.subtracting(documented).sorted()
            let phantom = documented.subtracting(routed).sorted()
            #expect(undocumented.isEmpty, "routes missing from the OpenAPI document: \(undocumented)")
            #expect(phantom.isEmpty, "documented operations with no route: \(phantom)")
        }
    }

    @Test("the document is OpenAPI 3.1, every $ref resolves, every operation has an id, responses and declared parameters")
    func documentIsSound() throws {
        let contract = OpenAPIContract.shared
        let document = contract.document
        #expect(document["openapi"]?.string == "3.1.0")
        var references: [String] = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let object):
                if let reference = object["$ref"]?.string { references.append(reference) }
                object.values.forEach(collect)
            case .array(let values):
                values.forEach(collect)
            default:
                break
            }
        }
        collect(document)
        for reference in Set(references) {
            #expect(contract.validator.resolve(reference) != nil, "unresolvable \(reference)")
        }
        var operationIDs: [String] = []
        for (path, item) in document["paths"]?.object ?? [:] {
            let placeholders = Set(path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
            for (method, operation) in item.object ?? [:] where Self.methods.contains(method) {
                let label = "\(method.uppercased()) \(path)"
                if let id = operation["operationId"]?.string { operationIDs.append(id) } else { Issue.record("\(label) has no operationId") }
                let responseCount = operation["responses"]?.object?.count ?? 0
                #expect(responseCount > 0, "\(label) documents no responses")
                let parameters = ((item["parameters"]?.array ?? []) + (operation["parameters"]?.array ?? [])).map { parameter in
                    parameter["$ref"]?.string.flatMap(contract.validator.resolve) ?? parameter
                }
                let declared = Set(parameters.filter { $0["in"]?.string == "path" }.compactMap { $0["name"]?.string })
                #expect(declared == placeholders, "\(label): path parameters \(placeholders.sorted()) but declared \(declared.sorted())")
                if path != "/openapi.json" {
                    let security = operation["security"]?.array ?? document["security"]?.array
                    #expect(security != nil, "\(label) says nothing about security (use [] for public operations)")
                }
            }
        }
        #expect(Set(operationIDs).count == operationIDs.count, "operationIds are not unique")
    }
}
