import Foundation
import Portico
import Testing

/// The wire-format parsing behind `SystemDNSResolver`, on crafted bytes. (A live lookup
/// needs a network the tests do not have.)
@Suite("DNS TXT parsing")
struct DomainDNSParsingTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A character-string: length byte, then the bytes.
    static func string(_ text: String) -> [UInt8] { [UInt8(text.utf8.count)] + bytes(text) }

    /// `labels` as a DNS name (uncompressed).
    static func name(_ dotted: String) -> [UInt8] {
        dotted.split(separator: ".").flatMap { string(String($0)) } + [0]
    }

    static func record(owner: [UInt8], type: UInt16, data: [UInt8]) -> [UInt8] {
        owner + [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1, 0, 0, 0x0E, 0x10, UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data
    }

    /// A response: header (with `rcode`), one question, then `answers`.
    static func response(rcode: UInt8 = 0, question: String, answers: [[UInt8]]) -> [UInt8] {
        let header: [UInt8] = [0x12, 0x34, 0x81, 0x80 | rcode, 0, 1, 0, UInt8(answers.count), 0, 0, 0, 0]
        return header + name(question) + [0, 16, 0, 1] + answers.flatMap { $0 }
    }

    @Test("TXT RDATA: one string, several strings concatenated, empty strings; malformed data is an error")
    func rdata() throws {
        #expect(try DNSMessage.txtRecordData(Self.string("portico-verify=abc")) == "portico-verify=abc")
        let long = String(repeating: "x", count: 255)
        #expect(try DNSMessage.txtRecordData(Self.string(long) + Self.string("tail")) == long + "tail")
        #expect(try DNSMessage.txtRecordData(Self.string("a") + Self.string("") + Self.string("b")) == "ab")
        #expect(try DNSMessage.txtRecordData([0] as [UInt8]) == "")
        #expect(throws: DNSLookupError.self) { try DNSMessage.txtRecordData([UInt8]()) }
        #expect(throws: DNSLookupError.self) { try DNSMessage.txtRecordData([5] + Self.bytes("abc")) }
        #expect(throws: DNSLookupError.self) { try DNSMessage.txtRecordData(Self.string("ok") + [200]) }
    }

    @Test("a response with a CNAME, compressed owner names and two TXT records gives both values")
    func fullResponse() throws {
        let question = "_portico-challenge.portal.example.net"
        let pointerToQuestion: [UInt8] = [0xC0, 12]
        let cname = Self.record(owner: pointerToQuestion, type: 5, data: Self.name("challenge.dns-host.example"))
        let first = Self.record(owner: Self.name("challenge.dns-host.example"), type: 16, data: Self.string("portico-verify=one"))
        let second = Self.record(owner: pointerToQuestion, type: 16, data: Self.string("v=spf1 ") + Self.string("-all"))
        let message = Self.response(question: question, answers: [cname, first, second])
        #expect(try DNSMessage.txtRecords(in: message) == ["portico-verify=one", "v=spf1 -all"])
        #expect(try DNSMessage.txtRecords(in: Self.response(question: question, answers: [])) == [])
    }

    @Test("NXDOMAIN is no record; SERVFAIL and REFUSED are errors; cut-short or malformed messages are errors")
    func failures() throws {
        let question = "_portico-challenge.portal.example.net"
        #expect(try DNSMessage.txtRecords(in: Self.response(rcode: 3, question: question, answers: [])) == [])
        #expect(throws: DNSLookupError.temporaryFailure) { try DNSMessage.txtRecords(in: Self.response(rcode: 2, question: question, answers: [])) }
        #expect(throws: DNSLookupError.self) { try DNSMessage.txtRecords(in: Self.response(rcode: 5, question: question, answers: [])) }
        #expect(throws: DNSLookupError.self) { try DNSMessage.txtRecords(in: [0x12, 0x34, 0x81] as [UInt8]) }

        let good = Self.response(question: question, answers: [Self.record(owner: [0xC0, 12], type: 16, data: Self.string("value"))])
        #expect(throws: DNSLookupError.self) { try DNSMessage.txtRecords(in: good.dropLast(3)) }
        // The answer claims more data than the message holds.
        var overlong = good
        overlong[overlong.count - Self.string("value").count - 1] = 0xFF
        #expect(throws: DNSLookupError.self) { try DNSMessage.txtRecords(in: overlong) }
        // A reserved label type (0b10xxxxxx) in a name.
        var badLabel = good
        badLabel[12] = 0x80
        #expect(throws: DNSLookupError.self) { try DNSMessage.txtRecords(in: badLabel) }
        // More answers announced than present.
        var missing = good
        missing[7] = 2
        #expect(throws: DNSLookupError.self) { try DNSMessage.txtRecords(in: missing) }
    }

    @Test("query names: underscores allowed, trailing dot and case normalised, malformed names refused before any lookup")
    func queryNames() async throws {
        #expect(DNSMessage.queryName("_portico-challenge.Portal.Example.NET.") == "_portico-challenge.portal.example.net")
        for bad in ["", ".", "a..b", "bad name.example", "x/y.example", String(repeating: "a", count: 64) + ".example"] {
            #expect(DNSMessage.queryName(bad) == nil, "\(bad)")
        }
        await #expect(throws: DNSLookupError.invalidName) { try await SystemDNSResolver().txtRecords(for: "bad name.example") }
    }
}
