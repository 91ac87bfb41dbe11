import Foundation

/// The browser origins a tenant lets call `/api/v1` from their own pages (CORS). Empty — the
/// default — means no cross-origin browser access at all.
///
/// Each entry is an origin exactly as browsers send it in the `Origin` header:
/// `https://host[:port]`, or `http://localhost[:port]` for development. No paths, no
/// wildcards, no credentials, at most `maximum` of them. Entries are kept normalised (lower
/// case, default port dropped), so matching is a plain string comparison.
public struct CORSOrigins: Sendable, Equatable {
    public static let maximum = 20

    public let origins: [String]

    public init(_ origins: [String]) {
        self.origins = origins
    }

    public static let none = CORSOrigins([])

    public var isEmpty: Bool { origins.isEmpty }

    /// Whether the `Origin` header of a request is one of ours.
    public func allows(_ origin: String) -> Bool {
        !origins.isEmpty && origins.contains(origin.lowercased())
    }

    /// Reads the console's text area: one origin per line (commas and spaces also separate;
    /// `\r\n` is one `Character`, which `isWhitespace` covers).
    /// Every line that is not a valid origin is named with what to write instead.
    public static func parse(_ text: String) throws -> CORSOrigins {
        let entries = text.split(whereSeparator: { $0.isWhitespace || $0 == "," })
            .map(String.init).filter { !$0.isEmpty }
        var problems: [String] = []
        var origins: [String] = []
        for entry in entries {
            switch normalize(entry) {
            case .success(let origin):
                if !origins.contains(origin) { origins.append(origin) }
            case .failure(let problem):
                problems.append(L10n.t("console.cors.entry", ["entry": String(entry.prefix(80)), "problem": problem.message]))
            }
        }
        if !problems.isEmpty {
            let shown = problems.prefix(5).joined(separator: " ")
            let more = problems.count > 5 ? " " + L10n.t("console.cors.more", ["count": "\(problems.count - 5)"]) : ""
            throw AppError.validation(["origins": shown + more])
        }
        if origins.count > maximum {
            throw AppError.validation(["origins": L10n.t("console.cors.tooMany", ["max": "\(maximum)", "count": "\(origins.count)"])])
        }
        return CORSOrigins(origins)
    }

    public struct Problem: Error, Equatable {
        public let message: String
    }

    /// `HTTPS://App.Example.com:443` → `https://app.example.com`; anything that is not an origin
    /// we accept is a problem saying what to write.
    public static func normalize(_ entry: String) -> Result<String, Problem> {
        let text = entry.trimmingCharacters(in: .whitespaces)
        let shape = L10n.t("console.cors.shape")
        /// A problem, then how an origin is written.
        func problem(_ key: String, _ values: [String: String] = [:]) -> Result<String, Problem> {
            .failure(Problem(message: L10n.t(key, values) + " " + shape))
        }
        guard text.utf8.count <= 300 else { return problem("console.cors.tooLong") }
        if text.contains("*") {
            return problem("console.cors.wildcard")
        }
        guard let separator = text.range(of: "://") else {
            return problem("console.cors.scheme")
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        var rest = Substring(text[separator.upperBound...])
        guard scheme == "https" || scheme == "http" else {
            return problem("console.cors.onlyHTTPS")
        }
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            let bare = "\(scheme)://\(rest[..<slash].lowercased())"
            return .failure(Problem(message: L10n.t("console.cors.path", ["origin": bare])))
        }
        if rest.contains("@") {
            return problem("console.cors.credentials")
        }
        var port: Int?
        if rest.hasPrefix("[") {
            return problem("console.cors.ipLiteral")
        }
        if let colon = rest.lastIndex(of: ":") {
            let digits = rest[rest.index(after: colon)...]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let number = Int(digits), (1...65535).contains(number)
            else {
                return problem("console.cors.port")
            }
            port = number
            rest = rest[..<colon]
        }
        guard let host = HostName.normalize(String(rest)), !rest.hasSuffix(".") else {
            return problem("console.cors.host", ["host": String(rest.prefix(80))])
        }
        if scheme == "http" && host != "localhost" {
            return .failure(Problem(message: L10n.t("console.cors.plainHTTP", ["host": host])))
        }
        if host.split(separator: ".").allSatisfy({ $0.allSatisfy(\.isNumber) }) {
            return problem("console.cors.ip")
        }
        let defaultPort = scheme == "https" ? 443 : 80
        let portText = port.map { $0 == defaultPort ? "" : ":\($0)" } ?? ""
        return .success("\(scheme)://\(host)\(portText)")
    }
}
