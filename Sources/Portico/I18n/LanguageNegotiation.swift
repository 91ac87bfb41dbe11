import Foundation

/// Which language a person gets: their stored choice, else the best `Accept-Language` match
/// among what the tenant offers, else the tenant's default.
public enum LanguageNegotiation {
    /// The language for a request. `stored` is the profile's choice (or the signed-out
    /// visitor's cookie); it counts only while the tenant still offers it.
    public static func choose(stored: String?, acceptLanguage: String?, offered: [Language], default fallback: Language) -> Language {
        if let stored, let language = Language(code: stored), offered.contains(language) { return language }
        if let header = acceptLanguage, let match = bestMatch(acceptLanguage: header, offered: offered) { return match }
        return fallback
    }

    /// RFC 4647 lookup over an RFC 9110 `Accept-Language`: ranges by descending quality (ties
    /// keep header order); a range matches a language by its full tag, else by primary subtag
    /// (`es-MX` → `es`, `pt-PT` or `pt` → `pt-BR`, `fr-CA` → `fr`). `q=0` excludes; `*` takes
    /// the first offered language.
    public static func bestMatch(acceptLanguage header: String, offered: [Language]) -> Language? {
        let ranges = parse(header)
        for range in ranges where range.quality > 0 {
            if range.tag == "*" { return offered.first }
            if let exact = offered.first(where: { $0.code.lowercased() == range.tag }) { return exact }
            let primary = range.tag.split(separator: "-").first.map(String.init) ?? range.tag
            if let partial = offered.first(where: { $0.code.lowercased().split(separator: "-").first.map(String.init) == primary }) {
                return partial
            }
        }
        return nil
    }

    struct LanguageRange: Equatable {
        let tag: String
        let quality: Double
    }

    /// The header's ranges, lowercased, best first. Malformed parts are skipped, not fatal:
    /// a browser's odd header must still get a page.
    static func parse(_ header: String) -> [LanguageRange] {
        let parsed = header.split(separator: ",").enumerated().compactMap { index, part -> (Int, LanguageRange)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased(), !tag.isEmpty,
                tag == "*" || tag.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
            else { return nil }
            var quality = 1.0
            for parameter in pieces.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2, pair[0].lowercased() == "q" {
                    guard let value = Double(pair[1]), (0...1).contains(value) else { return nil }
                    quality = value
                }
            }
            return (index, LanguageRange(tag: tag, quality: quality))
        }
        return parsed.sorted { $0.1.quality != $1.1.quality ? $0.1.quality > $1.1.quality : $0.0 < $1.0 }.map(\.1)
    }
}
