import Foundation
import Mustache

/// A theme's templates compiled once for rendering: the same output as swift-mustache, byte for
/// byte, without its per-lookup costs.
///
/// swift-mustache parses each template (and stays the judge of what a template means): its
/// parsed tokens are read here once, at load, through reflection (they are not public), and
/// turned into nodes with dotted names split in advance and partials resolved to the library's
/// templates. Rendering then writes into one byte buffer, escapes HTML over UTF-8 bytes, and
/// classifies each object pushed on the context stack once instead of casting every context to
/// three protocols on every lookup.
///
/// The semantics are swift-mustache's, for what the themes use: context-stack climbing, names
/// with dots, `{{.}}`, sections over arrays, Bool, strings (empty is falsy, `MustacheText`),
/// optionals and objects; inverted sections; transforms (`empty(x)`); partials with their
/// standalone indentation (applied per rendered token, as the library does); inheritance with
/// blocks (outer overrides win); `{{% CONTENT_TYPE: TEXT}}`. A template using anything else
/// (lambdas in templates, dynamic partials, sequence transforms such as `first()`) does not
/// compile here, and `CompiledLibrary.render` answers nil for it so the caller renders it with
/// swift-mustache. Lambdas, `MustacheCustomRepresentation` (`NSNull`) and `MustacheTemplate`
/// values in view models are not read; no view model holds one (the differential check in
/// `PageRenderer`, on in tests, would show it).
final class CompiledLibrary: Sendable {
    /// A name as a tag writes it, split once.
    struct Name: Sendable {
        enum Scope: Sendable {
            /// `{{.}}` (or an empty name): the top of the context stack.
            case current
            /// `{{.a.b}}`: from the top of the stack, without climbing.
            case top
            /// `{{a.b}}`: the first context that has `a`, then `b` within it.
            case climbing
        }
        let scope: Scope
        let parts: [String]
        /// Applied last to first, as swift-mustache does.
        let transforms: [String]
    }

    indirect enum Node: Sendable {
        case text([UInt8])
        case variable(Name, escaped: Bool)
        case section(Name, [Node])
        case invertedSection(Name, [Node])
        case block(String, default: [Node], indentation: [UInt8])
        case partial(Int?, indentation: [UInt8], inherits: [String: [Node]]?)
        case contentType(Escaping)
    }

    enum Escaping: @unchecked Sendable {
        case html
        case none
        case custom(any MustacheContentType)
    }

    struct Unsupported: Error, CustomStringConvertible {
        let template: String
        let reason: String
        var description: String { "\(template).mustache: \(reason)" }
    }

    private let templates: [[Node]?]
    private let indices: [String: Int]
    /// Templates that did not compile (or use one that did not), with why.
    let unsupported: [Unsupported]

    /// Compiles every template of `library`.
    init(_ library: MustacheLibrary) {
        let sources = Self.templates(of: library)
        let names = sources.keys.sorted()
        var indices: [String: Int] = [:]
        for (index, name) in names.enumerated() { indices[name] = index }
        var compiled: [[Node]?] = []
        var unsupported: [Unsupported] = []
        for name in names {
            do {
                compiled.append(try Self.compile(sources[name]!, template: name, indices: indices))
            } catch let error as Unsupported {
                compiled.append(nil)
                unsupported.append(error)
            } catch {
                compiled.append(nil)
                unsupported.append(Unsupported(template: name, reason: "\(error)"))
            }
        }
        // A template whose partials (however deep) did not compile is rendered by swift-mustache whole.
        var changed = true
        while changed {
            changed = false
            for index in compiled.indices {
                guard let nodes = compiled[index] else { continue }
                if let missing = Self.partials(in: nodes).first(where: { compiled[$0] == nil }) {
                    compiled[index] = nil
                    unsupported.append(Unsupported(template: names[index], reason: "uses \(names[missing]), which does not compile"))
                    changed = true
                }
            }
        }
        self.templates = compiled
        self.indices = indices
        self.unsupported = unsupported
    }

    /// Renders `template` with `object` as swift-mustache's `MustacheLibrary.render` would; nil
    /// when there is no such template or it did not compile here.
    func render(_ object: Any, withTemplate name: String) -> String? {
        guard let index = indices[name], let nodes = templates[index] else { return nil }
        var renderer = Renderer(templates: templates)
        renderer.stack.append(Frame(object))
        renderer.output.reserveCapacity(16 * 1024)
        renderer.render(nodes, Context(escaping: .html, indentation: [], inherited: nil))
        return String(decoding: renderer.output, as: UTF8.self)
    }

    func hasTemplate(_ name: String) -> Bool {
        indices[name].map { templates[$0] != nil } ?? false
    }

    // MARK: Compiling

