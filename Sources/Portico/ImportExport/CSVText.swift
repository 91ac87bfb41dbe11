import CSV
import Foundation

/// How the bytes of an uploaded CSV file were turned into text.
enum CSVTextEncoding: String, Codable, Sendable {
    case utf8
    case utf8BOM = "utf8_bom"
    case utf16LE = "utf16le"
    case utf16BE = "utf16be"
    case windows1252

    /// The name of its catalog texts (`console.import.encoding.<key>`).
    var key: String { rawValue }

    var label: String {
        switch self {
        case .utf8: "UTF-8"
        case .utf8BOM: "UTF-8 (with byte-order mark)"
        case .utf16LE, .utf16BE: "UTF-16"
        case .windows1252: "Windows-1252 (Western European)"
        }
    }

    /// Said to the admin when the file was not UTF-8, so they check accented letters.
    var notice: String? {
        switch self {
        case .windows1252:
            "This file is not valid UTF-8, so it was read as Windows-1252 (Western European), the usual encoding of Excel's “CSV” on Windows. Check that accented letters in the samples below look right; if they do not, save the file as “CSV UTF-8” and upload it again."
        case .utf16LE, .utf16BE:
            "This file is UTF-16 (Excel's “Unicode text”); it was read as such."
        default:
            nil
        }
    }
}

/// Turns uploaded bytes into text: UTF-8 with or without BOM, UTF-16 with a BOM, and
/// Windows-1252 as the fallback for bytes that are not valid UTF-8. Spreadsheets, PDFs and
/// other binary files are refused with a message that says what to do instead.
enum CSVTextDecoder {
    static func decode(_ bytes: [UInt8]) throws -> (text: String, encoding: CSVTextEncoding) {
        guard !bytes.isEmpty else {
            throw CSVFileProblem.empty
        }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let littleEndian = bytes[0] == 0xFF
            let body = bytes.dropFirst(2)
            guard body.count % 2 == 0 else { throw CSVFileProblem.binary }
            var units: [UInt16] = []
            units.reserveCapacity(body.count / 2)
            var index = body.startIndex
            while index < body.endIndex {
                let first = UInt16(body[index]), second = UInt16(body[index + 1])
                units.append(littleEndian ? first | second << 8 : first << 8 | second)
                index += 2
            }
            let text = String(decoding: units, as: UTF16.self)
            guard !text.unicodeScalars.contains("\0") else { throw CSVFileProblem.binary }
            return (text, littleEndian ? .utf16LE : .utf16BE)
        }
        try refuseBinary(bytes)
        var body = bytes[...]
        var encoding = CSVTextEncoding.utf8
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            body = bytes.dropFirst(3)
            encoding = .utf8BOM
        }
        if let text = String(validating: body, as: UTF8.self) {
            return (text, encoding)
        }
        return (windows1252(body), .windows1252)
    }

    /// Binary files: known signatures first (for a precise message), then NUL bytes or many
    /// control characters, which text files do not have.
    static func refuseBinary(_ bytes: [UInt8]) throws {
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw CSVFileProblem.spreadsheet
        }
        if bytes.starts(with: Array("%PDF".utf8)) {
            throw CSVFileProblem.pdf
        }
        if bytes.contains(0) { throw CSVFileProblem.binary }
        let head = bytes.prefix(65_536)
        let controls = head.filter { ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0x0C) || $0 == 0x7F }.count
        if controls * 100 > head.count { throw CSVFileProblem.binary }
    }

    /// Windows-1252: Latin-1 except 0x80–0x9F, which hold typographic characters. The five
    /// unassigned bytes map to the C1 control of the same value, as browsers do.
    static func windows1252(_ bytes: ArraySlice<UInt8>) -> String {
        let high: [UInt32] = [
            0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
            0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
        ]
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for byte in bytes {
            let value = (0x80...0x9F).contains(byte) ? high[Int(byte) - 0x80] : UInt32(byte)
            scalars.append(Unicode.Scalar(value)!)
        }
        return String(scalars)
    }
}

/// Why an uploaded file cannot be imported at all; each says what to do about it.
enum CSVFileProblem: Error, Equatable {
    case empty
    case headerOnly
    case binary
    case pdf
    case spreadsheet
    case noDelimiter
    case delimiterMismatch(delimiter: CSVDelimiter, columns: Int)
    case tooManyRows(limit: Int)
    case tooManyColumns(limit: Int)
    case tooLarge(limitMegabytes: Int)
    case missingFile

    /// What the admin reads, in the console's language (`console.import.fileProblem.*`).
    var message: String {
        let texts = L10n.texts
        func number(_ value: Int) -> String { value.formatted(.number.locale(texts.locale)) }
        return switch self {
        case .empty: texts("console.import.fileProblem.empty")
        case .headerOnly: texts("console.import.fileProblem.headerOnly")
        case .binary: texts("console.import.fileProblem.binary")
        case .pdf: texts("console.import.fileProblem.pdf")
        case .spreadsheet: texts("console.import.fileProblem.spreadsheet")
        case .noDelimiter: texts("console.import.fileProblem.noDelimiter")
        case .delimiterMismatch(let delimiter, let columns):
            texts(
                "console.import.fileProblem.delimiterMismatch",
                ["columns": number(columns), "delimiter": texts("console.import.delimiter.\(delimiter.key)")])
        case .tooManyRows(let limit): texts("console.import.fileProblem.tooManyRows", ["limit": number(limit)])
        case .tooManyColumns(let limit): texts("console.import.fileProblem.tooManyColumns", ["limit": number(limit)])
        case .tooLarge(let limit): texts("console.import.fileProblem.tooLarge", ["megabytes": number(limit)])
        case .missingFile: texts("console.import.fileProblem.missingFile")
        }
    }

