import Foundation

/// The OpenAPI 3.1 description of `/api/v1`, kept in the repository as one JSON file per
/// feature under `OpenAPI/` (`base.json` holds the info, security schemes and shared
/// components). Merging them is a plain union: a path, webhook or component named twice is
/// a mistake and stops the server from starting, as does a file that is not valid JSON.
public struct OpenAPIDocument: Sendable {
    /// The merged document, as served.
    public let json: Data

    public init(directory: URL) throws {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        guard let baseURL = files.first(where: { $0.lastPathComponent == "base.json" }) else {
            throw OpenAPIDocumentError(file: directory.appendingPathComponent("base.json").path, problem: "is missing")
        }
        var document = try Self.object(at: baseURL)
        for file in files where file != baseURL {
            let fragment = try Self.object(at: file)
            for (key, value) in fragment {
                switch key {
                case "paths", "webhooks":
                    try Self.union(into: &document, key: key, value, file: file)
                case "components":
                    guard let sections = value as? [String: Any] else {
                        throw OpenAPIDocumentError(file: file.path, problem: "has `components` that is not an object")
                    }
                    var components = document["components"] as? [String: Any] ?? [:]
                    for (section, entries) in sections {
                        try Self.union(into: &components, key: section, entries, file: file)
                    }
                    document["components"] = components
                default:
                    throw OpenAPIDocumentError(file: file.path, problem: "may only hold paths, webhooks and components (found `\(key)`)")
                }
            }
        }
        json = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// The document under `OpenAPI/` found like `Themes/` and `Migrations/`.
    public static func load() throws -> OpenAPIDocument {
        try OpenAPIDocument(directory: try ResourceLocator.directory(named: "OpenAPI"))
    }

    static func object(at url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw OpenAPIDocumentError(file: url.path, problem: "is not a JSON object")
        }
        return object
    }

    static func union(into target: inout [String: Any], key: String, _ value: Any, file: URL) throws {
        guard let entries = value as? [String: Any] else {
            throw OpenAPIDocumentError(file: file.path, problem: "has `\(key)` that is not an object")
        }
        var merged = target[key] as? [String: Any] ?? [:]
        for (name, entry) in entries {
            if merged[name] != nil {
                throw OpenAPIDocumentError(file: file.path, problem: "defines `\(key).\(name)` which another file already defines")
            }
            merged[name] = entry
        }
        target[key] = merged
    }
}

public struct OpenAPIDocumentError: Error, CustomStringConvertible {
    public let file: String
    public let problem: String
    public var description: String { "OpenAPI fragment \(file) \(problem)" }
}
