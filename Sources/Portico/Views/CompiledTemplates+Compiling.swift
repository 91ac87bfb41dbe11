import Foundation
import Mustache

/// Compiling: swift-mustache's parsed tokens, read once at load, turned into `Node`s.
extension CompiledLibrary {
    static func templates(of library: MustacheLibrary) -> [String: MustacheTemplate] {
        for child in Mirror(reflecting: library).children where child.label == "templates" {
            if let templates = child.value as? [String: MustacheTemplate] { return templates }
        }
        return [:]
    }

    static func tokens(of template: MustacheTemplate) -> [Any]? {
        for child in Mirror(reflecting: template).children where child.label == "tokens" {
            return Mirror(reflecting: child.value).children.map(\.value)
        }
        return nil
    }

    static func compile(_ template: MustacheTemplate, template name: String, indices: [String: Int]) throws -> [Node] {
        guard let tokens = tokens(of: template) else { throw Unsupported(template: name, reason: "swift-mustache's tokens are not readable") }
        var nodes: [Node] = []
        for token in tokens {
            guard let payload = Mirror(reflecting: token).children.first, let kind = payload.label else {
                throw Unsupported(template: name, reason: "a token without a payload (\(token))")
            }
            let fields = Mirror(reflecting: payload.value).children.map(\.value)
            func field(_ index: Int) -> Any? { index < fields.count ? fields[index] : nil }
            func template(_ value: Any?) throws -> [Node] {
                guard let template = value as? MustacheTemplate else { throw Unsupported(template: name, reason: "\(kind) without a template") }
                return try compile(template, template: name, indices: indices)
            }
            func compiledName(_ value: Any?, _ transforms: Any?) throws -> Name {
                guard let text = value as? String else { throw Unsupported(template: name, reason: "\(kind) without a name") }
                let transforms = transforms as? [String] ?? []
                if text == "" && !transforms.isEmpty {
                    throw Unsupported(template: name, reason: "sequence transforms (\(transforms.joined(separator: ", "))()) are not compiled")
                }
                let parts = text.split(separator: ".").map(String.init)
                let scope: Name.Scope = text == "." || parts.isEmpty ? .current : text.first == "." ? .top : .climbing
                return Name(scope: scope, parts: parts, transforms: transforms)
            }
            switch kind {
            case "text":
                guard let text = payload.value as? String else { throw Unsupported(template: name, reason: "text without text") }
                nodes.append(.text(Array(text.utf8)))
            case "variable":
                nodes.append(.variable(try compiledName(field(0), field(1)), escaped: true))
            case "unescapedVariable":
                nodes.append(.variable(try compiledName(field(0), field(1)), escaped: false))
            case "section":
                nodes.append(.section(try compiledName(field(0), field(1)), try template(field(2))))
            case "invertedSection":
                nodes.append(.invertedSection(try compiledName(field(0), field(1)), try template(field(2))))
            case "blockExpansion":
                guard let block = field(0) as? String else { throw Unsupported(template: name, reason: "a block without a name") }
                nodes.append(.block(block, default: try template(field(1)), indentation: Array((field(2) as? String ?? "").utf8)))
            case "partial":
                guard let partial = field(0) as? String else { throw Unsupported(template: name, reason: "a partial without a name") }
                var inherits: [String: [Node]]?
                if let overrides = field(2) as? [String: MustacheTemplate] {
                    inherits = try overrides.mapValues { try compile($0, template: name, indices: indices) }
                }
                nodes.append(.partial(indices[partial], indentation: Array((field(1) as? String ?? "").utf8), inherits: inherits))
            case "contentType":
                guard let type = field(0) as? any MustacheContentType ?? payload.value as? any MustacheContentType else {
                    throw Unsupported(template: name, reason: "a content type that is not one")
                }
                let typeName = String(describing: Swift.type(of: type))
                nodes.append(.contentType(typeName == "HTMLContentType" ? .html : typeName == "TextContentType" ? .none : .custom(type)))
            default:
                throw Unsupported(template: name, reason: "\(kind) tags are not compiled")
            }
        }
        return nodes
    }

    static func partials(in nodes: [Node]) -> [Int] {
        var found: [Int] = []
        for node in nodes {
            switch node {
            case .section(_, let body), .invertedSection(_, let body): found += partials(in: body)
            case .block(_, let body, _): found += partials(in: body)
            case .partial(let index, _, let inherits):
                if let index { found.append(index) }
                for body in (inherits ?? [:]).values { found += partials(in: body) }
            case .text, .variable, .contentType: break
            }
        }
        return found
    }
}
