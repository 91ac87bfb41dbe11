import Foundation
import Testing

@testable import Portico

/// The shipped catalogs are complete and consistent, every text a template or enum asks for
/// exists, and a broken catalog refuses to start.
@Suite("Message catalogs")
struct MessageCatalogTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..").standardizedFileURL
    static func shipped() throws -> MessageCatalogs {
        try MessageCatalogs(directory: root.appendingPathComponent("Locales"))
    }

    @Test("every key is in every language, with the same placeholders and every plural form the language needs")
    func complete() throws {
        let catalogs = try Self.shipped()
        let english = try #require(catalogs.catalogs[.en])
        for language in Language.allCases {
            let catalog = try #require(catalogs.catalogs[language], "\(language) ships a catalog")
            #expect(Set(catalog.messages.keys) == Set(english.messages.keys), "\(language.code): same keys as English")
            for key in english.messages.keys {
                #expect(catalog.placeholders(of: key) == english.placeholders(of: key), "\(language.code) \(key): same placeholders")
                switch (english.messages[key], catalog.messages[key]) {
                case (.text, .text?): break
                case (.plural, .plural(let forms)?):
                    #expect(language.pluralCategories.isSubset(of: Set(forms.keys)), "\(language.code) \(key): plural forms")
                default:
                    Issue.record("\(language.code) \(key): a plain text in one language is a plural in another")
                }
                if case .text(let text)? = catalog.messages[key] {
                    #expect(!text.trimmingCharacters(in: .whitespaces).isEmpty, "\(language.code) \(key) is not empty")
                }
            }
        }
    }

    @Test("no key is both a text and the prefix of others: `{{t.a.b}}` must mean one thing")
    func keysAreLeavesOrPrefixes() throws {
        let keys = Set(try #require(try Self.shipped().catalogs[.en]).messages.keys)
        for key in keys {
            #expect(!keys.contains { $0.hasPrefix(key + ".") }, "\(key) is a text and a prefix")
        }
    }

    @Test("every {{t.…}} in every theme's templates names a text of the catalog")
    func templatesUseExistingKeys() throws {
        let english = try #require(try Self.shipped().catalogs[.en])
        let themes = Self.root.appendingPathComponent("Themes")
        let enumerator = try #require(FileManager.default.enumerator(atPath: themes.path))
        let pattern = try Regex(#"\{\{\s*[#^/]?\s*([tm])\.([A-Za-z0-9_.]+)\s*\}\}"#)
        var used = 0
        for case let path as String in enumerator where path.hasSuffix(".mustache") {
            let text = try String(contentsOf: themes.appendingPathComponent(path), encoding: .utf8)
            for match in text.matches(of: pattern) {
                // `t.…` is a catalog key as it is; `m.…` (emails) one under `email.`.
                let name = String(text[match.output[2].range!])
                let key = text[match.output[1].range!] == "m" ? "email." + name : name
                used += 1
                guard case .text? = english.messages[key] else {
                    Issue.record("\(path) reads \(key), which the catalog does not have as a text")
                    continue
                }
            }
        }
        #expect(used > 40)
    }

    @Test("statuses and kinds shown to people have a text in every language")
    func enumerationLabels() throws {
        let catalogs = try Self.shipped()
        let keys =
            WorkOrderStatus.allCases.map { "workOrders.status.\($0.rawValue)" }
            + AppointmentStatus.allCases.map { "appointments.status.\($0.rawValue)" }
            + AppointmentKind.allCases.flatMap { ["appointments.kind.\($0.rawValue)", "appointments.visit.\($0.rawValue)"] }
            + WorkOrderPriority.allCases.map { "workOrders.priority.\($0.rawValue)" }
            + ServiceStatus.allCases.map { "organizations.serviceStatus.\($0.rawValue)" }
            + WorkOrderFieldChange.Field.allCases.map { "workOrders.field.\($0.rawValue)" }
            + NotificationPreferences.Group.allCases.map { "notifications.group.\($0.rawValue)" }
            + ["owner", "member"].map { "portal.profile.role.\($0)" }
            + WebhookEventType.allCases.map { "webhooks.event.\($0.rawValue)" }
            + WebhookDeliveryStatus.allCases.map { "console.webhooks.state.\($0.rawValue)" }
        for language in Language.allCases {
            let texts = catalogs.texts(language)
            for key in keys {
                #expect(texts(key) != key, "\(language.code) has \(key)")
            }
        }
        let spanish = catalogs.texts(.es)
        #expect(Texts.$current.withValue(spanish) { WorkOrderStatus.inProgress.label } == "En curso")
    }

    @Test("templates reach texts by dotted names; placeholders fill from Swift")
    func templateAccess() throws {
        let french = try Self.shipped().texts(.fr)
        let title = (french.child(named: "portal") as? Texts.Node)?.child(named: "dashboard").flatMap { ($0 as? Texts.Node)?.child(named: "title") }
        #expect(title as? String == "Accueil")
        #expect(french("portal.dashboard.greeting", ["name": "Zoé"]) == "Bonjour Zoé")
        #expect(french("no.such.key") == "no.such.key")
    }

    @Test("a missing catalog, malformed JSON, a missing key or a missing plural form refuses to start")
    func brokenCatalogsRefuse() throws {
        let shipped = Self.root.appendingPathComponent("Locales")
        func attempt(_ change: (URL) throws -> Void) throws -> String {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("locales-\(UUID().uuidString)")
            try FileManager.default.copyItem(at: shipped, to: directory)
            defer { try? FileManager.default.removeItem(at: directory) }
            try change(directory)
            do {
                _ = try MessageCatalogs(directory: directory)
                return ""
            } catch let error as ConfigurationError {
                return error.message
            }
        }
        #expect(try attempt { _ in } == "")
        #expect(try attempt { try FileManager.default.removeItem(at: $0.appendingPathComponent("fr.json")) }.contains("without fr.json"))
        #expect(try attempt { try Data("{ not json".utf8).write(to: $0.appendingPathComponent("es.json")) }.contains("es.json: not a JSON object"))
        #expect(
            try attempt { directory in
                let url = directory.appendingPathComponent("pt-BR.json")
                var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
                object["layout.menu"] = nil
                try JSONSerialization.data(withJSONObject: object).write(to: url)
            }.contains("pt-BR.json without layout.menu"))
        #expect(
            try attempt { directory in
                let url = directory.appendingPathComponent("fr.json")
                var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
                object["portal.dashboard.moreTasks"] = ["other": "{count} autres tâches"]
                try JSONSerialization.data(withJSONObject: object).write(to: url)
            }.contains("portal.dashboard.moreTasks: needs the plural forms one, other"))
    }
}
