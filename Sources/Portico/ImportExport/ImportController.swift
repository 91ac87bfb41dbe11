import Foundation
import Hummingbird
import Mustache

/// `/admin/import` (admins): subscriber accounts, customers and equipment from one CSV file,
/// in three steps — upload, column mapping, dry run — then the import itself.
///
/// The uploaded file stays on the server (`ImportFiles`); the pages carry only its random id.
struct ImportController {
    let dependencies: AppDependencies

    var files: ImportFiles { ImportFiles(dataDirectory: dependencies.configuration.dataDirectory) }

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.imports, use: start)
        group.post(ConsoleRoutes.imports, use: upload)
        group.get(ConsoleRoutes.importFile, use: mappingPage)
        group.post(ConsoleRoutes.importFile, use: submit)
        group.post(ConsoleRoutes.importDiscard, use: discard)
    }

    // MARK: Step 1: upload

    @MustacheView
    struct StartView {
        let layout: LayoutModel
        let form: FormView
        let maximumMegabytes: Int
        let maximumRows: String
        /// "CSV in UTF-8 …; at most 20 MB and 50,000 rows. …"
        let limits: String
        let fields: [FieldHelp]
        let exports: [ExportController.Link]
        @MustacheView
        struct FieldHelp { let label: String; let names: String }
    }

    func renderStart(
        _ context: StaffRequestContext, form: FormState = FormState(), notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) throws -> HTML {
        var layout = context.layout(title: L10n.t("console.import.title"), current: ConsoleRoutes.imports.path)
        layout.notice = notice
        let view = StartView(
            layout: layout, form: FormView(form), maximumMegabytes: ImportUploadForm.maximumFileBytes / 1_048_576,
            maximumRows: GroupedNumber.text(CSVFileSummary.maximumRows),
            limits: L10n.t(
                "console.import.limits",
                ["megabytes": "\(ImportUploadForm.maximumFileBytes / 1_048_576)", "rows": GroupedNumber.text(CSVFileSummary.maximumRows)]),
            fields: ImportField.allCases.map { field in
                StartView.FieldHelp(label: field.consoleLabel, names: ([field.rawValue] + field.synonyms.prefix(4)).joined(separator: ", "))
            },
            exports: ExportController.links
        )
        return try dependencies.renderer.render(.adminImport, theme: context.tenant.theme, view, status: status)
    }

    @Sendable func start(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try renderStart(context)
    }

    @Sendable func upload(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form: ImportUploadForm
        do {
            form = try await ImportUploadForm.read(request)
        } catch let error as AppError where error.kind == .payloadTooLarge || error.kind == .unsupportedMediaType || error.kind == .badRequest {
            return try failedUpload(error, context: context, request: request)
        }
        // Multipart bodies pass the CSRF middleware unchecked: the token is checked here,
        // before anything is done with the file.
        try CSRF.verify(token: form.fields["csrf_token"], context: context.parent)
        guard let bytes = form.file, !(bytes.isEmpty && (form.fileName ?? "").isEmpty) else {
            return try failedUpload(CSVFileProblem.missingFile.appError, context: context, request: request)
        }
        guard bytes.count <= ImportUploadForm.maximumFileBytes else {
            return try failedUpload(
                CSVFileProblem.tooLarge(limitMegabytes: ImportUploadForm.maximumFileBytes / 1_048_576).appError,
                context: context, request: request)
        }
        let fileName = Self.displayName(form.fileName ?? "")
        let analysed: (text: String, encoding: CSVTextEncoding, delimiter: CSVDelimiter, summary: CSVFileSummary)
        do {
            analysed = try await CSVImporter.offloadThrowing {
                let (text, encoding) = try CSVTextDecoder.decode(bytes)
                guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw CSVFileProblem.empty }
                guard let delimiter = CSVDelimiter.detect(in: text) else { throw CSVFileProblem.noDelimiter }
                return (text, encoding, delimiter, try CSVFileSummary.read(text: text, delimiter: delimiter))
            }
        } catch let problem as CSVFileProblem {
            return try failedUpload(problem.appError, context: context, request: request)
        }
        let upload = ImportUpload(
            id: ImportFiles.newId(), tenantId: context.tenant.id.rawValue, fileName: fileName, uploadedAt: Date(),
            uploadedBy: context.staff.id, byteCount: bytes.count, encoding: analysed.encoding, delimiter: analysed.delimiter,
            header: analysed.summary.header, samples: analysed.summary.samples, rowCount: analysed.summary.rowCount,
            mapping: ImportMapping.automatic(header: analysed.summary.header).stored
        )
        let files = files, text = analysed.text, tenant = context.tenant.id
        try await CSVImporter.offloadThrowing { try files.save(upload, text: text, tenant: tenant) }
        try await audit(
            context, request, action: "import.uploaded", upload: upload,
            details: [
                "file": upload.fileName, "bytes": "\(upload.byteCount)", "rows": "\(upload.rowCount)", "columns": "\(upload.header.count)",
                "encoding": upload.encoding.rawValue, "delimiter": upload.delimiter.label,
            ])
        return Redirect(to: ConsoleRoutes.importFile(upload.id)).response
    }

    /// Every step that changes something (upload, dry run, import, discard) is audited.
    func audit(_ context: StaffRequestContext, _ request: Request, action: String, upload: ImportUpload, details: [String: String]) async throws {
        let event = NewAuditEvent(
            actorKind: "staff", actorId: context.staff.id, actorLabel: context.staff.email, action: action,
            targetKind: "import", targetId: upload.id, ip: context.clientIP,
            userAgent: request.headers[.userAgent] ?? "", details: details)
        try await dependencies.pool.withTenant(context.tenant.id) { tx in try await dependencies.repositories.audit.record(event, in: tx) }
    }

    private func failedUpload(_ error: AppError, context: StaffRequestContext, request: Request) throws -> Response {
        try renderStart(context, form: FormState(message: error.message), status: error.status).response(from: request, context: context)
    }

    /// The name as the browser sent it, without any folder part, for display only.
    static func displayName(_ name: String) -> String {
        let base = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(base.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(120))
        return clean.isEmpty ? "upload.csv" : clean
    }

    // MARK: Step 2: mapping

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
        return try dependencies.renderer.render(.adminImportMapping, theme: context.tenant.theme, view, status: status)
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

    // MARK: Step 3: dry run or import

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
        let report = try await CSVImporter(pool: dependencies.pool).run(
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
            totals: [
                .init(key: "rows", label: texts("console.import.total.rows"), value: GroupedNumber.text(totals.rows)),
                .init(
                    key: "created", label: texts(write ? "console.import.total.created" : "console.import.total.wouldCreate"),
                    value: GroupedNumber.text(totals.created)),
                .init(
                    key: "updated", label: texts(write ? "console.import.total.updated" : "console.import.total.wouldUpdate"),
                    value: GroupedNumber.text(totals.updated)),
                .init(key: "duplicates", label: texts("console.import.total.duplicates"), value: GroupedNumber.text(totals.duplicates)),
                .init(key: "errors", label: texts("console.import.total.errors"), value: GroupedNumber.text(totals.errors)),
            ],
            entities: [
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
            ],
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
        return try dependencies.renderer.render(.adminImportResult, theme: context.tenant.theme, view)
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
