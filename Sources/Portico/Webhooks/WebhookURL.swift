import Foundation

/// The rules for an endpoint URL, checked when an admin saves it (the address check is
/// repeated at delivery time, against what the name resolves to then).
public enum WebhookURL {
    public static let maximumLength = 2000

    /// The normalised URL, or a message saying what to change.
    public static func validate(_ raw: String, allowHTTP: Bool, allowPrivate: Bool) -> Result<String, WebhookURLProblem> {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty {
            return .failure(.init(key: "empty"))
        }
        if text.count > maximumLength { return .failure(.init(key: "tooLong")) }
        if text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7f || $0.value > 0x7e }) {
            return .failure(.init(key: "characters"))
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return .failure(.init(key: "invalid"))
        }
        switch scheme {
        case "https": break
        case "http":
            guard allowHTTP else { return .failure(.init(key: "https")) }
        default:
            return .failure(.init(key: "scheme", ["scheme": String(scheme.prefix(20))]))
        }
        if components.user != nil || components.password != nil || components.percentEncodedHost?.contains("@") == true {
            return .failure(.init(key: "credentials"))
        }
        if components.fragment != nil || text.contains("#") {
            return .failure(.init(key: "fragment"))
        }
        guard let host = components.host?.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), !host.isEmpty else {
            return .failure(.init(key: "host"))
        }
        if let port = components.port, !(1...65535).contains(port) { return .failure(.init(key: "port")) }
        // The same reading of the host as at delivery: one trailing dot ignored, IPv4 in any
        // notation a resolver accepts (`127.1`, `0x7f.1`, `2130706433`, `0177.0.0.1`).
        switch AddressGuard.HostForm(host) {
        case .invalidNumeric:
            return .failure(.init(key: "invalidAddress"))
        case .address(_, canonical: false):
            return .failure(.init(key: "addressForm"))
        case .address(let bytes, canonical: true):
            if !allowPrivate && AddressGuard.isForbidden(bytes: bytes) { return .failure(Self.notPublic) }
        case .name(let name):
            if !allowPrivate && AddressGuard.isLocalName(name) { return .failure(Self.notPublic) }
        }
        return .success(text)
    }
}

extension WebhookURL {
    static var notPublic: WebhookURLProblem { WebhookURLProblem(key: "notPublic") }
}

/// Why a URL is refused: a catalog text (`webhooks.url.<key>`) in the reader's language, read
/// when the problem is made (validation runs within the request).
public struct WebhookURLProblem: Error, Sendable {
    public let key: String
    public let message: String
    init(key: String, _ values: [String: String] = [:]) {
        self.key = key
        self.message = L10n.t("webhooks.url.\(key)", values)
    }
}