    private static func templates(of library: MustacheLibrary) -> [String: MustacheTemplate] {
        for child in Mirror(reflecting: library).children where child.label == "templates" {
            if let templates = child.value as? [String: MustacheTemplate] { return templates }
        }
        return [:]
    }

    private static func tokens(of template: MustacheTemplate) -> [Any]? {
        for child in Mirror(reflecting: template).children where child.label == "tokens" {
            return Mirror(reflecting: child.value).children.map(\.value)
        }
        return nil
    }

    private static func compile(_ template: MustacheTemplate, template name: String, indices: [String: Int]) throws -> [Node] {
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

    private static func partials(in nodes: [Node]) -> [Int] {
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

    // MARK: Rendering

    /// An object on the context stack, classified once when pushed.
    struct Frame {
        let value: Any
        let parent: (any MustacheParent)?

        init(_ value: Any) {
            self.value = value
            self.parent = value as? any MustacheParent
        }

        /// swift-mustache's immediate-child lookup: `child(named:)`, else reflection.
        func child(named name: String) -> Any? {
            if let parent { return parent.child(named: name) }
            return CompiledLibrary.reflectedChild(named: name, of: value)
        }
    }

    struct Context {
        var escaping: Escaping
        var indentation: [UInt8]
        var inherited: [String: [Node]]?
    }

    struct Renderer {
        let templates: [[Node]?]
        var stack: [Frame] = []
        var output: [UInt8] = []

        /// One `MustacheTemplate.render(context:)`: with indentation, each token's non-empty
        /// output that follows a line break of this render's own output is indented first.
        mutating func render(_ nodes: [Node], _ context: Context) {
            var context = context
            guard !context.indentation.isEmpty else {
                for node in nodes { render(node, &context) }
                return
            }
            let start = output.count
            for node in nodes {
                let before = output.count
                let afterLineBreak =
                    before > start && output[before - 1] == UInt8(ascii: "\n") && !(before - 1 > start && output[before - 2] == UInt8(ascii: "\r"))
                render(node, &context)
                if afterLineBreak && output.count > before {
                    output.insert(contentsOf: context.indentation, at: before)
                }
            }
        }

        mutating func render(_ node: Node, _ context: inout Context) {
            switch node {
            case .text(let bytes):
                output.append(contentsOf: bytes)
            case .variable(let name, let escaped):
                guard let value = lookUp(name) else { return }
                appendValue(value, escaping: escaped ? context.escaping : .none)
            case .section(let name, let body):
                renderSection(lookUp(name), body, context)
            case .invertedSection(let name, let body):
                renderInvertedSection(lookUp(name), body, context)
            case .block(let name, let defaultBody, let indentation):
                var inner = context
                inner.indentation += indentation
                render(context.inherited?[name] ?? defaultBody, inner)
            case .partial(let index, let indentation, let inherits):
                guard let index, let body = templates[index] else { return }
                var inherited = context.inherited
                if let inherits {
                    inherited = inherited.map { $0.merging(inherits) { outer, _ in outer } } ?? inherits
                }
                render(body, Context(escaping: .html, indentation: context.indentation + indentation, inherited: inherited))
            case .contentType(let escaping):
                context.escaping = escaping
            }
        }

        mutating func renderSection(_ value: Any?, _ body: [Node], _ context: Context) {
            guard let value else { return }
            if let text = value as? String {
                if !text.isEmpty { renderPushing(text, body, context) }
                return
            }
            if let bool = value as? Bool {
                if bool { render(body, context) }
                return
            }
            if let sequence = value as? any MustacheSequence {
                renderEach(sequence, body, context)
                return
            }
            if let renderable = value as? any MustacheCustomRenderable, renderable.isNull { return }
            renderPushing(value, body, context)
        }

        mutating func renderEach<S: Sequence>(_ sequence: S, _ body: [Node], _ context: Context) {
            for element in sequence { renderPushing(element, body, context) }
        }

        mutating func renderInvertedSection(_ value: Any?, _ body: [Node], _ context: Context) {
            guard let value else { return render(body, context) }
            if let text = value as? String {
                if text.isEmpty { render(body, context) }
                return
            }
            if let bool = value as? Bool {
                if !bool { render(body, context) }
                return
            }
            if let sequence = value as? any MustacheSequence {
                if Self.isEmpty(sequence) { renderPushing(sequence, body, context) }
                return
            }
            if let renderable = value as? any MustacheCustomRenderable, renderable.isNull { render(body, context) }
        }

        static func isEmpty<S: Sequence>(_ sequence: S) -> Bool {
            var iterator = sequence.makeIterator()
            return iterator.next() == nil
        }

        mutating func renderPushing(_ value: Any, _ body: [Node], _ context: Context) {
            stack.append(Frame(value))
            render(body, context)
            stack.removeLast()
        }

        /// swift-mustache's `getChild(named:transforms:context:)`.
        func lookUp(_ name: Name) -> Any? {
            var child: Any?
            switch name.scope {
            case .current:
                child = stack.last!.value
            case .top:
                child = descend(name.parts[...], from: stack.last!.value)
            case .climbing:
                let first = name.parts[0]
                for frame in stack.reversed() {
                    if let found = frame.child(named: first) {
                        child = name.parts.count == 1 ? found : descend(name.parts.dropFirst(), from: found)
                        break
                    }
                }
            }
            guard var child else { return nil }
            for transform in name.transforms.reversed() {
                guard let transformable = child as? any MustacheTransformable, let transformed = transformable.transform(transform) else {
                    return nil
                }
                child = transformed
            }
            return child
        }

        func descend(_ parts: ArraySlice<String>, from object: Any) -> Any? {
            var object = object
            for part in parts {
                let found: Any?
                if let parent = object as? any MustacheParent {
                    found = parent.child(named: part)
                } else {
                    found = CompiledLibrary.reflectedChild(named: part, of: object)
                }
                guard let found else { return nil }
                object = found
            }
            return object
        }

        mutating func appendValue(_ value: Any, escaping: Escaping) {
            let text: String
            if let string = value as? String {
                text = string
            } else if let int = value as? Int {
                text = String(int)
            } else if let renderable = value as? any MustacheCustomRenderable {
                text = renderable.renderText
            } else if let optional = value as? any CompiledOptional {
                text = String(describing: optional.wrappedValue ?? value)
            } else {
                text = String(describing: value)
            }
            switch escaping {
            case .html: HTMLEscaping.append(text, to: &output)
            case .none: output.append(contentsOf: text.utf8)
            case .custom(let type): output.append(contentsOf: type.escapeText(text).utf8)
            }
        }
    }

    /// `Mirror.getValue(forKey:)` of swift-mustache: the first child so labelled, an optional unwrapped.
    static func reflectedChild(named name: String, of object: Any) -> Any? {
        guard let matched = Mirror(reflecting: object).children.first(where: { $0.label == name }) else { return nil }
        let mirror = Mirror(reflecting: matched.value)
        guard mirror.displayStyle == .optional else { return matched.value }
        return mirror.children.first?.value
    }
}

/// swift-mustache's `AnyOptional` (internal there): a value that is an optional renders its wrapped value.
protocol CompiledOptional {
    var wrappedValue: Any? { get }
}

extension Optional: CompiledOptional {
    var wrappedValue: Any? { self }
}

/// HTML escaping as swift-mustache's `htmlEscape()`: `<`, `>`, `&`, `"` and `'`, each replaced
/// where it is a whole `Character`. Over bytes: text without any of them is copied as it is; an
/// ASCII special between ASCII bytes (or the ends) is a whole character; only text where one
/// touches a non-ASCII byte (a combining or prepended mark could join it) goes through `Character`s.
enum HTMLEscaping {
    static func append(_ text: String, to output: inout [UInt8]) {
        var text = text
        let done: Bool = text.withUTF8 { bytes in
            var needsEscape = false
            for (index, byte) in bytes.enumerated() where isSpecial(byte) {
                needsEscape = true
                // A combining mark after it, or a prepended mark before it, could make it part of a larger `Character`.
                if index + 1 < bytes.count && bytes[index + 1] >= 0x80 || index > 0 && bytes[index - 1] >= 0x80 { return false }
            }
            guard needsEscape else {
                output.append(contentsOf: bytes)
                return true
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "<"): output.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])  // &lt;
                case UInt8(ascii: ">"): output.append(contentsOf: [0x26, 0x67, 0x74, 0x3B])  // &gt;
                case UInt8(ascii: "&"): output.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])  // &amp;
                case UInt8(ascii: "\""): output.append(contentsOf: [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B])  // &quot;
                case UInt8(ascii: "'"): output.append(contentsOf: [0x26, 0x23, 0x33, 0x39, 0x3B])  // &#39;
                default: output.append(byte)
                }
            }
            return true
        }
        if done { return }
        for character in text {
            switch character {
            case "<": output.append(contentsOf: "&lt;".utf8)
            case ">": output.append(contentsOf: "&gt;".utf8)
            case "&": output.append(contentsOf: "&amp;".utf8)
            case "\"": output.append(contentsOf: "&quot;".utf8)
            case "'": output.append(contentsOf: "&#39;".utf8)
            default: output.append(contentsOf: character.utf8)
            }
        }
    }

    @inline(__always)
    static func isSpecial(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }
}
