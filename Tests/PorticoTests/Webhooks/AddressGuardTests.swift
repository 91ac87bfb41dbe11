import Portico
import Testing

@Suite("Webhook SSRF address guard")
struct AddressGuardTests {
    @Test(
        "private, loopback, reserved and documentation addresses are refused, also when IPv6 carries them (mapped, NAT64, 6to4)",
        arguments: [
            "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "169.254.169.254", "0.0.0.0", "224.0.0.1",
            "192.0.2.1", "198.51.100.7", "203.0.113.9", "240.0.0.1",
            "::1", "::", "fd00::1", "fe80::1", "ff02::1", "2001:db8::1", "100::1",
            "::ffff:10.0.0.1", "::ffff:127.0.0.1",
            "64:ff9b::7f00:1", "64:ff9b::a01:203", "64:ff9b::169.254.169.254", "64:ff9b:1::1",
            "2002:7f00:1::", "2002:c0a8:101::1",
            // IPv4-compatible IPv6 (::/96, deprecated): some stacks still reach the IPv4 inside.
            "::127.0.0.1", "::7f00:1", "::a00:1", "::8.8.8.8", "[::127.0.0.1]",
            // IPv4 as resolvers and browsers also read it: short, hexadecimal, octal, one number.
            "127.1", "0x7f.1", "0x7f.0.0.1", "0177.0.0.1", "2130706433", "0x7f000001", "017700000001", "10.1", "0xa9fea9fe",
            "127.0.0.1.",
        ])
    func refused(_ address: String) {
        #expect(AddressGuard.isForbidden(address))
    }

    @Test(
        "public addresses pass, including public IPv4 behind NAT64 or 6to4",
        arguments: [
            "8.8.8.8", "1.1.1.1", "2606:4700::1111", "2a00:1450:4001::200e", "64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.4.4",
        ])
    func allowed(_ address: String) {
        #expect(!AddressGuard.isForbidden(address))
    }

    @Test("what is not an address literal is not judged here (host names are resolved first)")
    func notAnAddress() {
        #expect(!AddressGuard.isForbidden("hooks.example.net"))
        #expect(!AddressGuard.isForbidden("999.1.1.1"))
    }

    @Test(
        "how a host reads: one trailing dot ignored, odd IPv4 notations are addresses, numbers that are no address are invalid",
        arguments: [
            ("8.8.8.8", "address canonical"), ("8.8.8.8.", "address canonical"), ("[2606:4700::1111]", "address canonical"),
            ("0x8.8.8.8", "address odd"), ("134744072", "address odd"), ("010.8.8.8", "address odd"), ("8.8.2056", "address odd"),
            ("256.1.1.1", "invalid"), ("1.2.3.4.5", "invalid"), ("0x1g.1", "invalid"), ("example.0x1", "invalid"), ("4294967296", "invalid"),
            ("LOCALHOST.", "name localhost"), ("hooks.example.net", "name hooks.example.net"), ("1e100.net", "name 1e100.net"),
        ])
    func hostForms(_ host: String, _ reading: String) {
        let described: String =
            switch AddressGuard.HostForm(host) {
            case .address(_, let canonical): canonical ? "address canonical" : "address odd"
            case .invalidNumeric: "invalid"
            case .name(let name): "name \(name)"
            }
        #expect(described == reading, "\(host)")
    }

    @Test(
        "saving a webhook URL refuses what delivery would refuse, however the address is written",
        arguments: [
            ("https://[::127.0.0.1]/hook", "Use a public host"), ("https://[::a00:1]/hook", "Use a public host"),
            ("https://0x7f.1/hook", "usual dotted form"), ("https://2130706433/hook", "usual dotted form"),
            ("https://127.1/hook", "usual dotted form"),
            ("https://0177.0.0.1/hook", "usual dotted form"), ("https://0x8.8.8.8/hook", "usual dotted form"),
            ("https://LOCALHOST./hook", "Use a public host"), ("https://api.localhost./hook", "Use a public host"),
            ("https://127.0.0.1./hook", "Use a public host"), ("https://256.0.0.1/hook", "not a valid one"),
        ])
    func saveTimeRefusals(_ url: String, _ message: String) {
        guard case .failure(let problem) = WebhookURL.validate(url, allowHTTP: false, allowPrivate: false) else {
            Issue.record("\(url) was accepted")
            return
        }
        #expect(problem.message.contains(message), "\(url): \(problem.message)")
    }

    @Test(
        "public hosts and addresses written the usual way are accepted",
        arguments: [
            "https://hooks.example.net/x", "https://hooks.example.net./x", "https://8.8.8.8/x", "https://[2606:4700::1111]:8443/x",
        ])
    func saveTimeAccepted(_ url: String) {
        guard case .success = WebhookURL.validate(url, allowHTTP: false, allowPrivate: false) else {
            Issue.record("\(url) was refused")
            return
        }
    }
}