    var appError: AppError {
        switch self {
        case .tooLarge: AppError(.payloadTooLarge, code: "csv_too_large", message)
        case .binary, .pdf, .spreadsheet: AppError(.unsupportedMediaType, code: "csv_not_text", message)
        default: AppError(.validation, code: "csv_unreadable", message)
        }
    }
}

/// The field delimiters an import accepts; the header line decides which one a file uses.
enum CSVDelimiter: String, Codable, Sendable, CaseIterable {
    case comma = ","
    case semicolon = ";"
    case tab = "\t"

    var scalar: Unicode.Scalar { rawValue.unicodeScalars.first! }

    /// The name of its catalog text (`console.import.delimiter.<key>`).
    var key: String {
        switch self {
        case .comma: "comma"
        case .semicolon: "semicolon"
        case .tab: "tab"
        }
    }

    var label: String {
        switch self {
        case .comma: "commas"
        case .semicolon: "semicolons"
        case .tab: "tabs"
        }
    }

    /// Counts each candidate outside double quotes on the first line (which may itself span
    /// lines inside quotes); the most frequent wins, ties in the order comma, semicolon, tab.
    static func detect(in text: String) -> CSVDelimiter? {
        var counts: [CSVDelimiter: Int] = [:]
        var quoted = false
        for scalar in text.unicodeScalars {
            if scalar == "\"" {
                quoted.toggle()
            } else if !quoted {
                if scalar == "\n" || scalar == "\r" { break }
                if let delimiter = CSVDelimiter(rawValue: String(scalar)) { counts[delimiter, default: 0] += 1 }
            }
        }
        let best = allCases.max { (counts[$0] ?? 0, -order($0)) < (counts[$1] ?? 0, -order($1)) }
        guard let best, (counts[best] ?? 0) > 0 else { return nil }
        return best
    }

    private static func order(_ delimiter: CSVDelimiter) -> Int { allCases.firstIndex(of: delimiter)! }
}

/// Reads the records of a CSV text with CSV.swift (RFC 4180: quoted fields with delimiters,
/// doubled quotes and line breaks inside, CRLF or LF line ends). Blank lines and rows whose
/// every field is empty (spreadsheets leave those behind) are skipped. Not thread-safe: use
/// from one task at a time.
final class CSVRecordReader {
    let header: [String]
    private let reader: CSVReader
    /// Spreadsheet row number of the last record returned (the header is row 1); rows with
    /// line breaks inside quotes still count as one.
    private(set) var rowNumber = 1

    init(text: String, delimiter: CSVDelimiter) throws {
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: false, delimiter: delimiter.scalar)
        } catch {
            throw CSVFileProblem.empty
        }
        var header = (reader.headerRow ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let first = header.first, first.hasPrefix("\u{FEFF}") { header[0] = String(first.dropFirst()) }
        while let last = header.last, last.isEmpty, header.count > 1 { header.removeLast() }
        self.header = header
    }

    /// The next non-blank record, or nil at the end of the file.
    func next() -> [String]? {
        while let row = reader.next() {
            rowNumber += 1
            if row.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            return row
        }
        return nil
    }
}

/// What the mapping step needs to know about an uploaded file, gathered in one pass.
struct CSVFileSummary: Sendable {
    let header: [String]
    let rowCount: Int
    /// Up to three non-empty example values per column.
    let samples: [[String]]

    static let maximumRows = 100_000
    static let maximumColumns = 100

    static func read(text: String, delimiter: CSVDelimiter) throws -> CSVFileSummary {
        let reader = try CSVRecordReader(text: text, delimiter: delimiter)
        let header = reader.header
        guard !header.isEmpty, !(header.count == 1 && header[0].isEmpty) else { throw CSVFileProblem.empty }
        guard header.count > 1 else { throw CSVFileProblem.noDelimiter }
        guard header.count <= maximumColumns else { throw CSVFileProblem.tooManyColumns(limit: maximumColumns) }
        var samples = Array(repeating: [String](), count: header.count)
        var rows = 0
        var checked = 0
        var mismatched = 0
        while let row = reader.next() {
            rows += 1
            if rows > maximumRows { throw CSVFileProblem.tooManyRows(limit: maximumRows) }
            if checked < 1_000 {
                checked += 1
                if row.count != header.count && !(row.count > header.count && row[header.count...].allSatisfy { $0.isEmpty }) {
                    mismatched += 1
                }
            }
            for (index, value) in row.prefix(header.count).enumerated() where samples[index].count < 3 {
                let cleaned = ImportValue.clean(value)
                if !cleaned.isEmpty { samples[index].append(String(cleaned.prefix(80))) }
            }
        }
        guard rows > 0 else { throw CSVFileProblem.headerOnly }
        if mismatched * 2 > checked {
            throw CSVFileProblem.delimiterMismatch(delimiter: delimiter, columns: header.count)
        }
        return CSVFileSummary(header: header, rowCount: rows, samples: samples)
    }
}

/// 50000 → "50,000", for messages and totals.
enum GroupedNumber {
    static func text(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }
}
