import Foundation
import Mustache

/// Rendering: the context stack, lookups and output of a compiled template.
extension CompiledLibrary {
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
