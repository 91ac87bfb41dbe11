import Foundation
import PorticoCrypto

/// An uploaded import file waiting for its mapping, dry run and import. The text (always
/// UTF-8, whatever the upload's encoding) and this description live under
/// `PORTICO_DATA_DIR/imports/<tenant id>/<random id>.{csv,json}`, mode 0600: the browser only
/// ever holds the random id, and another tenant's id is simply not found.
struct ImportUpload: Codable, Sendable {
    let id: String
    let tenantId: UUID
    let fileName: String
    let uploadedAt: Date
    let uploadedBy: UUID
    let byteCount: Int
    let encoding: CSVTextEncoding
    let delimiter: CSVDelimiter
    let header: [String]
    let samples: [[String]]
    let rowCount: Int
    /// The mapping last chosen (the automatic one until the admin changes it).
    var mapping: [String]
}

struct ImportFiles: Sendable {
    let root: URL

    init(dataDirectory: URL) {
        root = dataDirectory.appendingPathComponent("imports", isDirectory: true)
    }

    /// Uploads are kept at most this long; the maintenance service removes older ones.
    static let lifetime: TimeInterval = 24 * 60 * 60

    private func folder(_ tenant: TenantID) -> URL {
        root.appendingPathComponent(tenant.rawValue.uuidString.lowercased(), isDirectory: true)
    }

    /// Ids are ours (24 random bytes, URL-safe base64): anything else is not one.
    static func isWellFormed(_ id: String) -> Bool {
        id.count == 32 && id.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "_" }
    }

    static func newId() -> String { SecureRandom.token(bytes: 24) }

    func save(_ upload: ImportUpload, text: String, tenant: TenantID) throws {
        let directory = folder(tenant)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try write(Data(text.utf8), to: directory.appendingPathComponent("\(upload.id).csv"))
        try saveDescription(upload, tenant: tenant)
    }

    func saveDescription(_ upload: ImportUpload, tenant: TenantID) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        try write(try encoder.encode(upload), to: folder(tenant).appendingPathComponent("\(upload.id).json"))
    }

    /// Writes a new file readable by this process's user only, replacing any old one.
    private func write(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        if rename(temporary.path, url.path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown)
        }
    }

    /// The upload with this id in this tenant's folder, or the same 404 as for a missing one.
    func load(_ id: String, tenant: TenantID) throws -> ImportUpload {
        guard Self.isWellFormed(id),
            let data = FileManager.default.contents(atPath: folder(tenant).appendingPathComponent("\(id).json").path)
        else { throw AppError.notFound("import file") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let upload = try? decoder.decode(ImportUpload.self, from: data), upload.tenantId == tenant.rawValue,
            upload.uploadedAt.addingTimeInterval(Self.lifetime) > Date()
        else { throw AppError.notFound("import file") }
        return upload
    }

    func text(of upload: ImportUpload, tenant: TenantID) throws -> String {
        guard let data = FileManager.default.contents(atPath: folder(tenant).appendingPathComponent("\(upload.id).csv").path) else {
            throw AppError.notFound("import file")
        }
        return String(decoding: data, as: UTF8.self)
    }

    func delete(_ id: String, tenant: TenantID) {
        guard Self.isWellFormed(id) else { return }
        for suffix in ["csv", "json"] {
            try? FileManager.default.removeItem(at: folder(tenant).appendingPathComponent("\(id).\(suffix)"))
        }
    }

    /// Removes uploads older than `lifetime` in every tenant's folder; returns how many files went.
    @discardableResult
    func sweep(now: Date = Date()) -> Int {
        let manager = FileManager.default
        guard let tenants = try? manager.contentsOfDirectory(at: root, includingPropertiesForKeys: nil) else { return 0 }
        var removed = 0
        for tenant in tenants {
            guard let files = try? manager.contentsOfDirectory(at: tenant, includingPropertiesForKeys: [.contentModificationDateKey]) else {
                continue
            }
            for file in files {
                let modified = (try? file.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
                if now.timeIntervalSince(modified) > Self.lifetime, (try? manager.removeItem(at: file)) != nil { removed += 1 }
            }
        }
        return removed
    }
}
