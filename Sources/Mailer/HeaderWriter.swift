/// Writes header fields as CRLF-terminated lines, folding between tokens so that lines
/// stay within 78 characters where the tokens allow it (RFC 5322 §2.1.1).
///
/// Folding only puts CRLF in front of the space that already separates two tokens, so
/// unfolding (removing the CRLFs) gives back exactly the tokens joined by single spaces.
struct HeaderWriter {
    static let preferredLineLength = 78
    /// The hard limit of RFC 5322 §2.1.1, without the CRLF.
    static let maximumLineLength = 998

    private(set) var bytes: [UInt8] = []

    /// `name: token token …`. An empty token stands for an extra space (runs of spaces in
    /// the original text); no fold is made in front of it, so that no line is only spaces.
    mutating func write(_ name: String, _ tokens: [String]) {
        var line = Array(name.utf8) + [UInt8(ascii: ":")]
        var lineHasToken = false
        for token in tokens {
            let tokenBytes = Array(token.utf8)
            let overflows = line.count + 1 + tokenBytes.count > Self.preferredLineLength
            // Fold when the line already carries a token, or (still on the first line, right
            // after the colon) when the token would fit a continuation line.
            let worthFolding = lineHasToken || 1 + tokenBytes.count <= Self.preferredLineLength
            if !tokenBytes.isEmpty, overflows, worthFolding {
                finish(line)
                line = []
                lineHasToken = false
            }
            line.append(UInt8(ascii: " "))
            line += tokenBytes
            if !tokenBytes.isEmpty { lineHasToken = true }
        }
        finish(line)
    }

    private mutating func finish(_ line: [UInt8]) {
        bytes += line
        bytes += [0x0D, 0x0A]
    }
}
