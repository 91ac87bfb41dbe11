import Foundation
import Hummingbird
import Mustache
import NIOCore
import Postgres

/// Operator console pages for a tenant's data (export download, offboarding) and the
/// backups panel. Operators only: these routes exist on the operator host alone, behind the
/// operator session with its second factor.
struct OperatorLifecycleController {
    let blobStore: any BlobStore
    let configuration: AppConfiguration
    let pool: ConnectionPool
    let renderer: PageRenderer
    let tenants: any TenantStore
    let operators: OperatorController

    func addRoutes(to group: RouterGroup<OperatorRequestContext>) {
        group.get(OperatorRoutes.tenantData, use: dataPage)
        group.post(OperatorRoutes.tenantExport, use: export)
        group.post(OperatorRoutes.tenantDelete, use: delete)
        group.get(OperatorRoutes.backups, use: backups)
    }

    @MustacheView
    struct DataView {
        let layout: LayoutModel
        let tenant: Tenant
        let usage: TenantUsage
        let suspended: Bool
        let form: FormView
        let events: [EventRow]
        /// "Data of Quorra Net"
        let title: String
        let statusLabel: String
        /// "3 accounts, 5 logins, 2 staff, 1 open work order"
        let usageText: String
        let deleteWarning: String
        /// "Delete quorra permanently"
        let deleteButton: String
    }

    @MustacheView
    struct EventRow {
        let when: String
        let action: String
        let actor: String
    }

    func tenant(_ context: OperatorRequestContext) async throws -> Tenant {
        guard let slug = context.parameters.get("slug"), let tenant = try await tenants.tenant(slug: slug) else {
            throw AppError.notFound("tenant")
        }
        return tenant
    }

    func dataView(_ tenant: Tenant, context: OperatorRequestContext, form: FormState = FormState()) async throws -> DataView {
        let usage = try await tenants.usage(for: tenant.id)
        let dates = DisplayDate(zone: TenantTimeZone.zone(tenant.timeZone), locale: L10n.texts.locale)  // the tenant's own clock
        let texts = L10n.texts
        let events = try await RecordedPlatformEvent.recent(targetKind: "tenant", targetId: tenant.slug, pool: pool).map {
            EventRow(
                when: dates.dateTime($0.occurredAt), action: $0.action,
                actor: texts.has("operator.data.actor.\($0.actorKind)")
                    ? texts("operator.data.actor.\($0.actorKind)", ["label": $0.actorLabel]) : "\($0.actorKind): \($0.actorLabel)")
        }
        let title = texts("operator.data.title", ["name": tenant.name])
        return DataView(
            layout: context.layout(title: title), tenant: tenant, usage: usage,
            suspended: tenant.status == .suspended, form: FormView(form), events: events, title: title,
            statusLabel: texts("operator.tenantStatus.\(tenant.status.rawValue)"),
            usageText: texts(
                "operator.data.usage",
                [
                    "accounts": texts.plural("operator.tenants.accounts", count: usage.organizations),
                    "logins": texts.plural("operator.tenants.logins", count: usage.customers),
                    "staff": texts.plural("operator.data.staff", count: usage.staff),
                    "open": texts.plural("operator.data.openWorkOrders", count: usage.openWorkOrders),
                ]),
            deleteWarning: texts("operator.data.deleteWarning", ["name": tenant.name]),
            deleteButton: texts("operator.data.deleteButton", ["slug": tenant.slug]))
    }

    @Sendable func dataPage(_ request: Request, context: OperatorRequestContext) async throws -> HTML {
        let tenant = try await tenant(context)
        return try renderer.render(.operatorTenantData, try await dataView(tenant, context: context))
    }

