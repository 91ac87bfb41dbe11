import Foundation

/// Makes rendered output comparable across runs and machines by replacing, explicitly, only
/// what a fixture cannot fix: the tenant's unique slug, ids, one-time tokens and CSRF tokens,
/// and timestamps of the moment the test ran. Everything else is compared byte for byte.
struct Scrubber {
    /// Literal texts to name (the tenant's slug → `{tenant}`).
    var names: [(String, String)] = []
    /// The moment the test ran: dates within a day of it are "now" (fixture dates are in 2031).
    var now = Date()

    func scrub(_ text: String) -> String {
        var text = text
        for (literal, name) in names { text = text.replacingOccurrences(of: literal, with: name) }
        text = numbered(text, pattern: /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/, label: "uuid")
        // CSRF tokens in forms and meta tags, and one-time tokens in links.
        text = text.replacing(/(csrf[_-]token"? (?:value|content)=")[^"]*/) { "\($0.1){csrf}" }
        text = text.replacing(/(csrf_token=)[A-Za-z0-9_\-]+/) { "\($0.1){csrf}" }
        text = text.replacing(/([?&](?:amp;)?token=)[A-Za-z0-9_\-]{16,}/) { "\($0.1){token}" }
        text = text.replacing(/(nonce=")[^"]*/) { "\($0.1){nonce}" }
        // The request id an error page quotes for support.
        text = text.replacing(/(reference )[0-9a-f]{8}\b/) { "\($0.1){request}" }
        return nearNow(text)
    }

    /// Each distinct match becomes `{label-N}`, N by order of first appearance, so that a page
    /// that links the same id twice still shows it.
    private func numbered(_ text: String, pattern: some RegexComponent, label: String) -> String {
        var seen: [String: Int] = [:]
        return text.replacing(pattern) { match in
            let key = String(text[match.range]).lowercased()
            let number = seen[key] ?? (seen.count + 1)
            seen[key] = number
            return "{\(label)-\(number)}"
        }
    }

    /// Timestamps the server took from the clock, in every form pages and mail print them.
    private func nearNow(_ text: String) -> String {
        let days = Set([-1, 0, 1].map { Self.isoDay(now.addingTimeInterval(Double($0) * 86_400)) })
        let longDays = Set([-1, 0, 1].map { Self.longDay(now.addingTimeInterval(Double($0) * 86_400)) })
        var text = text.replacing(/(\d{4}-\d\d-\d\d)([T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d(?::?\d\d)?)?)?/) { match in
            guard days.contains(String(match.1)) else { return String(match.0) }
            return match.2 == nil ? "{today}" : "{now}"
        }
        for day in longDays {
            text = text.replacing(try! Regex("\(NSRegularExpression.escapedPattern(for: day))(, \\d\\d:\\d\\d)?")) { _ in "{today}" }
        }
        return text
    }

    static func isoDay(_ date: Date) -> String { formatter("yyyy-MM-dd").string(from: date) }
    static func longDay(_ date: Date) -> String { formatter("EEE d MMM yyyy").string(from: date) }

    private static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter
    }
}
