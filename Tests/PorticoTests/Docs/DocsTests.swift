import Foundation
import Testing

/// README.md and docs/ are what a newcomer and an operator follow: a dead link or a command the
/// tool does not have is a bug in the product, so CI reads them the way a person would.
@Suite("README and docs: links and commands resolve")
struct DocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The command tree of the `portico` binary this test run was built with (it sits beside
    /// the test bundle).
    static func commandTree() throws -> DocsChecker.Command {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("portico")
        try #require(
            FileManager.default.isExecutableFile(atPath: binary.path),
            "no portico binary at \(binary.path): build everything first (swift build --build-tests)")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--experimental-dump-help"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        struct Dump: Decodable { let command: DocsChecker.Command }
        return try JSONDecoder().decode(Dump.self, from: data).command
    }

    static func documents() throws -> [String] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
        return ["README.md"] + docs
    }

    @Test("every relative link in README.md and docs/ leads to a file and heading, and every `portico …` command shown exists with the options shown")
    func everyLinkAndCommandResolves() throws {
        let checker = DocsChecker(root: Self.root, cli: try Self.commandTree())
        let documents = try Self.documents()
        #expect(documents.count >= 7, "README plus the admin, operator, API, security, architecture, development and performance docs")
        var problems: [String] = []
        for document in documents {
            let text = try String(contentsOf: Self.root.appendingPathComponent(document), encoding: .utf8)
            problems += checker.problems(in: document, text: text)
        }
        #expect(problems.isEmpty, "\n\(problems.joined(separator: "\n"))")
    }

    @Test("the checker catches a dead link, a missing heading, an unknown subcommand and an unknown option")
    func checkerCatchesMistakes() throws {
        let checker = DocsChecker(root: Self.root, cli: try Self.commandTree())
        let sample = """
            # Sample
            See [the guide](docs/no-such-guide.md), [operators](docs/operator-guide.md#no-such-heading)
            and [the real one](docs/operator-guide.md#command-line).

            ```sh
            portico tenant rename acme
            portico tenant create --slug acme --colour red
            portico backup list --dir /tmp
            ```
            """
        let problems = checker.problems(in: "README.md", text: sample)
        #expect(problems.count == 4, "\(problems)")
        #expect(problems.contains { $0.contains("no-such-guide.md") && $0.contains("no such file") })
        #expect(problems.contains { $0.contains("#no-such-heading") })
        #expect(problems.contains { $0.contains("portico tenant rename is no command") })
        #expect(problems.contains { $0.contains("portico tenant create has no --colour") })
    }

    @Test("README shows the two commands a newcomer runs, and CI runs the second")
    func twoCommands() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let ci = try String(contentsOf: Self.root.appendingPathComponent(".ci/run"), encoding: .utf8)
        for command in ["deploy/run-local.sh", "Tests/run-all.sh"] {
            #expect(readme.contains("```sh\n\(command)\n```"), "\(command)")
            #expect(FileManager.default.isExecutableFile(atPath: Self.root.appendingPathComponent(command).path), "\(command)")
        }
        #expect(ci.contains("Tests/run-all.sh"))
    }
}
