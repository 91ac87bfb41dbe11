import Foundation

/// Which field each column of a file feeds (nil: ignored).
struct ImportMapping: Sendable, Equatable {
    var columns: [ImportField?]

    /// Lower-case letters and digits only, accents folded: "Account #" → "account", "E-mail" →
    /// "email", "S/N" → "sn", "Annulé" → "annule".
    static func key(_ header: String) -> String {
        let folded = header.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        return String(folded.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII })
    }

    static let synonymTable: [String: ImportField] = {
        var table: [String: ImportField] = [:]
        for field in ImportField.allCases {
            for name in [field.rawValue, field.label] + field.synonyms {
                let normalized = ImportMapping.key(name)
                precondition(table[normalized] == nil || table[normalized] == field, "synonym \(normalized) is ambiguous")
                table[normalized] = field
            }
        }
        return table
    }()

    /// The mapping guessed from header names; when two columns name the same field, the
    /// first one gets it.
    static func automatic(header: [String]) -> ImportMapping {
        var used = Set<ImportField>()
        return ImportMapping(
            columns: header.map { name in
                guard let field = synonymTable[key(name)], !used.contains(field) else { return nil }
                used.insert(field)
                return field
            })
    }

    /// Stored form: one raw value per column, "" for ignored.
    var stored: [String] { columns.map { $0?.rawValue ?? "" } }

    init(columns: [ImportField?]) {
        self.columns = columns
    }

    init(stored: [String]) {
        columns = stored.map { ImportField(rawValue: $0) }
    }

    func column(of field: ImportField) -> Int? { columns.firstIndex(of: field) }

    var fields: Set<ImportField> { Set(columns.compactMap { $0 }) }

    /// Problems with the mapping as a whole: the fields an import cannot do without, and a
    /// field given to two columns.
    func problems(header: [String]) -> [String] {
        var problems: [String] = []
        if !fields.contains(.accountNumber) {
            problems.append(L10n.t("console.import.needAccountNumber"))
        }
        if !fields.contains(.organizationName) && !fields.contains(.customerName) {
            problems.append(L10n.t("console.import.needName"))
        }
        if fields.contains(.customerName) || fields.contains(.phone) || fields.contains(.customerRole) || fields.contains(.customerExternalId),
            !fields.contains(.email)
        {
            problems.append(L10n.t("console.import.needEmail"))
        }
        for field in ImportField.allCases {
            let indexes = columns.indices.filter { columns[$0] == field }
            if indexes.count > 1 {
                let names = indexes.map {
                    header.indices.contains($0) && !header[$0].isEmpty ? header[$0] : L10n.t("console.import.columnLower", ["number": "\($0 + 1)"])
                }
                problems.append(L10n.t("console.import.twice", ["columns": L10n.texts.list(names), "field": field.consoleLabel]))
            }
        }
        return problems
    }
}
