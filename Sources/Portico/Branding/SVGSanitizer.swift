import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Decides whether an uploaded SVG logo is harmless: well-formed XML with no script, no event
/// handlers, no embedded documents, no entity tricks and no references outside the file.
/// A logo that fails is refused with the reason (we do not rewrite people's files); one that
/// passes is still served with a sandboxing content-security policy.
enum SVGSanitizer {
    /// Why a file is refused: a catalog text (`branding.svg.<key>`) in the reader's language.
    struct Refusal: Error, Equatable {
        let key: String
        let reason: String
        init(_ key: String, _ values: [String: String] = [:]) {
            self.key = key
            self.reason = L10n.t("branding.svg.\(key)", values)
        }
    }

    static let forbiddenElements: Set<String> = ["script", "foreignobject", "iframe", "object", "embed", "handler", "listener", "animate", "set"]

    static func check(_ data: Data) throws {
        guard let text = String(data: data, encoding: .utf8) else { throw Refusal("notUTF8") }
        let lowered = text.lowercased()
        if lowered.contains("<!doctype") || lowered.contains("<!entity") {
            throw Refusal("doctype")
        }
        let delegate = Inspector()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        parser.shouldResolveExternalEntities = false
        let parsed = parser.parse()
        if let refusal = delegate.refusal { throw refusal }
        guard parsed, delegate.openElements == 0 else { throw Refusal("malformed") }
        guard delegate.rootName == "svg" else { throw Refusal("notSVG") }
    }

    private final class Inspector: NSObject, XMLParserDelegate {
        var refusal: Refusal?
        var rootName: String?
        /// Unclosed elements at the end: some parsers forgive a missing end tag.
        var openElements = 0
        private var inStyle = false

        private func refuse(_ key: String, _ parser: XMLParser, _ values: [String: String] = [:]) {
            if refusal == nil { refusal = Refusal(key, values) }
            parser.abortParsing()
        }

        static func localName(_ name: String) -> String {
            (name.split(separator: ":").last.map(String.init) ?? name).lowercased()
        }

        static func unsafeCSS(_ text: String) -> Bool {
            let lowered = text.lowercased().replacingOccurrences(of: " ", with: "")
            if lowered.contains("@import") || lowered.contains("javascript:") || lowered.contains("expression(") { return true }
            var rest = lowered[...]
            while let range = rest.range(of: "url(") {
                let after = rest[range.upperBound...].drop { $0 == "'" || $0 == "\"" }
                if !after.hasPrefix("#") { return true }
                rest = rest[range.upperBound...]
            }
            return false
        }

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let name = Self.localName(elementName)
            if rootName == nil { rootName = name }
            openElements += 1
            if SVGSanitizer.forbiddenElements.contains(name) { return refuse("element", parser, ["element": "<\(name)>"]) }
            inStyle = name == "style"
            for (attribute, value) in attributes {
                let local = Self.localName(attribute)
                if local.hasPrefix("on") { return refuse("handler", parser, ["attribute": attribute]) }
                if local == "href" || local == "src", !value.trimmingCharacters(in: .whitespaces).hasPrefix("#") {
                    return refuse("reference", parser, ["reference": "\(attribute)=\"\(value.prefix(40))\""])
                }
                if value.lowercased().contains("javascript:") { return refuse("javascript", parser) }
                if local == "style" && Self.unsafeCSS(value) { return refuse("externalStyle", parser) }
            }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            inStyle = false
            openElements -= 1
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if inStyle && Self.unsafeCSS(string) { refuse("externalStyle", parser) }
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            if inStyle, let text = String(data: CDATABlock, encoding: .utf8), Self.unsafeCSS(text) {
                refuse("externalStyle", parser)
            }
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            if refusal == nil { refusal = Refusal("malformed") }
        }

        func parser(_ parser: XMLParser, foundProcessingInstructionWithTarget target: String, data: String?) {
            if target.lowercased() == "xml-stylesheet" { refuse("stylesheet", parser) }
        }
    }
}
