import Foundation

/// Reads Markdown as a newcomer follows it: relative links must lead to a file (and, for a
/// `#fragment`, to a heading in it), and every `portico …` command shown in code must name
/// subcommands and options the command-line tool has.
struct DocsChecker {
    /// The command tree `portico --experimental-dump-help` prints: names of subcommands and options.
    struct Command: Decodable {
        let commandName: String
        let subcommands: [Command]?
        let arguments: [Argument]?

        struct Argument: Decodable {
            let names: [Name]?
            struct Name: Decodable { let name: String }
        }

        var optionNames: Set<String> { Set((arguments ?? []).flatMap { ($0.names ?? []).map(\.name) }) }
        func subcommand(_ name: String) -> Command? { subcommands?.first { $0.commandName == name } }
    }

    let root: URL
    let cli: Command

    /// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
    static func anchor(_ heading: String) -> String {
        String(heading.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == " " })
            .replacingOccurrences(of: " ", with: "-")
    }

    /// Headings outside code fences, with GitHub's `-1`, `-2` suffixes for repeats.
    static func anchors(in markdown: String) -> Set<String> {
        var seen: [String: Int] = [:]
        var result: Set<String> = []
        var fenced = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { fenced.toggle(); continue }
            guard !fenced, let match = line.wholeMatch(of: #/#{1,6} (.+)/#) else { continue }
            let base = anchor(String(match.1))
            let count = seen[base, default: 0]
            seen[base] = count + 1
            result.insert(count == 0 ? base : "\(base)-\(count)")
        }
        return result
    }

    /// Lines of fenced code and the text of inline code spans.
    static func code(in markdown: String) -> [String] {
        var result: [String] = []
        var fenced = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { fenced.toggle(); continue }
            if fenced {
                result.append(String(line))
            } else {
                result += line.matches(of: #/`([^`]+)`/#).map { String($0.1) }
            }
        }
        return result
    }

    /// What is wrong with `file` (a path relative to the repository root), one line per problem.
    func problems(in file: String, text markdown: String) -> [String] {
        linkProblems(in: file, text: markdown) + commandProblems(in: file, text: markdown)
    }

    func linkProblems(in file: String, text markdown: String) -> [String] {
        let directory = root.appendingPathComponent(file).deletingLastPathComponent()
        var problems: [String] = []
        var fenced = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { fenced.toggle(); continue }
            if fenced { continue }
            for match in line.matches(of: #/\]\(([^)\s]+)\)/#) {
                let target = String(match.1)
                if target.contains("://") || target.hasPrefix("mailto:") || target.hasPrefix("/") { continue }
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                let path = String(parts[0])
                let fragment = parts.count > 1 ? String(parts[1]) : nil
                let destination = path.isEmpty ? root.appendingPathComponent(file) : directory.appendingPathComponent(path).standardizedFileURL
                guard FileManager.default.fileExists(atPath: destination.path) else {
                    problems.append("\(file): link to \(target): no such file")
                    continue
                }
                if let fragment, destination.pathExtension == "md" {
                    let text = (try? String(contentsOf: destination, encoding: .utf8)) ?? ""
                    if !Self.anchors(in: text).contains(fragment) {
                        problems.append("\(file): link to \(target): no heading #\(fragment) there")
                    }
                }
            }
        }
        return problems
    }

    func commandProblems(in file: String, text markdown: String) -> [String] {
        var problems: [String] = []
        for line in Self.code(in: markdown) {
            // `sudo -u portico portico …`: the first one is a user name.
            let line = line.replacingOccurrences(of: "-u portico ", with: "")
            for match in line.matches(of: #/(?:^|[\s\/(])portico((?: +[^\s#|;&]+)*)/#) {
                let tokens = match.1.split(separator: " ").map(String.init)
                var command = cli
                var path = ["portico"]
                for (index, token) in tokens.enumerated() {
                    // A word where a subcommand may stand must be one (`a|b` lists alternatives).
                    if command.subcommands?.isEmpty == false, token.wholeMatch(of: #/[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)*/#) != nil {
                        let alternatives = token.split(separator: "|").map(String.init)
                        if let unknown = alternatives.first(where: { command.subcommand($0) == nil }) {
                            problems.append(
                                "\(file): `\(match.0.trimmingCharacters(in: .whitespaces))`: \((path + [unknown]).joined(separator: " ")) is no command"
                            )
                            break
                        }
                        command = command.subcommand(alternatives[0])!
                        path.append(alternatives[0])
                        continue
                    }
                    let rest = tokens[index...].joined(separator: " ")
                    for option in rest.matches(of: #/--([a-z][a-z0-9-]*)/#) where !command.optionNames.contains(String(option.1)) {
                        problems.append(
                            "\(file): `\(match.0.trimmingCharacters(in: .whitespaces))`: \(path.joined(separator: " ")) has no --\(option.1)")
                    }
                    break
                }
            }
        }
        return problems
    }
}
