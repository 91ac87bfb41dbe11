import Portico
import Testing

@Suite("User agents as a person recognises them")
struct UserAgentSummaryTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let agent: String
        let label: String
        let device: UserAgentSummary.DeviceKind
        var testDescription: String { label }
    }

    // Real user agents of current browsers and of the clients an ISP's subscribers use.
    static let cases: [Case] = [
        Case(
            agent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
            label: "Chrome 126 on Windows", device: .computer),
        Case(
            agent:
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.2535.67",
            label: "Edge 125 on Windows", device: .computer),
        Case(
            agent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
            label: "Firefox 127 on Windows", device: .computer),
        Case(
            agent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            label: "Safari 17 on macOS", device: .computer),
        Case(
            agent:
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            label: "Safari 17 on iPhone", device: .phone),
        Case(
            agent:
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
            label: "Chrome 126 on iPhone", device: .phone),
        Case(
            agent: "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/127.0 Mobile/15E148 Safari/605.1.15",
            label: "Firefox 127 on iPad", device: .tablet),
        Case(
            agent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36",
            label: "Chrome 126 on Android phone", device: .phone),
        Case(
            agent: "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
            label: "Chrome 126 on Android tablet", device: .tablet),
        Case(
            agent:
                "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            label: "Samsung Internet 25 on Android phone", device: .phone),
        Case(
            agent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0",
            label: "Opera 111 on Windows", device: .computer),
        Case(
            agent: "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
            label: "Firefox 115 on Linux", device: .computer),
        Case(
            agent: "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
            label: "Chrome 126 on ChromeOS", device: .computer),
        Case(
            agent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36",
            label: "Chrome 126 on Linux", device: .computer),
        Case(agent: "curl/8.5.0", label: "curl 8", device: .unknown),
        Case(agent: "okhttp/4.12.0", label: "An Android app", device: .unknown),
        Case(agent: "", label: "Unknown browser", device: .unknown),
        Case(agent: "Mozilla/5.0 (compatible; something unheard of)", label: "Unknown browser", device: .unknown),
    ]

    @Test("browser, major version, system and kind of device", arguments: cases)
    func recognised(_ example: Case) {
        let summary = UserAgentSummary(example.agent)
        #expect(summary.label == example.label, "\(example.agent)")
        #expect(summary.device == example.device, "\(example.agent)")
    }

    @Test("hostile or absurd agents give a short label, never the raw text")
    func hostile() {
        let long = String(repeating: "A", count: 10_000) + " Chrome/" + String(repeating: "9", count: 50)
        #expect(UserAgentSummary(long).label == "Unknown browser")
        #expect(UserAgentSummary("<script>alert(1)</script> Firefox/12").label == "Firefox 12")
        #expect(UserAgentSummary("Chrome/99999999999").label == "Chrome")
    }
}
