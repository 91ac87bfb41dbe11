import Foundation
import Portico
import Testing

extension UploadTests {
    @Suite("Upload file names: sanitising and Content-Disposition")
    struct FileNameTests {
        @Test("path components are dropped, whichever separator")
        func pathComponents() {
            #expect(FileNames.sanitize("../../etc/passwd") == "passwd")
            #expect(FileNames.sanitize("..\\..\\windows\\system32\\evil.dll") == "evil.dll")
            #expect(FileNames.sanitize("C:\\fakepath\\photo.jpg") == "photo.jpg")
            #expect(FileNames.sanitize("/var/www/../photo.jpg") == "photo.jpg")
            #expect(FileNames.sanitize("photos/") == "photos")
        }

        @Test("nothing usable left becomes the fallback")
        func fallback() {
            for raw in ["", ".", "..", "../..", "/", "  ", "\r\n", "...", "\u{202E}"] {
                #expect(FileNames.sanitize(raw) == "file", "\(raw.debugDescription)")
            }
            #expect(FileNames.sanitize("..", fallback: "upload") == "upload")
        }

        @Test("control characters, CR/LF and bidirectional overrides are removed")
        func controlCharacters() {
            let injected = FileNames.sanitize("photo\r\nX-Injected: yes.jpg")
            #expect(injected == "photoX-Injected: yes.jpg")
            #expect(!injected.contains("\r") && !injected.contains("\n"))
            #expect(FileNames.sanitize("nul\0byte\tand\u{7F}del\u{85}.pdf") == "nulbyteanddel.pdf")
            // U+202E would make this display as "photoexe.jpg".
            #expect(FileNames.sanitize("photo\u{202E}gpj.exe") == "photogpj.exe")
            #expect(FileNames.sanitize("\u{FEFF}plan\u{2028}.dxf") == "plan.dxf")
        }

        @Test("letters of every script are kept, NFC-normalised")
        func unicode() {
            #expect(FileNames.sanitize("Übersichtsplan Straße 東京 مخطط.pdf") == "Übersichtsplan Straße 東京 مخطط.pdf")
            let decomposed = "Cafe\u{301}.jpg"  // e + combining acute, as macOS sends it
            #expect(FileNames.sanitize(decomposed) == "Café.jpg")
            #expect(FileNames.sanitize(decomposed).unicodeScalars.count == 8)
            #expect(FileNames.sanitize("👷‍♀️ site.jpg") == "👷‍♀️ site.jpg")
        }

        @Test("trailing dots and spaces go; surrounding whitespace is trimmed")
        func trailing() {
            #expect(FileNames.sanitize("  report.pdf . . ") == "report.pdf")
            #expect(FileNames.sanitize("report.pdf...") == "report.pdf")
        }

        @Test("long names are cut to 255 bytes on a character boundary, keeping the extension")
        func longNames() {
            let ascii = FileNames.sanitize(String(repeating: "a", count: 300) + ".jpg")
            #expect(ascii.utf8.count == 255)
            #expect(ascii.hasSuffix("aaa.jpg"))

            let accented = FileNames.sanitize(String(repeating: "é", count: 200) + ".pdf")
            #expect(accented.utf8.count <= 255)
            #expect(accented.utf8.count >= 253)
            #expect(accented.hasSuffix("é.pdf"))
            #expect(accented.dropLast(4).allSatisfy { $0 == "é" })

            let emoji = FileNames.sanitize(String(repeating: "🛰️", count: 100) + ".png")
            #expect(emoji.utf8.count <= 255)
            #expect(emoji.hasSuffix("🛰️.png"))

            let noExtension = FileNames.sanitize(String(repeating: "東", count: 100))
            #expect(noExtension.utf8.count == 255)
        }

        @Test("Content-Disposition carries an ASCII fallback and the UTF-8 name (RFC 6266)")
        func contentDisposition() {
            #expect(
                FileNames.contentDisposition(.attachment, fileName: "plan.pdf")
                    == "attachment; filename=\"plan.pdf\"; filename*=UTF-8''plan.pdf")
            #expect(
                FileNames.contentDisposition(.attachment, fileName: "Café plan.pdf")
                    == "attachment; filename=\"Cafe plan.pdf\"; filename*=UTF-8''Caf%C3%A9%20plan.pdf")
            #expect(
                FileNames.contentDisposition(.inline, fileName: "東京.jpg")
                    == "inline; filename=\"__.jpg\"; filename*=UTF-8''%E6%9D%B1%E4%BA%AC.jpg")
            #expect(
                FileNames.contentDisposition(.attachment, fileName: "say \"hi\" 100%.pdf")
                    == "attachment; filename=\"say _hi_ 100_.pdf\"; filename*=UTF-8''say%20%22hi%22%20100%25.pdf")
            #expect(
                FileNames.contentDisposition(.attachment, fileName: "Straße.dwg")
                    == "attachment; filename=\"Stra_e.dwg\"; filename*=UTF-8''Stra%C3%9Fe.dwg")
        }

        @Test("Content-Disposition cannot be used to inject headers or paths")
        func contentDispositionInjection() {
            let value = FileNames.contentDisposition(.attachment, fileName: "../x\r\nSet-Cookie: a=b;.pdf")
            #expect(!value.contains("\r") && !value.contains("\n"))
            #expect(value == "attachment; filename=\"xSet-Cookie: a=b;.pdf\"; filename*=UTF-8''xSet-Cookie%3A%20a%3Db%3B.pdf")
            #expect(value.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 })
        }
    }
}
