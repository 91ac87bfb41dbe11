import Foundation
import NIOCore
import PorticoCrypto
import Postgres

/// Everything one tenant owns, as a `.tar.gz` a departing ISP can read without Portico:
/// `data/<table>.jsonl` (one JSON object per row, every tenant table found in the catalog),
/// `csv/*.csv` (the console's spreadsheet exports), `files/<key>` (attachments and branding
/// assets), `manifest.json` (counts and checksums) and `README.md` (the format).
///
/// Rows are read as the application role inside one read-only snapshot transaction scoped
/// to the tenant: row-level security is what keeps other tenants out, and every query also
/// names the tenant explicitly (some tables have extra read policies, e.g. the public domain
/// lookup). Credential material (password and token hashes, TOTP and webhook secrets) is left out.
public struct TenantExport: Sendable {
    public static let formatName = "portico-tenant-export"
    public static let formatVersion = 1

    let pool: ConnectionPool
    let blobStore: any BlobStore

    public init(pool: ConnectionPool, blobStore: any BlobStore) {
        self.pool = pool
        self.blobStore = blobStore
    }

    public struct Manifest: Codable, Sendable {
        public struct TenantInfo: Codable, Sendable {
            public let id: String
            public let slug: String
            public let name: String
            public let status: String
        }
        public struct TableFile: Codable, Sendable {
            public let table: String
            public let file: String
            public let rows: Int
            public let columns: [String]
            public let omittedColumns: [String]
        }
        public struct CSVFile: Codable, Sendable {
            public let file: String
            public let title: String
            public let rows: Int
        }
        public struct StoredFile: Codable, Sendable {
            public let path: String
            public let size: Int64
            public let sha256: String
        }

        public let format: String
        public let formatVersion: Int
        public let porticoVersion: String
        public let migrationLevel: Int
        public let createdAt: Date
        public let tenant: TenantInfo
        public let tables: [TableFile]
        public let csv: [CSVFile]
        public let files: [StoredFile]

        public func rows(in table: String) -> Int? { tables.first { $0.table == table }?.rows }
    }

