import Testing

@testable import Portico

/// Visit notes are typed in a textarea, which submits CRLF line breaks; calendar apps refuse a
/// file whose content line breaks in the middle of a note.
@Suite("Calendar text")
struct ICalendarTextTests {
    @Test("a note's line breaks, CRLF or LF, become the escaped \\n and never end the content line")
    func lineBreaksEscaped() {
        let note = "Gate code 4411\r\nDog in the yard; ring first,\nthen wait\rplease"

        let escaped = ICalendar.escape(note)

        #expect(escaped == #"Gate code 4411\nDog in the yard\; ring first\,\nthen waitplease"#)
        #expect(!escaped.contains("\r") && !escaped.contains("\n"))
    }

    @Test("a long escaped description folds into CRLF-joined lines of at most 75 octets, each continuation starting with a space")
    func foldsLongLines() {
        let line = "DESCRIPTION:" + ICalendar.escape(String(repeating: "Señal débil en el techo\r\n", count: 8))

        let lines = ICalendar.fold(line).components(separatedBy: "\r\n")

        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.utf8.count <= 75 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(lines.map { $0.hasPrefix(" ") ? String($0.dropFirst()) : $0 }.joined() == line)
    }
}
