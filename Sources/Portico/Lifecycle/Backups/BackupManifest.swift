import Foundation

/// `manifest.json`, the first member of every backup archive: what the archive holds and
/// how to check it. `format_version` changes only when a reader of the old format could
/// misread the new one.
public struct BackupManifest: Codable, Sendable, Equatable {
    public static let formatName = "portico-backup"
    public static let currentFormatVersion = 1
    public static let fileName = "manifest.json"
    public static let databaseFile = "database.dump"
    public static let filesDirectory = "files"

    /// One member of the archive besides the manifest.
    public struct Entry: Codable, Sendable, Equatable {
        public var path: String
        public var size: Int64
        public var sha256: String
    }

    public var format: String
    public var formatVersion: Int
    public var porticoVersion: String
    /// The newest migration applied to the database when it was dumped.
    public var migrationLevel: Int
    public var createdAt: Date
    public var postgresServerVersion: String
    public var databaseName: String
    public var tenantCount: Int
    public var fileCount: Int
    /// `database.dump` (pg_dump custom format) and every uploaded file under `files/`.
    public var entries: [Entry]

    public var totalBytes: Int64 { entries.reduce(0) { $0 + $1.size } }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    func encoded() throws -> Data { try Self.encoder.encode(self) }

    static func decode(_ data: Data) throws -> BackupManifest {
        do {
            return try decoder.decode(BackupManifest.self, from: data)
        } catch {
            throw LifecycleError("manifest.json is not a Portico backup manifest (\(error))")
        }
    }

    /// Problems that make the manifest untrustworthy before any checksum is looked at.
    func sanityProblems(now: Date = Date()) -> [String] {
        var problems: [String] = []
        if format != Self.formatName { problems.append("manifest format is '\(format)', not '\(Self.formatName)'") }
        if formatVersion < 1 || formatVersion > Self.currentFormatVersion {
            problems.append("manifest format_version \(formatVersion) is not one this portico reads (1…\(Self.currentFormatVersion))")
        }
        if migrationLevel < 1 { problems.append("manifest migration_level \(migrationLevel) is not a migration number") }
        if createdAt > now.addingTimeInterval(24 * 3600) { problems.append("manifest created_at \(createdAt) is in the future") }
        if !entries.contains(where: { $0.path == Self.databaseFile }) { problems.append("manifest lists no \(Self.databaseFile)") }
        if Set(entries.map(\.path)).count != entries.count { problems.append("manifest lists a member twice") }
        for entry in entries {
            if !Self.isSafeMemberPath(entry.path) { problems.append("manifest lists an unsafe member path '\(entry.path.prefix(120))'") }
            if entry.size < 0 || entry.sha256.count != 64 {
                problems.append("manifest entry \(entry.path.prefix(120)) has no valid size and SHA-256")
            }
        }
        if fileCount != entries.count - 1 { problems.append("manifest file_count \(fileCount) does not match its \(entries.count - 1) file entries") }
        return problems
    }

    /// `database.dump`, or `files/` followed by plain path components: letters, digits, `-`,
    /// `_` and `.` (not leading). Nothing that could climb out of the directory it is unpacked into.
    static func isSafeMemberPath(_ path: String) -> Bool {
        if path == databaseFile { return true }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count >= 2, components[0] == "files", path.utf8.count <= 1000 else { return false }
        return components.dropFirst().allSatisfy { component in
            !component.isEmpty && component.first != "."
                && component.unicodeScalars.allSatisfy {
                    ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || $0 == "-" || $0 == "_" || $0 == "."
                }
        }
    }
}
