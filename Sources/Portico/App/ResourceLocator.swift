import Foundation

/// Finds Portico's resource folders (`Migrations/`, `Themes/`) wherever it runs from: the
/// repository (`swift run`, tests), an installed layout (`/usr/share/portico`), or
/// `PORTICO_HOME`.
public enum ResourceLocator {
    public static func directory(named name: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        var candidates: [URL] = []
        if let home = environment["PORTICO_HOME"], !home.isEmpty {
            candidates.append(URL(fileURLWithPath: home).appendingPathComponent(name))
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(name))
        // Walk up from the executable: .build/debug/portico → repository root.
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(directory.appendingPathComponent(name))
            candidates.append(directory.appendingPathComponent("share/portico").appendingPathComponent(name))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: "/usr/share/portico").appendingPathComponent(name))
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate.standardizedFileURL
            }
        }
        throw ConfigurationError(
            variable: "PORTICO_HOME", message: "does not lead to Portico's \(name)/ folder; set it to the directory that holds \(name)/")
    }
}
