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
                problems.append("“\(entry.prefix(80))”: \(problem.message)")
            }
        }
        if !problems.isEmpty {
            let shown = problems.prefix(5).joined(separator: " ")
            let more = problems.count > 5 ? " (and \(problems.count - 5) more)" : ""
            throw AppError.validation(["origins": shown + more])
        }
        if origins.count > maximum {
            throw AppError.validation(["origins": "List at most \(maximum) origins (you entered \(origins.count))."])
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
        let shape = "Write an origin such as https://app.example.com, https://app.example.com:8443 or http://localhost:3000."
        guard text.utf8.count <= 300 else { return .failure(Problem(message: "This is too long to be an origin. \(shape)")) }
        if text.contains("*") {
            return .failure(Problem(message: "Wildcards are not allowed: list each origin. \(shape)"))
        }
        guard let separator = text.range(of: "://") else {
            return .failure(Problem(message: "Start with https:// (or http:// for localhost). \(shape)"))
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        var rest = Substring(text[separator.upperBound...])
        guard scheme == "https" || scheme == "http" else {
            return .failure(Problem(message: "Only https:// origins (and http://localhost) are allowed. \(shape)"))
        }
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            let bare = "\(scheme)://\(rest[..<slash].lowercased())"
            return .failure(Problem(message: "An origin has no path, query or fragment: write \(bare)"))
        }
        if rest.contains("@") {
            return .failure(Problem(message: "An origin has no user name or password. \(shape)"))
        }
        var port: Int?
        if rest.hasPrefix("[") {
            return .failure(Problem(message: "IP address literals are not allowed; use a host name. \(shape)"))
        }
        if let colon = rest.lastIndex(of: ":") {
            let digits = rest[rest.index(after: colon)...]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let number = Int(digits), (1...65535).contains(number)
            else {
                return .failure(Problem(message: "The port must be a number from 1 to 65535. \(shape)"))
            }
            port = number
            rest = rest[..<colon]
        }
        guard let host = HostName.normalize(String(rest)), !rest.hasSuffix(".") else {
            return .failure(Problem(message: "“\(rest.prefix(80))” is not a valid host name. \(shape)"))
        }
        if scheme == "http" && host != "localhost" {
            return .failure(Problem(message: "Plain http:// is allowed only for localhost (development); use https://\(host)."))
        }
        if host.split(separator: ".").allSatisfy({ $0.allSatisfy(\.isNumber) }) {
            return .failure(Problem(message: "IP addresses are not allowed; use a host name. \(shape)"))
        }
        let defaultPort = scheme == "https" ? 443 : 80
        let portText = port.map { $0 == defaultPort ? "" : ":\($0)" } ?? ""
        return .success("\(scheme)://\(host)\(portText)")
    }
}
