/// Host names as Portico compares them.
public enum HostName {
    /// Lower-cases, drops one trailing dot and checks the shape of a DNS name
    /// (labels of letters, digits and hyphens, 1–63 characters, 253 in all).
    /// Returns nil for anything else: empty, IP literals with ports, `user@host`, spaces…
    public static func normalize(_ text: String) -> String? {
        var host = text.lowercased()
        if host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty, host.utf8.count <= 253 else { return nil }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63 else { return nil }
            guard label.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) else { return nil }
            guard label.first != "-", label.last != "-" else { return nil }
        }
        return host
    }

    /// Normalises a `Host` header value: strips a port, then `normalize`. An IPv6 literal
    /// or anything malformed gives nil.
    public static func fromHostHeader(_ value: String) -> String? {
        var host = Substring(value)
        if host.hasPrefix("[") { return nil }
        if let colon = host.lastIndex(of: ":") {
            let port = host[host.index(after: colon)...]
            guard port.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(port), (1...65535).contains(number) else { return nil }
            host = host[..<colon]
        }
        return normalize(String(host))
    }
}
