import Foundation
import Postgres

/// `portico backup verify`: is this archive a complete, undamaged Portico backup?
///
/// Checks that the manifest is sane, that the archive holds exactly the members it lists
/// (regular files only, nothing that could unpack outside its folder), that every member's
/// size and SHA-256 match, and that `pg_restore --list` reads the dump.
public struct BackupVerification: Sendable {
    public let file: URL
    public let manifest: BackupManifest?
    public let problems: [String]

    public var isValid: Bool { manifest != nil && problems.isEmpty }

    public static func check(_ file: URL) async throws -> BackupVerification {
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw LifecycleError("No backup file at \(file.path)")
        }
        let manifest: BackupManifest
        do {
            manifest = try await readManifest(file)
        } catch {
            return BackupVerification(file: file, manifest: nil, problems: ["\(error)"])
        }
        var problems = manifest.sanityProblems()
        guard problems.isEmpty else { return BackupVerification(file: file, manifest: manifest, problems: problems) }

        let names: [String]
        let sums: [String: (sha256: String, size: Int64)]
        do {
            names = try await Tar.names(file)
            sums = try await Tar.checksums(file)
        } catch {
            return BackupVerification(file: file, manifest: manifest, problems: ["\(error)"])
        }
        let listed = Dictionary(uniqueKeysWithValues: manifest.entries.map { ($0.path, $0) })
        for name in names {
            if name == BackupManifest.fileName { continue }
            if name.hasSuffix("/") {
                let directory = String(name.dropLast())
                if !(directory == BackupManifest.filesDirectory || BackupManifest.isSafeMemberPath(directory)) {
                    problems.append("the archive holds an unexpected directory '\(name.prefix(120))'")
                }
                continue
            }
            if listed[name] == nil { problems.append("the archive holds '\(name.prefix(120))', which the manifest does not list") }
            else if sums[name] == nil { problems.append("'\(name.prefix(120))' is not a regular file") }
        }
        if Set(names).count != names.count { problems.append("the archive holds a member twice") }
        for entry in manifest.entries {
            guard let sum = sums[entry.path] else {
                problems.append("\(entry.path) is missing from the archive")
                continue
            }
            if sum.size != entry.size { problems.append("\(entry.path) has \(sum.size) bytes, the manifest says \(entry.size)") }
            else if sum.sha256 != entry.sha256 { problems.append("\(entry.path) does not match its SHA-256 checksum (damaged)") }
        }
        if problems.isEmpty, let dumpProblem = await readableDump(file) { problems.append(dumpProblem) }
        return BackupVerification(file: file, manifest: manifest, problems: problems)
    }

    /// The manifest alone (the archive's first member): cheap enough for `backup list`.
    public static func readManifest(_ file: URL) async throws -> BackupManifest {
        let data: Data
        do {
            data = try await Tar.read(BackupManifest.fileName, from: file)
        } catch {
            throw LifecycleError("\(file.lastPathComponent) has no readable manifest.json: it is not a Portico backup, or it is damaged")
        }
        return try BackupManifest.decode(data)
    }

    /// nil when `pg_restore --list` reads the dump's table of contents and finds the schema in it.
    static func readableDump(_ file: URL) async -> String? {
        do {
            let scratch = try Scratch.directory(near: FileManager.default.temporaryDirectory, prefix: "verify")
            defer { scratch.remove() }
            try await Tar.extract(file, members: [BackupManifest.databaseFile], into: scratch.url)
            let listing = try await PostgresClientTools.locate().run("pg_restore", ["--list", scratch.url.appendingPathComponent(BackupManifest.databaseFile).path])
            guard listing.exitCode == 0 else { return "pg_restore cannot read database.dump: \(listing.output.suffix(300))" }
            guard listing.output.contains("TABLE DATA public schema_migrations") else {
                return "database.dump holds no schema_migrations data: it is not a dump of a Portico database"
            }
            return nil
        } catch {
            return "database.dump could not be checked: \(error)"
        }
    }
}
