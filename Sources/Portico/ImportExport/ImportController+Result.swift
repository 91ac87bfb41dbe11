import Foundation
import Hummingbird
import Mustache

/// Step 3: the dry run or the import itself, and discarding an uploaded file.
extension ImportController {
    @MustacheView
    struct ResultView {
        let layout: LayoutModel
        let upload: UploadSummary
        let dryRun: Bool
        /// "Nothing was saved. This is what importing … would do" / "… was imported in 1.2 s. …"
        let outcomeText: String
        let totals: [Total]
        let entities: [Total]
        let problems: [Row]
        let hasProblems: Bool
        let moreProblems: String?
        let preview: [Row]
        let mapping: [Hidden]
        let mappedColumns: [Mapped]
        let canImport: Bool
        let seconds: String
        /// After a real import that created logins: where to invite them.
        let inviteHref: String?
        let newLogins: String
        @MustacheView
        struct Total { let key: String; let label: String; let value: String }
        @MustacheView
        struct Row { let row: Int; let outcome: String; let label: String; let subject: String; let message: String }
        @MustacheView
        struct Hidden { let name: String; let value: String }
        @MustacheView
        struct Mapped { let column: String; let field: String }
    }

    @Sendable func submit(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try uploadID(context)
        var upload = try await load(id, context)
        let form = try await FormFields.read(request)
        let write = form.text("mode") == "import"

        // The mapping the admin chose: one select per column.
        var columns: [ImportField?] = []
        var unknown: [String] = []
        for index in upload.header.indices {
            let value = form.text("map_\(index)")
            if value.isEmpty {
                columns.append(nil)
            } else if let field = ImportField(rawValue: value) {
                columns.append(field)
            } else {
                columns.append(nil)
                unknown.append(L10n.t("console.import.columnLower", ["number": "\(index + 1)"]))
            }
        }
        let mapping = ImportMapping(columns: columns)
        var problems = mapping.problems(header: upload.header)
        if !unknown.isEmpty { problems.insert(L10n.t("console.import.chooseField", ["columns": L10n.texts.list(unknown)]), at: 0) }
        if !problems.isEmpty {
            return try renderMapping(upload, mapping: mapping, context: context, problems: problems, status: .unprocessableContent)
        }
        upload.mapping = mapping.stored
        let files = files, chosen = upload, tenant = context.tenant.id
        let text = try await CSVImporter.offloadThrowing {
            try files.saveDescription(chosen, tenant: tenant)
            return try files.text(of: chosen, tenant: tenant)
        }
        let report = try await CSVImporter(pool: pool).run(
            text: text, delimiter: upload.delimiter, mapping: mapping, tenant: context.tenant.id, write: write,
            importId: write ? upload.id : nil
        )
        var details = report.totals.details
        details["file"] = upload.fileName
        details["seconds"] = String(format: "%.1f", report.seconds)
        try await audit(context, request, action: write ? "import.completed" : "import.dry_run", upload: upload, details: details)
        if write { await CSVImporter.offload { files.delete(chosen.id, tenant: tenant) } }
        return try renderResult(report, upload: upload, mapping: mapping, write: write, context: context)
    }