    /// Writes the archive to `output` (which must not exist yet). The file is mode 0600.
    public func write(_ tenant: Tenant, to output: URL) async throws -> Manifest {
        let folder = output.deletingLastPathComponent()
        try await offThread {
            guard !FileManager.default.fileExists(atPath: output.path) else {
                throw LifecycleError("\(output.path) already exists; choose another --output file")
            }
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        return try await Scratch.using(near: folder, prefix: "export") { scratch in
            try await offThread {
                for directory in ["data", "csv", "files"] {
                    try FileManager.default.createDirectory(at: scratch.url.appendingPathComponent(directory), withIntermediateDirectories: true)
                }
            }
            let (level, tables, csv) = try await pool.withTenantSnapshot(tenant.id) { tx in
                let level = try await tx.scalar("SELECT max(version) FROM schema_migrations", as: Int.self) ?? 0
                var tables = [try await writeTenantRow(tenant, tx: tx, into: scratch.url)]
                for table in try await tenantTables(tx) {
                    tables.append(try await writeTable(table, tx: tx, into: scratch.url))
                }
                var csv: [Manifest.CSVFile] = []
                for export in CSVExport.all {
                    csv.append(try await writeCSV(export, tx: tx, into: scratch.url))
                }
                return (level, tables, csv)
            }

            var files: [Manifest.StoredFile] = []
            for key in try await blobStore.keys(tenant: tenant.id) {
                files.append(try await copyBlob(key, tenant: tenant.id, into: scratch.url))
            }

            let manifest = Manifest(
                format: Self.formatName, formatVersion: Self.formatVersion, porticoVersion: PorticoVersion.current, migrationLevel: level,
                createdAt: Date(), tenant: .init(id: tenant.id.description, slug: tenant.slug, name: tenant.name, status: tenant.status.rawValue),
                tables: tables, csv: csv, files: files
            )
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let manifestData = try encoder.encode(manifest)
            let readme = Data(TenantExportReadme.text(manifest).utf8)
            try await offThread {
                try manifestData.write(to: scratch.url.appendingPathComponent("manifest.json"))
                try readme.write(to: scratch.url.appendingPathComponent("README.md"))
            }

            let partial = scratch.url.appendingPathComponent("archive.tar.gz")
            try await Tar.create(partial, from: scratch.url, members: ["README.md", "manifest.json", "data", "csv", "files"], gzip: true)
            try await offThread {
                chmod(partial.path, 0o600)
                try FileManager.default.moveItem(at: partial, to: output)
            }
            return manifest
        }
    }

    struct TenantTable {
        let name: String
        let columns: [String]
        let omitted: [String]
        /// `DECLARE portico_export CURSOR FOR …`, built by the server (`format` with `%I`/`%L`).
        let declare: String
    }

    /// Every table with a tenant_id column, from the catalog, with the statement that reads
    /// this tenant's rows of it.
    func tenantTables(_ tx: TenantTransaction) async throws -> [TenantTable] {
        let omitted = SQL(raw: Self.omittedColumnRuleStatic)
        return try await tx.rows(
            """
            WITH tables AS (
                SELECT c.oid, c.relname FROM pg_class c
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                  JOIN pg_attribute t ON t.attrelid = c.oid AND t.attname = 'tenant_id' AND NOT t.attisdropped
                 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            ), described AS (
                SELECT tables.relname::text AS name,
                       array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = tables.oid AND a.attnum > 0 AND NOT a.attisdropped
                                AND a.attgenerated = '' AND NOT (\(omitted)) ORDER BY a.attnum) AS columns,
                       array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = tables.oid AND a.attnum > 0 AND NOT a.attisdropped
                                AND (a.attgenerated <> '' OR (\(omitted))) ORDER BY a.attnum) AS omitted,
                       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY array_position(i.indkey::int2[], a.attnum))
                          FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                         WHERE i.indrelid = tables.oid AND i.indisprimary) AS primary_key
                  FROM tables
            )
            SELECT name, columns, omitted,
                   format('DECLARE portico_export NO SCROLL CURSOR FOR SELECT row_to_json(x)::text FROM (SELECT %s FROM %I WHERE tenant_id = %L%s) x',
                          (SELECT string_agg(quote_ident(column_name), ', ') FROM unnest(columns) AS column_name),
                          name, \(tx.tenant.description)::text,
                          CASE WHEN primary_key IS NULL THEN '' ELSE ' ORDER BY ' || primary_key END) AS declare
              FROM described ORDER BY name
            """
        ).map { row in
            TenantTable(
                name: try row.decode("name"), columns: try row.decode("columns"), omitted: try row.decode("omitted"),
                declare: try row.decode("declare"))
        }
    }

    /// Columns that hold credentials: never exported.
    static let omittedColumnRuleStatic: StaticString = """
        a.attname IN ('password_hash', 'totp_secret', 'secret', 'csrf_token', 'unsubscribe_key')
            OR a.attname::text LIKE '%\\_hash' OR a.attname::text LIKE '%\\_secret'
        """

    static let batchSize = 1_000

    func writeTable(_ table: TenantTable, tx: TenantTransaction, into root: URL) async throws -> Manifest.TableFile {
        let path = "data/\(table.name).jsonl"
        let file = try await StagedFile.create(root.appendingPathComponent(path))
        defer { file.close() }
        try await tx.base.run(script: table.declare)
        var rows = 0
        while true {
            let batch = try await tx.rows("FETCH 1000 FROM portico_export")
            if batch.isEmpty { break }
            var text = ""
            for row in batch { text += (row.text(at: 0) ?? "null") + "\n" }
            try await file.append(Data(text.utf8))
            rows += batch.count
            if batch.count < Self.batchSize { break }
        }
        try await tx.base.run(script: "CLOSE portico_export")
        return Manifest.TableFile(table: table.name, file: path, rows: rows, columns: table.columns, omittedColumns: table.omitted)
    }

    /// `data/tenants.jsonl`: the tenant's own row.
    func writeTenantRow(_ tenant: Tenant, tx: TenantTransaction, into root: URL) async throws -> Manifest.TableFile {
        let path = "data/tenants.jsonl"
        let row = try await tx.first(
            "SELECT row_to_json(t)::text AS line, array(SELECT jsonb_object_keys(to_jsonb(t))) AS columns FROM tenants t WHERE t.id = \(tenant.id)")
        guard let row else { throw LifecycleError("The tenant \(tenant.slug) no longer exists") }
        let file = try await StagedFile.create(root.appendingPathComponent(path))
        defer { file.close() }
        try await file.append(Data((try row.decode("line", as: String.self) + "\n").utf8))
        return Manifest.TableFile(table: "tenants", file: path, rows: 1, columns: try row.decode("columns"), omittedColumns: [])
    }

    func writeCSV(_ export: CSVExport, tx: TenantTransaction, into root: URL) async throws -> Manifest.CSVFile {
        let path = "csv/\(export.fileName)"
        let file = try await StagedFile.create(root.appendingPathComponent(path))
        defer { file.close() }
        try await file.append(Data(CSVWriter.row(export.header).utf8))
        var cursor: String?
        var rows = 0
        repeat {
            let page = try await export.page(cursor, CSVExport.pageSize, tx)
            var chunk = ""
            for row in page.rows { chunk += CSVWriter.row(row) }
            try await file.append(Data(chunk.utf8))
            rows += page.rows.count
            cursor = page.cursor
        } while cursor != nil
        return Manifest.CSVFile(file: path, title: export.title, rows: rows)
    }

    func copyBlob(_ key: BlobKey, tenant: TenantID, into root: URL) async throws -> Manifest.StoredFile {
        let path = "files/\(key.rawValue)"
        let content = try await blobStore.open(tenant: tenant, key: key)
        let file = try await StagedFile.create(root.appendingPathComponent(path))
        defer { file.close() }
        let hasher = SHA256Hasher()
        var size: Int64 = 0
        for try await chunk in content {
            let data = Data(chunk.readableBytesView)
            hasher.update(data)
            size += Int64(data.count)
            try await file.append(data)
        }
        return Manifest.StoredFile(path: path, size: size, sha256: Hex.encode(hasher.finalize()))
    }
}

/// A new file being written in chunks, each write on a GCD thread. Mode 0600.
final class StagedFile: @unchecked Sendable {
    private let handle: FileHandle

    private init(_ handle: FileHandle) {
        self.handle = handle
    }

    static func create(_ url: URL) async throws -> StagedFile {
        try await offThread {
            guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw LifecycleError("Cannot create \(url.path)")
            }
            return StagedFile(try FileHandle(forWritingTo: url))
        }
    }

    func append(_ data: Data) async throws {
        guard !data.isEmpty else { return }
        try await offThread { try self.handle.write(contentsOf: data) }
    }

    func close() {
        try? handle.close()
    }
}
