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
    /// Each theme's template sources (merged over `default`, as in `libraries`), kept to build
    /// a library per language with the catalog's texts written in (`localizedLibrary`).
    private let sources: [String: [String: String]]
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
        let defaultSources = try Self.sources(in: directory.appendingPathComponent("default"))
        let defaultAssets = try Self.assets(in: directory.appendingPathComponent("default/static"))
        let defaultTemplates = try Self.parse(defaultSources, theme: "default")
        var libraries: [String: MustacheLibrary] = [:]
        var sources: [String: [String: String]] = [:]
        var assets: [String: [String: Asset]] = [:]
        for theme in themes {
            var merged = defaultTemplates
            var mergedSources = defaultSources
            var mergedAssets = defaultAssets
            if theme != "default" {
                let own = try Self.sources(in: directory.appendingPathComponent(theme))
                merged.merge(try Self.parse(own, theme: theme)) { $1 }
                mergedSources.merge(own) { $1 }
                mergedAssets.merge(try Self.assets(in: directory.appendingPathComponent(theme).appendingPathComponent("static"))) { $1 }
            }
            libraries[theme] = MustacheLibrary(templates: merged)
            sources[theme] = mergedSources
            assets[theme] = mergedAssets
        }
        // Handlers name templates by `TemplateName`; each must exist before the first request.
        let missing = TemplateName.all.filter { libraries["default"]?.getTemplate(named: $0.path) == nil }
        guard missing.isEmpty else {
            throw ConfigurationError(
                variable: "PORTICO_HOME", message: "leads to a default theme without \(missing.map(\.path).joined(separator: ", "))")
        }
        self.libraries = libraries
        self.sources = sources
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

    /// A theme's library with each plain `{{t.key}}` replaced by the key's text, HTML-escaped
    /// as the tag would have rendered it (`text(key)` answers it, or nil to leave the tag to
    /// the render). The catalog texts are the same for every page in a language, so looking
    /// each up at render time (a climb of the context stack, then one node per dot) was a
    /// large part of a page's rendering. Templates that switch content type (text emails) are
    /// left as they are, since their tags are not escaped.
    func localizedLibrary(for theme: String, text: (String) -> String?) -> MustacheLibrary {
        let theme = libraries[theme] == nil ? "default" : theme
        var templates: [String: MustacheTemplate] = [:]
        for (name, source) in sources[theme] ?? [:] {
            let localized = source.contains("CONTENT_TYPE") ? source : Self.substitutingTexts(in: source, text: text)
            // A template that parsed as written parses with plain text in place of variable tags;
            // should one not, it keeps its catalog tags.
            if localized != source, let template = try? MustacheTemplate(string: localized) {
                templates[name] = template
            } else if let template = library(for: theme).getTemplate(named: name) {
                templates[name] = template
            }
        }
        return MustacheLibrary(templates: templates)
    }

    /// `{{t.key}}` (spaces allowed inside the braces, not `{{{…}}}`) → `text(key)`, where it answers.
    static func substitutingTexts(in source: String, text: (String) -> String?) -> String {
        var result = ""
        result.reserveCapacity(source.utf8.count)
        var rest = source[...]
        while let open = rest.range(of: "{{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let tag = rest[open.lowerBound..<close.upperBound]
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let triple = rest[open.upperBound...].hasPrefix("{") || rest[close.upperBound...].hasPrefix("}")
            if !triple, inner.hasPrefix("t."),
                inner.dropFirst(2).allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }),
                let replacement = text(String(inner.dropFirst(2)))
            {
                result += replacement
            } else {
                result += tag
            }
            rest = rest[close.upperBound...]
        }
        result += rest
        return result
    }

    private static func sources(in directory: URL) throws -> [String: String] {
        var sources: [String: String] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else { return [:] }
        for case let path as String in enumerator where path.hasSuffix(".mustache") {
            sources[String(path.dropLast(".mustache".count))] = try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
        }
        return sources
    }

    private static func parse(_ sources: [String: String], theme: String) throws -> [String: MustacheTemplate] {
        var templates: [String: MustacheTemplate] = [:]
        for (name, text) in sources {
            do {
                templates[name] = try MustacheTemplate(string: text)
            } catch {
                throw ConfigurationError(
                    variable: "PORTICO_HOME", message: "holds a template that does not parse: \(theme)/\(name).mustache: \(error)")
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
