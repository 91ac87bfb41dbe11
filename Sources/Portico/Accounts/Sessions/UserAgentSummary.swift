/// What a person recognises of a `User-Agent` header: the browser (or app), its major version,
/// the system and the kind of device — "Firefox 126 on Windows", "Safari on iPhone".
///
/// Deliberately small: the list of devices only needs to tell a person's own devices apart,
/// not to identify every agent. Order matters, because agents name their ancestors: Edge and
/// Opera say "Chrome", Chrome says "Safari", and everything says "Mozilla".
public struct UserAgentSummary: Sendable, Equatable {
    public enum DeviceKind: String, Sendable {
        case phone, tablet, computer, unknown
    }

    public let browser: String?
    public let version: String?
    public let system: String?
    public let device: DeviceKind

    public init(_ userAgent: String) {
        let agent = String(userAgent.prefix(500))
        (browser, version) = Self.browser(in: agent)
        system = Self.system(in: agent)
        device = Self.device(in: agent, system: system)
    }

    /// "Chrome 126 on Android phone", "Safari on iPad", "curl 8", "Unknown browser".
    public var label: String {
        let name = browser.map { name in version.map { "\(name) \($0)" } ?? name }
        let place: String? =
            switch (system, device) {
            case ("Android", .phone): L10n.t("devices.androidPhone")
            case ("Android", .tablet): L10n.t("devices.androidTablet")
            case (let system?, _): system
            case (nil, _): nil
            }
        switch (name, place) {
        case let (name?, place?): return L10n.t("devices.browserOn", ["browser": name, "place": place])
        case let (name?, nil): return name
        case let (nil, place?): return L10n.t("devices.aBrowserOn", ["place": place])
        case (nil, nil): return L10n.t("devices.unknownBrowser")
        }
    }

    // Browser tokens, most specific first. Apps are named without their library's version.
    private static let browsers: [(token: String, name: String)] = [
        ("EdgA/", "Edge"), ("EdgiOS/", "Edge"), ("Edg/", "Edge"), ("Edge/", "Edge"),
        ("OPR/", "Opera"), ("OPiOS/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("FxiOS/", "Firefox"), ("Firefox/", "Firefox"),
        ("CriOS/", "Chrome"), ("Chromium/", "Chromium"), ("Chrome/", "Chrome"),
        ("curl/", "curl"), ("Wget/", "Wget"), ("python-requests/", "Python requests"), ("okhttp/", "An Android app"),
        ("Dart/", "A mobile app"), ("CFNetwork/", "An iOS app"),
    ]

    private static func browser(in agent: String) -> (String?, String?) {
        for (token, name) in browsers {
            if let range = agent.range(of: token) {
                return (name, name.hasPrefix("A") ? nil : majorVersion(agent[range.upperBound...]))
            }
        }
        // Safari names its version separately: "Version/17.4 Mobile/15E148 Safari/604.1".
        if agent.contains("Safari/") {
            let version = agent.range(of: "Version/").flatMap { majorVersion(agent[$0.upperBound...]) }
            return ("Safari", version)
        }
        if agent.contains("Trident/") || agent.contains("MSIE ") { return ("Internet Explorer", nil) }
        return (nil, nil)
    }

    /// The leading digits of "126.0.6478.55 Safari…" → "126".
    private static func majorVersion(_ text: Substring) -> String? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        return digits.isEmpty || digits.count > 5 ? nil : String(digits)
    }

    private static func system(in agent: String) -> String? {
        if agent.contains("iPhone") { return "iPhone" }
        if agent.contains("iPad") { return "iPad" }
        if agent.contains("Android") { return "Android" }
        if agent.contains("CrOS") { return "ChromeOS" }
        if agent.contains("Windows") { return "Windows" }
        if agent.contains("Macintosh") || agent.contains("Mac OS X") { return "macOS" }
        if agent.contains("Linux") || agent.contains("X11") { return "Linux" }
        return nil
    }

    private static func device(in agent: String, system: String?) -> DeviceKind {
        switch system {
        case "iPhone": .phone
        case "iPad": .tablet
        case "Android": agent.contains("Mobile") ? .phone : .tablet
        case "Windows", "macOS", "Linux", "ChromeOS": .computer
        default: .unknown
        }
    }
}
