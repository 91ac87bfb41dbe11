import Foundation
import Mustache

/// The Mustache templates and static assets of every theme under `Themes/`.
///
/// `default` is complete; another theme holds only what it changes, and everything else
/// falls back to `default` (its templates are registered first, the theme's on top).
public struct ThemeLibrary: Sendable {
    public struct Asset: Sendable {
        public let bytes: [UInt8]
        public let contentType: String
        public let etag: String
    }

    private let libraries: [String: MustacheLibrary]
    private let assets: [String: [String: Asset]]

    public var themeNames: [String] { libraries.keys.sorted() }

    public init(directory: URL) throws {
        let fileManager = FileManager.default
        let themes = try fileManager.contentsOfDirectory(atPath: directory.path).filter { name in
            var isDirectory: ObjCBool = false
            return fileManager.fileExists(atPath: directory.appendingPathComponent(name).path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        guard themes.contains("default") else {
            throw ConfigurationError(variable: "PORTICO_HOME", message: "leads to a Themes/ folder without the default theme")
        }
        let defaultTemplates = try Self.templates(in: directory.appendingPathComponent("default"))
        let defaultAssets = try Self.assets(in: directory.appendingPathComponent("default/static"))
        var libraries: [String: MustacheLibrary] = [:]
        var assets: [String: [String: Asset]] = [:]
        for theme in themes {
            var merged = defaultTemplates
            var mergedAssets = defaultAssets
            if theme != "default" {
                merged.merge(try Self.templates(in: directory.appendingPathComponent(theme))) { $1 }
                mergedAssets.merge(try Self.assets(in: directory.appendingPathComponent(theme).appendingPathComponent("static"))) { $1 }
            }
            libraries[theme] = MustacheLibrary(templates: merged)
            assets[theme] = mergedAssets
        }
        // Handlers name templates by `TemplateName`; each must exist before the first request.
        let missing = TemplateName.all.filter { libraries["default"]?.getTemplate(named: $0.path) == nil }
        guard missing.isEmpty else {
            throw ConfigurationError(
                variable: "PORTICO_HOME", message: "leads to a default theme without \(missing.map(\.path).joined(separator: ", "))")
        }
        self.libraries = libraries
        self.assets = assets
    }

    /// The library for a theme, or `default` for an unknown one.
    public func library(for theme: String) -> MustacheLibrary {
        libraries[theme] ?? libraries["default"]!
    }

    public func asset(theme: String, path: String) -> Asset? {
        (assets[theme] ?? assets["default"])?[path]
    }

    public func hasTemplate(_ name: String, theme: String = "default") -> Bool {
        library(for: theme).getTemplate(named: name) != nil
    }

    private static func templates(in directory: URL) throws -> [String: MustacheTemplate] {
        var templates: [String: MustacheTemplate] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else { return [:] }
        for case let path as String in enumerator where path.hasSuffix(".mustache") {
            let text = try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
            do {
                templates[String(path.dropLast(".mustache".count))] = try MustacheTemplate(string: text)
            } catch {
                throw ConfigurationError(
                    variable: "PORTICO_HOME", message: "holds a template that does not parse: \(directory.lastPathComponent)/\(path): \(error)")
            }
        }
        return templates
    }

    private static func assets(in directory: URL) throws -> [String: Asset] {
        var assets: [String: Asset] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else { return [:] }
        for case let path as String in enumerator {
            let url = directory.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let bytes = [UInt8](try Data(contentsOf: url))
            var hash: UInt64 = 14_695_981_039_346_656_037
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
            assets[path] = Asset(bytes: bytes, contentType: contentType(for: path), etag: "\"\(String(hash, radix: 16))\"")
        }
        return assets
    }

    static func contentType(for path: String) -> String {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        case "json": "application/json"
        default: "application/octet-stream"
        }
    }
}