/// Which addresses webhooks may not reach (unless `PORTICO_WEBHOOKS_ALLOW_PRIVATE=1`):
/// loopback, private, carrier-grade NAT, link-local, multicast, unspecified and reserved ones,
/// and IPv6 addresses that carry one of those IPv4 addresses (NAT64, 6to4) — a NAT64 gateway
/// would otherwise relay `64:ff9b::7f00:1` to the ISP's own 127.0.0.1. The whole deprecated
/// IPv4-compatible range `::/96` (`[::127.0.0.1]`) is refused: nothing public lives there, and
/// some stacks still route it to the IPv4 address it embeds.
public enum AddressGuard {
    static let forbidden: [IPNetwork] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/96", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
    ].compactMap { IPNetwork($0) }

    /// How a URL's host reads: an address (and whether it is written the usual way), a number
    /// that is no valid address, or a name. One trailing dot is ignored, as resolvers do.
    public enum HostForm: Equatable {
        case address([UInt8], canonical: Bool)
        case invalidNumeric
        case name(String)

        public init(_ rawHost: String) {
            var host = rawHost.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            if host.hasSuffix(".") && !host.hasSuffix("..") { host.removeLast() }
            if let bytes = IPNetwork.parseAddress(host) {
                self = .address(bytes, canonical: true)
            } else if let numeric = IPv4Notation.parse(host) {
                self = numeric.map { .address($0, canonical: false) } ?? .invalidNumeric
            } else {
                self = .name(host)
            }
        }
    }

    /// `localhost` and its subdomains: loopback by definition (RFC 6761), whatever DNS says.
    public static func isLocalName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower == "localhost" || lower.hasSuffix(".localhost")
    }

    /// Well-known NAT64 (RFC 6052): the IPv4 address is the last 32 bits.
    static let nat64 = IPNetwork("64:ff9b::/96")!
    /// 6to4 (RFC 3056): the IPv4 address is bits 16–47.
    static let sixToFour = IPNetwork("2002::/16")!

    /// True for an address, in any notation, in a forbidden range (false for anything that is
    /// not an address).
    public static func isForbidden(_ address: String) -> Bool {
        guard case .address(let bytes, _) = HostForm(address) else { return false }
        return isForbidden(bytes: bytes)
    }

    static func isForbidden(bytes: [UInt8]) -> Bool {
        if forbidden.contains(where: { $0.contains(bytes: bytes) }) { return true }
        if nat64.contains(bytes: bytes) { return isForbidden(bytes: Array(bytes[12..<16])) }
        if sixToFour.contains(bytes: bytes) { return isForbidden(bytes: Array(bytes[2..<6])) }
        return false
    }

    public static func isAddressLiteral(_ text: String) -> Bool {
        if case .address = HostForm(text) { return true }
        return false
    }

    /// Resolves `host` with the system resolver (blocking: call it on a thread pool). Returns
    /// the addresses in text form.
    static func resolve(_ host: String) throws -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        guard status == 0, let first = result else {
            throw WebhookAddressError(message: "Could not resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if let address = entry.pointee.ai_addr,
                getnameinfo(address, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0
            {
                let text = String(cString: buffer)
                if !addresses.contains(text) { addresses.append(text) }
            }
            cursor = entry.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw WebhookAddressError(message: "\(host) has no addresses") }
        return addresses
    }
}

struct WebhookAddressError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// IPv4 written the ways `inet_aton` and the WHATWG URL parser accept: one to four parts,
/// each decimal, octal (leading 0) or hexadecimal (0x), the last filling the remaining bytes
/// (`127.1` is 127.0.0.1, `2130706433` is too). Browsers, curl and resolvers all read these
/// as addresses, so the guard must as well.
enum IPv4Notation {
    /// Nil: the host does not end in a number (it is a name). `.some(nil)`: it ends in a
    /// number but is no valid address. Otherwise the four bytes.
    static func parse(_ host: String) -> [UInt8]?? {
        var parts = host.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.count > 1 && parts.last == "" { parts.removeLast() }
        guard let last = parts.last, isNumber(last) else { return nil }
        guard (1...4).contains(parts.count) else { return .some(nil) }
        var values: [UInt64] = []
        for part in parts {
            guard let value = number(part) else { return .some(nil) }
            values.append(value)
        }
        guard values.dropLast().allSatisfy({ $0 <= 255 }) else { return .some(nil) }
        let lastBytes = 5 - values.count
        guard values.last! < (UInt64(1) << UInt64(8 * lastBytes)) else { return .some(nil) }
        var address = values.last!
        for (index, value) in values.dropLast().enumerated() { address += value << UInt64(8 * (3 - index)) }
        return .some([UInt8((address >> 24) & 0xff), UInt8((address >> 16) & 0xff), UInt8((address >> 8) & 0xff), UInt8(address & 0xff)])
    }

    /// The WHATWG "ends in a number" test for the last label.
    static func isNumber(_ part: String) -> Bool {
        if !part.isEmpty && part.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        let lower = part.lowercased()
        return lower.hasPrefix("0x") && lower.dropFirst(2).allSatisfy(\.isHexDigit)
    }

    static func number(_ part: String) -> UInt64? {
        guard !part.isEmpty, part.count <= 32 else { return nil }
        let lower = part.lowercased()
        if lower.hasPrefix("0x") { return lower.count == 2 ? 0 : UInt64(lower.dropFirst(2), radix: 16) }
        if lower.count > 1 && lower.hasPrefix("0") { return UInt64(lower.dropFirst(), radix: 8) }
        return UInt64(lower, radix: 10)
    }
}
