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
}
