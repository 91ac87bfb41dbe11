import Foundation

/// Header parsing multipart-kit leaves to us: the request's boundary and each part's
/// `Content-Disposition`.
enum MultipartHeaders {
    /// The boundary of a `multipart/form-data` request, or a 400 that says what is wrong.
    static func boundary(contentType: String?) throws -> String {
        guard let contentType, !contentType.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw notMultipart(L10n.t("uploads.noContentType"))
        }
        let (type, parameters) = parse(contentType)
        guard type.lowercased() == "multipart/form-data" else {
            throw notMultipart(L10n.t("uploads.arrivedAs", ["type": type.isEmpty ? L10n.t("uploads.unknownType") : type]))
        }
        guard let boundary = parameters.first(where: { $0.name == "boundary" })?.value, !boundary.isEmpty else {
            throw AppError(
                .badRequest, code: "upload_missing_boundary",
                L10n.t("uploads.noBoundary"))
        }
        guard isValidBoundary(boundary) else {
            throw AppError(
                .badRequest, code: "upload_invalid_boundary",
                L10n.t("uploads.badBoundary"))
        }
        return boundary
    }

    private static func notMultipart(_ what: String) -> AppError {
        AppError(
            .badRequest, code: "upload_not_multipart",
            L10n.t("uploads.notMultipart", ["what": what]))
    }

    /// RFC 2046 §5.1.1: 1–70 `bchars`, not ending in a space.
    static func isValidBoundary(_ boundary: String) -> Bool {
        let allowed = Set("'()+_,-./:=? ".utf8)
        let bytes = Array(boundary.utf8)
        guard (1...70).contains(bytes.count), bytes.last != UInt8(ascii: " ") else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || allowed.contains(byte)
        }
    }

    /// `value; name=token; name="quoted \" string"` → the value and its parameters (names
    /// lower-cased, in order). A backslash escapes only `"` and `\`: browsers send other
    /// backslashes (Windows paths) unescaped.
    static func parse(_ header: String) -> (value: String, parameters: [(name: String, value: String)]) {
        let scalars = Array(header.unicodeScalars)
        var index = 0
        func skipSpaces() {
            while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" { index += 1 }
        }
        func read(until stops: Set<Unicode.Scalar>) -> String {
            var text = String.UnicodeScalarView()
            while index < scalars.count, !stops.contains(scalars[index]) {
                text.append(scalars[index])
                index += 1
            }
            return String(text).trimmingCharacters(in: .whitespaces)
        }
        let value = read(until: [";"])
        var parameters: [(name: String, value: String)] = []
        while index < scalars.count {
            index += 1  // the ';'
            skipSpaces()
            let name = read(until: ["=", ";"]).lowercased()
            var parameterValue = ""
            if index < scalars.count, scalars[index] == "=" {
                index += 1
                skipSpaces()
                if index < scalars.count, scalars[index] == "\"" {
                    index += 1
                    var text = String.UnicodeScalarView()
                    while index < scalars.count, scalars[index] != "\"" {
                        if scalars[index] == "\\", index + 1 < scalars.count, scalars[index + 1] == "\"" || scalars[index + 1] == "\\" {
                            index += 1
                        }
                        text.append(scalars[index])
                        index += 1
                    }
                    index += 1  // the closing quote
                    parameterValue = String(text)
                    _ = read(until: [";"])  // anything after the quote up to the next parameter
                } else {
                    parameterValue = read(until: [";"])
                }
            }
            if !name.isEmpty { parameters.append((name, parameterValue)) }
        }
        return (value, parameters)
    }
}

/// A part's `Content-Disposition: form-data; name="…"; filename="…"`.
struct PartDisposition {
    let name: String
    /// nil for a text field; "" for a file input with no file chosen.
    let fileName: String?

    /// Nil unless the header is `form-data` with a name.
    static func parse(_ header: String) -> PartDisposition? {
        let (type, parameters) = MultipartHeaders.parse(header)
        guard type.lowercased() == "form-data",
            let name = parameters.first(where: { $0.name == "name" })?.value, !name.isEmpty
        else { return nil }
        var fileName = parameters.first(where: { $0.name == "filename" })?.value
        // RFC 5987 `filename*=UTF-8''…` wins over the plain one when a client sends both.
        if let extended = parameters.first(where: { $0.name == "filename*" })?.value, let decoded = decodeExtended(extended) {
            fileName = decoded
        }
        return PartDisposition(name: name, fileName: fileName)
    }

    /// `charset'language'percent-encoded` (RFC 8187); UTF-8 and ISO-8859-1 only.
    static func decodeExtended(_ value: String) -> String? {
        let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3 else { return nil }
        let charset = pieces[0].lowercased()
        var bytes: [UInt8] = []
        var utf8 = Array(pieces[2].utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard utf8.count >= 2, let decoded = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                bytes.append(decoded)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        switch charset {
        case "utf-8": return String(validating: bytes, as: UTF8.self)
        case "iso-8859-1": return String(bytes.map { Character(Unicode.Scalar($0)) })
        default: return nil
        }
    }
}
