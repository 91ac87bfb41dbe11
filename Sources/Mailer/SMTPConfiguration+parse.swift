import Foundation

extension SMTPConfiguration {
    /// Parses `SMTP_URL`: `smtp://[user:pass@]host[:port][/helo-name]` (STARTTLS required
    /// unless `startTLS` is false) or `smtps://[user:pass@]host[:port]` (implicit TLS).
    /// Default ports are 25 and 465. User and password are percent-decoded.
    ///
    /// `startTLS` false (SMTP_STARTTLS) is accepted only for a loopback relay (127.0.0.0/8,
    /// ::1, localhost): anywhere else mail and credentials would cross the network in clear.
    /// `caFile` (SMTP_CA_FILE) must be a readable file.
    ///
    /// Error messages never repeat the URL, which may hold the password.
    public static func parse(url: String, startTLS: Bool = true, caFile: String? = nil) throws -> SMTPConfiguration {
        func refuse(_ message: String) -> MailError {
            .invalidConfiguration(variable: "SMTP_URL", message: message)
        }
        guard !url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw refuse("must not contain spaces or control characters")
        }
        guard let schemeEnd = url.range(of: "://") else {
            throw refuse("must look like smtp://[user:password@]host[:port] or smtps://host[:port]")
        }
        let security: Security
        let defaultPort: Int
        switch url[..<schemeEnd.lowerBound].lowercased() {
        case "smtp": (security, defaultPort) = (startTLS ? .startTLS : .plaintext, 25)
        case "smtps": (security, defaultPort) = (.implicitTLS, 465)
        default: throw refuse("must start with smtp:// or smtps://")
        }
        var rest = url[schemeEnd.upperBound...]

        // Credentials first, up to the last @: a password may hold an unencoded / or @.
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let colon = userinfo.firstIndex(of: ":")
            guard let user = String(userinfo[..<(colon ?? userinfo.endIndex)]).removingPercentEncoding else {
                throw refuse("has a user name with invalid percent-encoding")
            }
            if let colon {
                guard let decoded = String(userinfo[userinfo.index(after: colon)...]).removingPercentEncoding else {
                    throw refuse("has a password with invalid percent-encoding")
                }
                password = decoded
            }
            guard !user.isEmpty else { throw refuse("has a password but no user name") }
            guard !user.contains("\0"), !(password?.contains("\0") ?? false) else {
                throw refuse("has a NUL byte in the user name or password")
            }
            username = user
        }
        guard !rest.contains("?"), !rest.contains("#") else { throw refuse("must not have a query or fragment") }

        var heloName: String?
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty {
                guard HostNameShape.isDomainName(path) else {
                    throw refuse("may have a path only to give the host name to send with EHLO")
                }
                heloName = String(path)
            }
            rest = rest[..<slash]
        }

        let (host, port) = try splitHostPort(rest, defaultPort: defaultPort)

        if security == .plaintext, !HostNameShape.isLoopback(host) {
            throw MailError.invalidConfiguration(
                variable: "SMTP_STARTTLS",
                message:
                    "may be false only for a relay on this machine (127.0.0.1, ::1 or localhost), not \(host): without STARTTLS mail and SMTP credentials would cross the network unencrypted"
            )
        }
        if let caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw MailError.invalidConfiguration(variable: "SMTP_CA_FILE", message: "names \(caFile), which is not a readable file")
            }
        }
        return SMTPConfiguration(
            host: host, port: port, security: security, username: username, password: password,
            caFile: caFile, heloName: heloName
        )
    }

    private static func splitHostPort(_ authority: Substring, defaultPort: Int) throws -> (String, Int) {
        func refuse(_ message: String) -> MailError {
            .invalidConfiguration(variable: "SMTP_URL", message: message)
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw refuse("has an unclosed [ in the host") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw refuse("has text after the IPv6 address") }
                portText = after.dropFirst()
            }
            guard HostNameShape.isIPv6(host) else { throw refuse("has an invalid IPv6 address") }
        } else {
            let pieces = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw refuse("has more than one : in the host (write IPv6 addresses in [ ])") }
            host = pieces[0]
            portText = pieces.count == 2 ? pieces[1] : nil
            guard HostNameShape.isDomainName(host) || HostNameShape.isIPv4(host) else {
                throw refuse("needs a host name or IP address")
            }
        }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value), portText.allSatisfy(\.isASCII) else {
                throw refuse("has an invalid port (1–65535)")
            }
            port = value
        }
        return (host.lowercased(), port)
    }
}
