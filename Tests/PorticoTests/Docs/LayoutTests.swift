import Foundation
import Testing

/// The application module is sorted one way, by feature, and the architecture doc names every
/// folder: a newcomer finds a feature's code from its name, and a folder added without a word in
/// the doc, a one-file folder, or a test folder that mirrors nothing fails here.
@Suite("Code layout: feature folders, named in the architecture doc, mirrored by the tests")
struct LayoutTests {
    static let sources = DocsTests.root.appendingPathComponent("Sources/Portico")
    static let tests = DocsTests.root.appendingPathComponent("Tests/PorticoTests")
    /// Suites that span features and so mirror no source folder.
    static let crossFeatureSuites: Set<String> = ["Performance", "Deploy", "Docs"]

    static func folders(in url: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: [.isDirectoryKey])
            .filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
            .map(\.lastPathComponent).sorted()
    }

    /// The "Folders: one per feature" section of docs/architecture.md.
    static func folderSection() throws -> String {
        let text = try String(contentsOf: DocsTests.root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let start = try #require(text.range(of: "## Folders: one per feature"), "docs/architecture.md has no folder section")
        let rest = text[start.upperBound...]
        let end = rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    @Test("every folder of Sources/Portico is named in the architecture doc's folder section")
    func everySourceFolderIsDocumented() throws {
        let section = try Self.folderSection()
        let undocumented = try Self.folders(in: Self.sources).filter { $0 != "Resources" && !section.contains("`\($0)`") }
        #expect(undocumented.isEmpty, "name these folders in docs/architecture.md#folders-one-per-feature: \(undocumented)")
    }

    @Test("no source folder holds a single file: one-file folders fold into their feature")
    func noOneFileFolders() throws {
        let enumerator = try #require(FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: [.isDirectoryKey]))
        var lonely: [String] = []
        for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
            let entries = try FileManager.default.contentsOfDirectory(atPath: url.path)
            if url.lastPathComponent != "Resources" && entries.count == 1 { lonely.append(url.path) }
        }
        #expect(lonely.isEmpty, "fold these into their feature: \(lonely)")
    }

    @Test("every test folder mirrors a source folder, or is a suite that spans features")
    func testFoldersMirrorSources() throws {
        let sourceFolders = Set(try Self.folders(in: Self.sources))
        let strays = try Self.folders(in: Self.tests).filter { !sourceFolders.contains($0) && !Self.crossFeatureSuites.contains($0) }
        #expect(strays.isEmpty, "test folders with no source folder of the same name: \(strays)")
        let section = try Self.folderSection()
        for suite in Self.crossFeatureSuites {
            #expect(section.contains("`\(suite)`"), "docs/architecture.md should name the cross-feature suite \(suite)")
        }
    }

    @Test("no controller holds SQL: handlers call repositories, which own the tables")
    func controllersHoldNoSQL() throws {
        let statement = try Regex(#"\b(SELECT\s.+\sFROM|SELECT set_config|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b"#)
        let enumerator = try #require(FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil))
        var offenders: [String] = []
        for case let url as URL in enumerator where url.lastPathComponent.contains("Controller") && url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            if text.contains(statement) { offenders.append(url.lastPathComponent) }
        }
        #expect(offenders.isEmpty, "move these controllers' SQL into their feature's repository: \(offenders.sorted())")
    }

    @Test("a controller holds the few services it uses, not the whole AppDependencies")
    func controllersReceiveTheirServices() throws {
        let enumerator = try #require(FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil))
        var offenders: [String] = []
        for case let url as URL in enumerator where url.lastPathComponent.contains("Controller") && url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            if text.contains("AppDependencies") { offenders.append(url.lastPathComponent) }
        }
        #expect(
            offenders.isEmpty,
            "give these controllers the services they use (see App/AppDependencies+Services.swift): \(offenders.sorted())")
    }
}
