import Foundation
import Hummingbird
import Mustache

/// Step 2: which field each column of the uploaded file feeds.
extension ImportController {
    @MustacheView
    struct MappingView {
        let layout: LayoutModel
        let problems: [String]
        let hasProblems: Bool
        let upload: UploadSummary
        let columns: [Column]
        @MustacheView
        struct Column {
            let index: Int
            let name: String
            let samples: String
            /// "Import column Email as", the picker's hidden label.
            let importColumnAs: String
            let options: [Option]
        }
        @MustacheView
        struct Option { let value: String; let label: String; let selected: Bool }
    }

    @MustacheView
    struct UploadSummary {
        let id: String
        let fileName: String
        let rows: String
        let columns: Int
        let encoding: String
        let delimiter: String
        let encodingNotice: String?
        /// "120 data rows in 9 columns separated by commas, read as UTF-8."
        let description: String
    }

    static func summary(_ upload: ImportUpload) -> UploadSummary {
        let texts = L10n.texts
        let encoding = texts("console.import.encoding.\(upload.encoding.key)")
        let delimiter = texts("console.import.delimiter.\(upload.delimiter.key)")
        return UploadSummary(
            id: upload.id, fileName: upload.fileName, rows: GroupedNumber.text(upload.rowCount), columns: upload.header.count,
            encoding: encoding, delimiter: delimiter,
            encodingNotice: upload.encoding.notice == nil ? nil : texts("console.import.encodingNotice.\(upload.encoding.key)"),
            description: texts(
                "console.import.fileDescription",
                ["rows": GroupedNumber.text(upload.rowCount), "columns": "\(upload.header.count)", "delimiter": delimiter, "encoding": encoding]))
    }

    func renderMapping(
        _ upload: ImportUpload, mapping: ImportMapping, context: StaffRequestContext, problems: [String] = [],
        status: HTTPResponse.Status = .ok
    ) throws -> HTML {
        let view = MappingView(
            layout: context.layout(title: L10n.t("console.import.matchTitle"), current: ConsoleRoutes.imports.path),
            problems: problems, hasProblems: !problems.isEmpty, upload: Self.summary(upload),
            columns: upload.header.enumerated().map { index, name in
                let chosen = index < mapping.columns.count ? mapping.columns[index] : nil
                let shown = name.isEmpty ? L10n.t("console.import.columnNumber", ["number": "\(index + 1)"]) : name
                return MappingView.Column(
                    index: index, name: shown,
                    samples: index < upload.samples.count ? upload.samples[index].joined(separator: " · ") : "",
                    importColumnAs: L10n.t("console.import.importColumnAs", ["name": shown]),
                    options: [MappingView.Option(value: "", label: L10n.t("console.import.ignoreColumn"), selected: chosen == nil)]
                        + ImportField.allCases.map { MappingView.Option(value: $0.rawValue, label: $0.consoleLabel, selected: $0 == chosen) }
                )
            }
        )
        return try renderer.render(.adminImportMapping, theme: context.tenant.theme, view, status: status)
    }

    /// File access runs off the cooperative pool (uploads are up to 20 MB).
    func load(_ id: String, _ context: StaffRequestContext) async throws -> ImportUpload {
        let files = files, tenant = context.tenant.id
        return try await CSVImporter.offloadThrowing { try files.load(id, tenant: tenant) }
    }

    func uploadID(_ context: StaffRequestContext) throws -> String {
        guard let id = context.parameters.get("id"), ImportFiles.isWellFormed(id) else { throw AppError.notFound("import file") }
        return id
    }

    @Sendable func mappingPage(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let upload = try await load(try uploadID(context), context)
        return try renderMapping(upload, mapping: ImportMapping(stored: upload.mapping), context: context)
    }
}
