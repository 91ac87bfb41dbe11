import Foundation
import Portico
import Testing

extension UploadTests {
    @Suite("Upload file types: extension and magic bytes must agree")
    struct FileTypes {
        let policy = FileTypePolicy.standard

        /// One accepted sample: a file name, its bytes, the expected type and inline flag.
        struct Sample: Sendable, CustomTestStringConvertible {
            let name: String
            let bytes: [UInt8]
            let contentType: String
            let inline: Bool
            var testDescription: String { name }
        }

        static let accepted: [Sample] = [
            Sample(name: "site.jpg", bytes: SampleFile.jpeg(), contentType: "image/jpeg", inline: true),
            Sample(name: "SITE.JPEG", bytes: SampleFile.jpeg(), contentType: "image/jpeg", inline: true),
            Sample(name: "mast.png", bytes: SampleFile.png(), contentType: "image/png", inline: true),
            Sample(name: "IMG_0001.HEIC", bytes: SampleFile.heic(), contentType: "image/heic", inline: false),
            Sample(name: "IMG_0002.heif", bytes: SampleFile.heic(brand: "mif1"), contentType: "image/heic", inline: false),
            Sample(name: "roof.webp", bytes: SampleFile.webp(), contentType: "image/webp", inline: true),
            Sample(name: "contract.pdf", bytes: SampleFile.pdf(), contentType: "application/pdf", inline: false),
            Sample(name: "plan.dxf", bytes: SampleFile.dxf, contentType: "image/vnd.dxf", inline: false),
            Sample(name: "librecad.dxf", bytes: SampleFile.dxfWithComment, contentType: "image/vnd.dxf", inline: false),
            Sample(name: "binary.dxf", bytes: SampleFile.binaryDXF, contentType: "image/vnd.dxf", inline: false),
            Sample(name: "tower.dwg", bytes: SampleFile.dwg(), contentType: "image/vnd.dwg", inline: false),
            Sample(name: "old.dwg", bytes: SampleFile.dwg(version: "AC1015"), contentType: "image/vnd.dwg", inline: false),
        ]

        @Test("every accepted format is recognised, with its canonical type", arguments: accepted)
        func acceptsEachFormat(_ sample: Sample) throws {
            let kind = try policy.check(fileName: sample.name, head: sample.bytes)
            #expect(kind.contentType == sample.contentType)
            #expect(kind.isInlineImage == sample.inline)
        }

        @Test("a PNG renamed .pdf is refused, and the message says what it really is")
        func pngRenamedPDF() throws {
            let error = #expect(throws: AppError.self) { try policy.check(fileName: "photo.pdf", head: SampleFile.png()) }
            #expect(error?.kind == .unsupportedMediaType)
            #expect(error?.message.hasPrefix("photo.pdf is not a PDF file (its contents look like a PNG image).") == true)
            #expect(error?.message.contains("rename it to end in .png") == true)
        }

        @Test("a PDF renamed .png is refused")
        func pdfRenamedPNG() {
            let error = #expect(throws: AppError.self) { try policy.check(fileName: "photo.png", head: SampleFile.pdf()) }
            #expect(error?.message.hasPrefix("photo.png is not a PNG file (its contents look like a PDF).") == true)
        }

        @Test("a Windows program renamed .png is refused")
        func exeRenamedPNG() {
            let error = #expect(throws: AppError.self) { try policy.check(fileName: "cat.png", head: SampleFile.exe()) }
            #expect(error?.kind == .unsupportedMediaType)
            #expect(error?.code == "upload_content_mismatch")
            #expect(error?.message.hasPrefix("cat.png is not a PNG file (its contents look like a Windows program).") == true)
        }

        @Test("unknown and missing extensions are refused with the list of accepted types")
        func unknownExtension() {
            for name in ["setup.exe", "notes.txt", "README", "archive.tar.gz", "photo."] {
                let error = #expect(throws: AppError.self) { try policy.check(fileName: name, head: SampleFile.jpeg()) }
                #expect(error?.kind == .unsupportedMediaType)
                #expect(error?.code == "upload_type_not_accepted")
                #expect(error?.message == "\(name) is not an accepted file type. Accepted: JPEG, PNG, HEIC, WebP photos, PDF, DXF and DWG drawings.")
            }
        }

        @Test("content that is no known format is refused, saying so")
        func unrecognisedContent() {
            let error = #expect(throws: AppError.self) {
                try policy.check(fileName: "plan.dxf", head: Array("this is just some text\nwith lines\n".utf8))
            }
            #expect(error?.message.hasPrefix("plan.dxf is not a DXF file (we could not recognise its contents).") == true)
        }

        @Test("near misses of each signature are refused")
        func nearMisses() {
            let cases: [(String, [UInt8])] = [
                ("a.jpg", [0xFF, 0xD8, 0x00] + SampleFile.filler(100)),
                ("a.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x00] + SampleFile.filler(100)),
                ("a.heic", SampleFile.heic(brand: "avif")),
                ("a.heic", SampleFile.heic(brand: "isom")),
                ("a.webp", Array("RIFF\0\0\0\0WAVEfmt ".utf8)),
                ("a.pdf", Array(" %PDF-1.4".utf8)),
                ("a.dxf", Array("  0\nSECTIONS\n".utf8)),
                ("a.dxf", Array("  1\nSECTION\n".utf8)),
                ("a.dwg", SampleFile.dwg(version: "AC1033")),
                ("a.dwg", SampleFile.dwg(version: "AC2018")),
                ("a.dwg", Array("AC10".utf8)),
            ]
            for (name, bytes) in cases {
                #expect(throws: AppError.self, "\(name) \(bytes.prefix(12))") { try policy.check(fileName: name, head: bytes) }
            }
        }

        @Test("an AVIF renamed .heic is named as such")
        func avifRenamedHEIC() {
            let error = #expect(throws: AppError.self) { try policy.check(fileName: "IMG.heic", head: SampleFile.heic(brand: "avif")) }
            #expect(error?.message.contains("its contents look like an AVIF image") == true)
        }

        @Test("a narrower policy lists only what it accepts")
        func narrowerPolicy() {
            let photos = FileTypePolicy(accepted: [.jpeg, .png])
            #expect(photos.acceptedList == "JPEG, PNG photos")
            #expect(throws: AppError.self) { try photos.check(fileName: "plan.pdf", head: SampleFile.pdf()) }
            #expect(FileTypePolicy(accepted: [.pdf, .dwg]).acceptedList == "PDF, DWG drawings")
        }

        @Test("content types map back to kinds; only JPEG, PNG and WebP are inline images")
        func contentTypes() {
            for kind in FileKind.allCases {
                #expect(FileKind(contentType: kind.contentType) == kind)
            }
            #expect(FileKind(contentType: "IMAGE/PNG; charset=binary") == .png)
            #expect(FileKind(contentType: "text/html") == nil)
            #expect(FileKind.allCases.filter(\.isInlineImage) == [.jpeg, .png, .webp])
        }
    }
}
