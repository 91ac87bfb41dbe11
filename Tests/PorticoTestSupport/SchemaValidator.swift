import Foundation

/// Checks a JSON value against a JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) from the
/// OpenAPI document. It covers the keywords our document uses — `$ref`, `type` (with
/// `"null"`), `enum`, `const`, `properties`, `required`, `additionalProperties`, `items`,
/// `oneOf`/`anyOf`/`allOf`, string and number bounds, `pattern`, and the `date-time`, `date`
/// and `uuid` formats — and fails loudly on any other assertion keyword it does not know, so
/// the document cannot quietly say more than the tests check. (No Swift package on the
/// mirror validates instances; OpenAPIKit parses documents but does not validate values.)
public struct SchemaValidator: Sendable {
    public let document: JSONValue

    public init(document: JSONValue) { self.document = document }

    /// Problems found, each with a JSON-pointer-like location; empty when the value conforms.
    public func problems(_ value: JSONValue, against schema: JSONValue, at path: String = "$") -> [String] {
        var problems: [String] = []
        check(value, schema, path, &problems, depth: 0)
        return problems
    }

    static let annotations: Set<String> = [
        "description", "summary", "title", "example", "examples", "default", "deprecated", "readOnly", "writeOnly",
        "externalDocs", "xml", "discriminator", "$comment", "contentMediaType", "contentEncoding",
    ]
    static let known: Set<String> = [
        "$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "items", "oneOf", "anyOf",
        "allOf", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern",
        "format", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "propertyNames",
    ]

    public func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            node = node?[key]
        }
        return node
    }

    private func check(_ value: JSONValue, _ schema: JSONValue, _ path: String, _ problems: inout [String], depth: Int) {
        guard depth < 64 else { problems.append("\(path): schema nesting too deep"); return }
        if case .bool(let allowed) = schema {
            if !allowed { problems.append("\(path): no value is allowed here") }
            return
        }
        guard let keywords = schema.object else { problems.append("\(path): schema is not an object"); return }
        for key in keywords.keys where !Self.known.contains(key) && !Self.annotations.contains(key) && !key.hasPrefix("x-") {
            problems.append("\(path): the validator does not know the schema keyword `\(key)`")
        }
        if let reference = keywords["$ref"]?.string {
            guard let target = resolve(reference) else { problems.append("\(path): unresolvable $ref \(reference)"); return }
            check(value, target, path, &problems, depth: depth + 1)
        }
        if let type = keywords["type"] {
            let allowed = type.array?.compactMap(\.string) ?? [type.string ?? ""]
            if !allowed.contains(where: { Self.matches(value, type: $0) }) {
                problems.append("\(path): expected \(allowed.joined(separator: " or ")), got \(Self.kind(of: value)) \(Self.preview(value))")
                return
            }
        }
        if let options = keywords["enum"]?.array, !options.contains(value) {
            problems.append("\(path): \(Self.preview(value)) is not one of \(options.map(\.description).joined(separator: ", "))")
        }
        if let constant = keywords["const"], constant != value {
            problems.append("\(path): expected \(constant), got \(Self.preview(value))")
        }
        for (index, sub) in (keywords["allOf"]?.array ?? []).enumerated() {
            check(value, sub, path + "(allOf \(index))", &problems, depth: depth + 1)
        }
        if let options = keywords["anyOf"]?.array {
            if !options.contains(where: { self.problems(value, against: $0, at: path).isEmpty }) {
                problems.append("\(path): matches none of anyOf")
            }
        }
        if let options = keywords["oneOf"]?.array {
            let matching = options.filter { self.problems(value, against: $0, at: path).isEmpty }.count
            if matching != 1 { problems.append("\(path): matches \(matching) of oneOf, expected exactly 1") }
        }
        switch value {
        case .object(let object):
            checkObject(object, keywords, path, &problems, depth: depth)
        case .array(let items):
            if let minimum = keywords["minItems"]?.int, items.count < minimum { problems.append("\(path): fewer than \(minimum) items") }
            if let maximum = keywords["maxItems"]?.int, items.count > maximum { problems.append("\(path): more than \(maximum) items") }
            if let itemSchema = keywords["items"] {
                for (index, item) in items.enumerated() { check(item, itemSchema, "\(path)[\(index)]", &problems, depth: depth + 1) }
            }
        case .string(let text):
            checkString(text, keywords, path, &problems)
        case .number(let number):
            if let minimum = keywords["minimum"]?.double, number < minimum { problems.append("\(path): \(number) < minimum \(minimum)") }
            if let maximum = keywords["maximum"]?.double, number > maximum { problems.append("\(path): \(number) > maximum \(maximum)") }
            if let bound = keywords["exclusiveMinimum"]?.double, number <= bound { problems.append("\(path): \(number) <= \(bound)") }
            if let bound = keywords["exclusiveMaximum"]?.double, number >= bound { problems.append("\(path): \(number) >= \(bound)") }
        default:
            break
        }
    }

    private func checkObject(
        _ object: [String: JSONValue], _ keywords: [String: JSONValue], _ path: String,
        _ problems: inout [String], depth: Int
    ) {
        let properties = keywords["properties"]?.object ?? [:]
        for name in keywords["required"]?.array?.compactMap(\.string) ?? [] where object[name] == nil {
            problems.append("\(path): missing required property `\(name)`")
        }
        for (name, member) in object {
            if let propertySchema = properties[name] {
                check(member, propertySchema, "\(path).\(name)", &problems, depth: depth + 1)
            } else if let additional = keywords["additionalProperties"] {
                if additional == .bool(false) {
                    problems.append("\(path): property `\(name)` is not in the schema")
                } else {
                    check(member, additional, "\(path).\(name)", &problems, depth: depth + 1)
                }
            }
        }
        if let minimum = keywords["minProperties"]?.int, object.count < minimum { problems.append("\(path): fewer than \(minimum) properties") }
    }

    private func checkString(_ text: String, _ keywords: [String: JSONValue], _ path: String, _ problems: inout [String]) {
        if let minimum = keywords["minLength"]?.int, text.count < minimum { problems.append("\(path): shorter than \(minimum)") }
        if let maximum = keywords["maxLength"]?.int, text.count > maximum { problems.append("\(path): longer than \(maximum)") }
        if let pattern = keywords["pattern"]?.string {
            if let regex = try? NSRegularExpression(pattern: pattern),
                regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil
            {
                problems.append("\(path): \"\(text)\" does not match \(pattern)")
            }
        }
        switch keywords["format"]?.string {
        case "date-time":
            if Self.rfc3339(text) == nil { problems.append("\(path): \"\(text)\" is not an RFC 3339 date-time") }
        case "date":
            if text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) == nil { problems.append("\(path): \"\(text)\" is not a date") }
        case "uuid":
            if UUID(uuidString: text) == nil { problems.append("\(path): \"\(text)\" is not a UUID") }
        default:
            break
        }
    }

    static func rfc3339(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number): true
        case ("integer", .number(let number)): number == number.rounded()
        default: false
        }
    }

    static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func preview(_ value: JSONValue) -> String { String(value.description.prefix(80)) }
}
