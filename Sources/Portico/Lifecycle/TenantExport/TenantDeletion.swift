import Foundation
import Postgres

/// Offboarding: removes a suspended tenant's every row and file, after the operator typed
/// its slug, and records that at platform level (the tenant's own audit log goes with it).
///
/// The rows go in one transaction through `portico_purge_tenant` (migration 0032), which
/// finds the tenant tables in the catalog when it runs and checks that none keeps a row.
/// Files go after the commit: the tenant's folders under the file store and the import area.
public struct TenantDeletion: Sendable {
    let pool: ConnectionPool
    let blobStore: any BlobStore
    let dataDirectory: URL

    public init(pool: ConnectionPool, blobStore: any BlobStore, dataDirectory: URL) {
        self.pool = pool
        self.blobStore = blobStore
        self.dataDirectory = dataDirectory
    }

    public struct Report: Sendable {
        public let slug: String
        public let rowsByTable: [(table: String, rows: Int)]
        public let files: Int

        public var totalRows: Int { rowsByTable.reduce(0) { $0 + $1.rows } }
    }

    /// Deletes the tenant `slug` if it is suspended and `confirmation` is exactly its slug.
    public func delete(slug: String, confirmation: String, actor: PlatformAuditEvent) async throws -> Report {
        guard let tenant = try await PostgresTenantStore(pool: pool).tenant(slug: slug) else {
            throw AppError(.notFound, code: "tenant_not_found", "No tenant has the slug '\(slug)'. `portico tenant list` shows them.")
        }
        guard confirmation == tenant.slug else {
            throw AppError.validation(
                ["confirm": L10n.t("operator.data.error.confirm", ["slug": tenant.slug])],
                message: L10n.t("operator.data.error.confirmMessage", ["slug": tenant.slug]))
        }
        guard tenant.status == .suspended else {
            throw AppError(
                .conflict, code: "tenant_active",
                L10n.t("operator.data.error.active", ["slug": tenant.slug]))
        }
        let rows: [(table: String, rows: Int)]
        do {
            rows = try await pool.withTransaction { tx in
                let removed: [(table: String, rows: Int)] = try await tx.rows("SELECT table_name, removed FROM portico_purge_tenant(\(tenant.id))")
                    .map {
                        (table: try $0.decode("table_name", as: String.self), rows: try $0.decode("removed", as: Int.self))
                    }
                var event = actor
                event.action = "tenant.deleted"
                event.targetKind = "tenant"
                event.targetId = tenant.slug
                event.details = [
                    "tenant_id": tenant.id.description, "name": tenant.name,
                    "rows": "\(removed.reduce(0) { $0 + $1.rows })",
                ]
                try await event.record(on: tx)
                return removed
            }
        } catch let error as PostgresError where error.sqlState == SQLState(rawValue: "55000") {
            throw AppError(.conflict, code: "tenant_active", L10n.t("operator.data.error.resumed", ["slug": tenant.slug]))
        }
        let files = try await blobStore.removeAll(tenant: tenant.id)
        let imports = dataDirectory.appendingPathComponent("imports", isDirectory: true).appendingPathComponent(tenant.id.description)
        try await offThread {
            if FileManager.default.fileExists(atPath: imports.path) { try FileManager.default.removeItem(at: imports) }
        }
        return Report(slug: tenant.slug, rowsByTable: rows, files: files)
    }
}