    func renderResult(_ report: ImportReport, upload: ImportUpload, mapping: ImportMapping, write: Bool, context: StaffRequestContext) throws -> HTML
    {
        let totals = report.totals
        let texts = L10n.texts
        func row(_ result: ImportRowResult) -> ResultView.Row {
            ResultView.Row(
                row: result.row, outcome: result.outcome.rawValue, label: texts("console.import.outcome.\(result.outcome.rawValue)"),
                subject: result.subject, message: result.message)
        }
        let accepted = totals.created + totals.updated
        var layout = context.layout(
            title: texts(write ? "console.import.finishedTitle" : "console.import.dryRunTitle"), current: ConsoleRoutes.imports.path)
        if write {
            layout.notice =
                texts("console.import.imported", ["accepted": GroupedNumber.text(accepted), "rows": GroupedNumber.text(totals.rows)])
                + (totals.customersCreated > 0 ? " " + texts("console.import.inviteBelow") : "")
        }
        let seconds = String(format: "%.1f", report.seconds)
        let view = ResultView(
            layout: layout, upload: Self.summary(upload), dryRun: !write,
            outcomeText: write
                ? texts("console.import.finishedText", ["file": upload.fileName, "seconds": seconds])
                : texts("console.import.dryRunText", ["file": upload.fileName, "rows": GroupedNumber.text(upload.rowCount), "seconds": seconds]),
            totals: Self.resultTotals(totals, write: write), entities: Self.entityTotals(totals),
            problems: report.problems.map(row), hasProblems: !report.problems.isEmpty,
            moreProblems: report.moreProblems > 0 ? texts.plural("console.import.moreProblems", count: report.moreProblems) : nil,
            preview: report.preview.map(row),
            mapping: mapping.stored.enumerated().map { .init(name: "map_\($0.offset)", value: $0.element) },
            mappedColumns: upload.header.enumerated().compactMap { index, name in
                guard index < mapping.columns.count, let field = mapping.columns[index] else { return nil }
                return .init(
                    column: name.isEmpty ? texts("console.import.columnNumber", ["number": "\(index + 1)"]) : name, field: field.consoleLabel)
            },
            canImport: !write && accepted > 0,
            seconds: seconds,
            inviteHref: write && totals.customersCreated > 0 ? "\(ConsoleRoutes.invitations.path)?import=\(upload.id)" : nil,
            newLogins: texts.plural("console.import.newLogins", count: totals.customersCreated)
        )
        return try renderer.render(.adminImportResult, theme: context.tenant.theme, view)
    }

    /// The rows by outcome: what was (or a dry run would be) created, updated, left as duplicate or refused.
    static func resultTotals(_ totals: ImportTotals, write: Bool) -> [ResultView.Total] {
        let texts = L10n.texts
        return [
            .init(key: "rows", label: texts("console.import.total.rows"), value: GroupedNumber.text(totals.rows)),
            .init(
                key: "created", label: texts(write ? "console.import.total.created" : "console.import.total.wouldCreate"),
                value: GroupedNumber.text(totals.created)),
            .init(
                key: "updated", label: texts(write ? "console.import.total.updated" : "console.import.total.wouldUpdate"),
                value: GroupedNumber.text(totals.updated)),
            .init(key: "duplicates", label: texts("console.import.total.duplicates"), value: GroupedNumber.text(totals.duplicates)),
            .init(key: "errors", label: texts("console.import.total.errors"), value: GroupedNumber.text(totals.errors)),
        ]
    }

    /// The records by kind: accounts, customers and equipment created or updated.
    static func entityTotals(_ totals: ImportTotals) -> [ResultView.Total] {
        let texts = L10n.texts
        return [
            .init(
                key: "organizations_created", label: texts("console.import.total.organizationsCreated"),
                value: GroupedNumber.text(totals.organizationsCreated)),
            .init(
                key: "organizations_updated", label: texts("console.import.total.organizationsUpdated"),
                value: GroupedNumber.text(totals.organizationsUpdated)),
            .init(
                key: "customers_created", label: texts("console.import.total.customersCreated"),
                value: GroupedNumber.text(totals.customersCreated)),
            .init(
                key: "customers_updated", label: texts("console.import.total.customersUpdated"),
                value: GroupedNumber.text(totals.customersUpdated)),
            .init(key: "equipment_added", label: texts("console.import.total.equipmentAdded"), value: GroupedNumber.text(totals.equipmentAdded)),
            .init(
                key: "equipment_updated", label: texts("console.import.total.equipmentUpdated"),
                value: GroupedNumber.text(totals.equipmentUpdated)),
        ]
    }

    @Sendable func discard(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try uploadID(context)
        let upload = try await load(id, context)
        let files = files, tenant = context.tenant.id
        await CSVImporter.offload { files.delete(id, tenant: tenant) }
        try await audit(context, request, action: "import.discarded", upload: upload, details: ["file": upload.fileName])
        return try renderStart(context, notice: L10n.t("console.import.deleted"))
    }
}
