import Foundation

/// The `portico` executable of this build, for tests that run the real command: beside the
/// test bundle (`swift build --build-tests` builds both into the same directory), or
/// `PORTICO_BIN`.
public enum PorticoBinary {
    public static func path() throws -> String {
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["PORTICO_BIN"] { candidates.append(explicit) }
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        // .build/<triple>/debug/portioPackageTests.xctest (a file on Linux, a bundle on macOS).
        for directory in [runner.deletingLastPathComponent(), runner.deletingLastPathComponent().deletingLastPathComponent()] {
            candidates.append(directory.appendingPathComponent("portico").path)
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/portico").path)
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw TestSupportError("the portico executable was not found (looked at \(candidates)); run `swift build --build-tests` or set PORTICO_BIN")
    }

    /// Runs `portico` with exactly `environment` (plus PATH and HOME) and returns its exit
    /// code and what it wrote to standard output and standard error.
    public static func run(
        _ arguments: [String], environment: [String: String], timeout: Duration = .seconds(60)
    ) async throws -> (exitCode: Int32, output: String) {
        var full = environment
        full["PATH"] = full["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        full["HOME"] = full["HOME"] ?? NSTemporaryDirectory()
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("portico-run-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let process = try TestProcess([try path()] + arguments, outputFile: outputFile, environment: full)
        do {
            let code = try await process.waitForExit(timeout: timeout)
            return (code, process.output)
        } catch {
            process.signal(SIGKILL)
            throw error
        }
    }
}
