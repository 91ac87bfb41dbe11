import COpenSSL
import Foundation

/// Cryptographically secure random values from OpenSSL's CSPRNG.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let status = buffer.withUnsafeMutableBytes { RAND_bytes($0.baseAddress, Int32(count)) }
        // A CSPRNG that cannot produce output is not something to continue past.
        precondition(status == 1, "OpenSSL RAND_bytes failed")
        return buffer
    }

    /// A URL-safe token with `bytes` bytes of entropy (32 bytes = 256 bits by default).
    public static func token(bytes count: Int = 32) -> String {
        Base64URL.encode(bytes(count))
    }

    /// A uniformly random index in `0..<upperBound`, without modulo bias.
    public static func index(below upperBound: Int) -> Int {
        precondition(upperBound > 0)
        let limit = UInt32.max - UInt32.max % UInt32(upperBound)
        while true {
            let raw = bytes(4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            if raw < limit { return Int(raw % UInt32(upperBound)) }
        }
    }

    /// A human-typable code from an alphabet without look-alike characters (no 0/O, 1/I/L).
    /// 10 characters of this 31-letter alphabet carry about 49 bits.
    public static func humanCode(length: Int = 10) -> String {
        let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
        return String((0..<length).map { _ in alphabet[index(below: alphabet.count)] })
    }
}

/// Base64 with the URL-safe alphabet and no padding (RFC 4648 §5).
public enum Base64URL {
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { [UInt8]($0) }
    }
}
