import Foundation

/// An iCalendar file as Python's `icalendar` (python3-icalendar) reads it: the parser a real
/// calendar tool uses, not ours. `ics_inspect.py` also refuses bare line breaks and long lines.
public struct ICSInspection: Decodable, Sendable {
    public struct Event: Decodable, Sendable {
        public let uid: String
        public let summary: String
        public let location: String
        public let description: String
        public let status: String
        /// ISO 8601 with an offset (`2027-03-14T14:00:00+00:00`); nil for a floating time.
        public let start: String?
        public let end: String?
    }

    public let name: String
    public let timeZone: String
    /// TZIDs of the file's VTIMEZONE components.
    public let timezones: [String]
    public let events: [Event]

    public static func inspect(_ text: String) async throws -> ICSInspection {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ics-\(UUID().uuidString).ics")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = file.appendingPathExtension("json")
        defer { try? FileManager.default.removeItem(at: result) }
        let run = try await TestProcess.run([SMTPTestServer.python, script.path, file.path, result.path])
        guard run.exitCode == 0 else { throw TestSupportError("ics_inspect.py refused the file (\(run.exitCode)): \(run.output)") }
        return try JSONDecoder().decode(ICSInspection.self, from: Data(contentsOf: result))
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("ics_inspect.py")
}