    /// The export as a download: built into a private temporary folder, streamed, removed.
    @Sendable func export(_ request: Request, context: OperatorRequestContext) async throws -> Response {
        let tenant = try await tenant(context)
        let scratch = try await offThread { try Scratch.directory(near: FileManager.default.temporaryDirectory, prefix: "console-export") }
        let file = scratch.url.appendingPathComponent("\(tenant.slug)-export-\(ISODates.today()).tar.gz")
        let size: Int
        do {
            let manifest = try await TenantExport(pool: pool, blobStore: blobStore).write(tenant, to: file)
            try await pool.withConnection { connection in
                try await PlatformAuditEvent(
                    actorKind: .operator, actorId: context.session.operatorId, actorLabel: context.session.email,
                    action: "tenant.exported", targetKind: "tenant", targetId: tenant.slug, ip: context.clientIP,
                    details: [
                        "file": file.lastPathComponent, "rows": "\(manifest.tables.reduce(0) { $0 + $1.rows })",
                        "files": "\(manifest.files.count)",
                    ]
                ).record(on: connection)
            }
            size = try await offThread { (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0 }
        } catch {
            await scratch.discard()
            throw error
        }
        let body = scratch.streaming(file, size: size)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/gzip",
                .contentDisposition: "attachment; filename=\"\(file.lastPathComponent)\"",
                .cacheControl: "no-store",
            ], body: body)
    }

    @Sendable func delete(_ request: Request, context: OperatorRequestContext) async throws -> HTML {
        let tenant = try await tenant(context)
        let form = try await FormFields.read(request)
        let actor = PlatformAuditEvent(
            actorKind: .operator, actorId: context.session.operatorId, actorLabel: context.session.email,
            action: "tenant.deleted", ip: context.clientIP)
        do {
            let report = try await TenantDeletion(
                pool: pool, blobStore: blobStore,
                dataDirectory: configuration.dataDirectory
            )
            .delete(slug: tenant.slug, confirmation: form.text("confirm"), actor: actor)
            return try await operators.tenantsPage(
                context,
                notice: L10n.t(
                    "operator.data.deleted",
                    [
                        "slug": report.slug, "rows": L10n.texts.plural("operator.data.rows", count: report.totalRows),
                        "files": L10n.texts.plural("operator.data.files", count: report.files),
                    ]))
        } catch let error as AppError where error.kind == .validation || error.kind == .conflict {
            var state = FormState()
            state.errors = error.fields
            state.message = error.message
            return try renderer.render(.operatorTenantData, try await dataView(tenant, context: context, form: state), status: error.status)
        }
    }

    // MARK: Backups panel

    @MustacheView
    struct BackupsView {
        let layout: LayoutModel
        let scheduled: Bool
        let schedule: String
        let directory: String
        let retention: String
        let lastSuccess: RunRow?
        let lastFailure: RunRow?
        let runs: [RunRow]
        let archives: [ArchiveRow]
    }

    @MustacheView
    struct RunRow {
        let started: String
        let trigger: String
        let status: String
        let statusLabel: String
        let file: String
        let size: String
        let error: String?
    }

    @MustacheView
    struct ArchiveRow {
        let name: String
        let size: String
    }

    static func size(_ bytes: Int64?) -> String {
        bytes.map { $0.formatted(.byteCount(style: .file).locale(L10n.texts.locale)) } ?? ""
    }

    static func row(_ run: BackupRun) -> RunRow {
        let texts = L10n.texts
        func label(_ key: String) -> String { texts.has(key) ? texts(key) : String(key.split(separator: ".").last ?? "") }
        return RunRow(
            started: DisplayDate.dateTime(run.startedAt), trigger: label("operator.backups.trigger.\(run.trigger)"), status: run.status,
            statusLabel: label("operator.backups.state.\(run.status)"),
            file: run.fileName, size: size(run.sizeBytes), error: run.error.isEmpty ? nil : run.error)
    }

    /// "daily at 03:00 UTC", "every 6 hours" in the operator's language.
    static func describe(_ schedule: BackupSchedule?) -> String {
        let texts = L10n.texts
        switch schedule {
        case nil: return texts("operator.backups.off")
        case .daily(let hour, let minute)?: return texts("operator.backups.daily", ["time": String(format: "%02d:%02d", hour, minute)])
        case .every(let seconds)? where seconds % 86_400 == 0: return texts.plural("operator.backups.everyDays", count: seconds / 86_400)
        case .every(let seconds)? where seconds % 3600 == 0: return texts.plural("operator.backups.everyHours", count: seconds / 3600)
        case .every(let seconds)?: return texts.plural("operator.backups.everyMinutes", count: seconds / 60)
        }
    }

    @Sendable func backups(_ request: Request, context: OperatorRequestContext) async throws -> HTML {
        let settings = configuration.backup
        let status = try await BackupStatus.load(pool: pool)
        let directory = settings.directory
        let archives = try await offThread { directory.map { BackupRetention.archives(in: $0) } ?? [] }
        let view = BackupsView(
            layout: context.layout(title: L10n.t("operator.nav.backups")), scheduled: settings.schedule != nil,
            schedule: Self.describe(settings.schedule),
            directory: settings.directory?.path ?? L10n.t("operator.backups.notSet"),
            retention: L10n.texts.plural(
                "operator.backups.keep", count: settings.keep,
                ["days": L10n.texts.plural("operator.backups.days", count: settings.maxAgeDays)]),
            lastSuccess: status.lastSuccess.map(Self.row), lastFailure: status.lastFailure.map(Self.row), runs: status.recent.map(Self.row),
            archives: archives.prefix(20).map { ArchiveRow(name: $0.file.lastPathComponent, size: Self.size($0.size)) }
        )
        return try renderer.render(.operatorBackups, view)
    }
}
