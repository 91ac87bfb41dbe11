import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/import` (admins): subscriber accounts, customers and equipment from one CSV file,
/// in three steps — upload, column mapping, dry run — then the import itself.
///
/// The uploaded file stays on the server (`ImportFiles`); the pages carry only its random id.
struct ImportController {
    let configuration: AppConfiguration
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer

    var files: ImportFiles { ImportFiles(dataDirectory: configuration.dataDirectory) }

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
        return try renderer.render(.adminImport, theme: context.tenant.theme, view, status: status)
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
        try await pool.withTenant(context.tenant.id) { tx in try await repositories.audit.record(event, in: tx) }
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
}
