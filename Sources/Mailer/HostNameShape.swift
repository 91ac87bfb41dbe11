import Foundation

/// Shapes of host names and IP literals, for checking `SMTP_URL`.
enum HostNameShape {
    /// Labels of letters, digits and hyphens (1–63 each, 253 in all).
    static func isDomainName(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" }
        }
    }

    static func isIPv4(_ text: Substring) -> Bool { ipv4Octets(text) != nil }

    static func isIPv6(_ text: Substring) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET6, String(text), &address) == 1
    }

    /// 127.0.0.0/8, ::1 or `localhost`: a relay on this machine.
    static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "localhost." { return true }
        if let octets = ipv4Octets(lowered[...]) { return octets[0] == 127 }
        var address = in6_addr()
        guard inet_pton(AF_INET6, lowered, &address) == 1 else { return false }
        return withUnsafeBytes(of: &address) { bytes in bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1 }
    }

    private static func ipv4Octets(_ text: Substring) -> [UInt8]? {
        var address = in_addr()
        // inet_pton accepts only the dotted-quad form (no "127.1" or octal).
        guard inet_pton(AF_INET, String(text), &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}
