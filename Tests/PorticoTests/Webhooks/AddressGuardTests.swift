import Portico
import Testing

@Suite("Webhook SSRF address guard")
struct AddressGuardTests {
    @Test("private, loopback, reserved and documentation addresses are refused, also when IPv6 carries them (mapped, NAT64, 6to4)",
          arguments: [
              "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "169.254.169.254", "0.0.0.0", "224.0.0.1",
              "192.0.2.1", "198.51.100.7", "203.0.113.9", "240.0.0.1",
              "::1", "::", "fd00::1", "fe80::1", "ff02::1", "2001:db8::1", "100::1",
              "::ffff:10.0.0.1", "::ffff:127.0.0.1",
              "64:ff9b::7f00:1", "64:ff9b::a01:203", "64:ff9b::169.254.169.254", "64:ff9b:1::1",
              "2002:7f00:1::", "2002:c0a8:101::1",
          ])
    func refused(_ address: String) {
        #expect(AddressGuard.isForbidden(address))
    }

    @Test("public addresses pass, including public IPv4 behind NAT64 or 6to4", arguments: [
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
}
