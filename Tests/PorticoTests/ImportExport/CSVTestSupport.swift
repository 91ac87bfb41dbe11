import Foundation
import HTTPTypes
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

/// Helpers shared by the CSV suites: an admin's browser, uploads, totals of result pages,
/// and what a tenant holds.
enum CSVTesting {
    static func admin(_ app: TestApp, _ tenant: TestTenant) async throws -> Browser {
        let admin = try await tenant.staff(role: .admin)
        let browser = Browser(app: app, host: tenant.host)
        try await browser.signInStaff(admin.email)
        try await browser.get("/admin/import")
        return browser
    }

    /// Uploads `bytes` on the import page; returns the upload id from the redirect.
    static func upload(
        _ browser: Browser, _ bytes: [UInt8], name: String = "subscribers.csv",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let response = try await browser.upload("/admin/import", fileName: name, file: bytes)
        #expect(response.status == .seeOther, "upload answered \(response.status): \(response.body.prefix(600))", sourceLocation: sourceLocation)
        let location = try #require(response.header("Location"), sourceLocation: sourceLocation)
        #expect(location.hasPrefix("/admin/import/"), sourceLocation: sourceLocation)
        return String(location.dropFirst("/admin/import/".count))
    }

    static func upload(
        _ browser: Browser, _ text: String, name: String = "subscribers.csv",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        try await upload(browser, Array(text.utf8), name: name, sourceLocation: sourceLocation)
    }

    /// The mapping the page proposes: column index → field raw value ("" for ignore).
    static func proposedMapping(_ page: String) -> [Int: String] {
        var mapping: [Int: String] = [:]
        var rest = Substring(page)
        while let start = rest.range(of: "<select id=\"map-") {
            rest = rest[start.upperBound...]
            let index = Int(rest.prefix { $0.isNumber }) ?? -1
            let end = rest.range(of: "</select>")!.lowerBound
            let select = rest[..<end]
            if let selected = select.range(of: "\" selected>") {
                let before = select[..<selected.lowerBound]
                let valueStart = before.range(of: "value=\"", options: .backwards)!.upperBound
                mapping[index] = String(before[valueStart...])
            }
            rest = rest[end...]
        }
        return mapping
    }

    /// Runs the mapping form (`mode` dry_run or import) with `mapping` (column → field).
    static func submit(_ browser: Browser, id: String, mapping: [Int: String], mode: String) async throws -> HTTPTestResponse {
        var fields = ["mode": mode]
        for (index, value) in mapping { fields["map_\(index)"] = value }
        return try await browser.post("/admin/import/\(id)", fields)
    }

    /// Dry run or import with the mapping the page proposes.
    static func run(_ browser: Browser, id: String, mode: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> HTTPTestResponse
    {
        let page = try await browser.get("/admin/import/\(id)")
        #expect(page.status == .ok, sourceLocation: sourceLocation)
        let response = try await submit(browser, id: id, mapping: proposedMapping(page.body), mode: mode)
        #expect(response.status == .ok, "\(mode) answered \(response.status): \(response.body.prefix(800))", sourceLocation: sourceLocation)
        return response
    }

    /// The totals a result page shows, by key (`rows`, `created`, `errors`, `customers_created`…).
    static func totals(_ page: String) -> [String: Int] {
        var totals: [String: Int] = [:]
        var rest = Substring(page)
        while let start = rest.range(of: "data-total=\"") {
            rest = rest[start.upperBound...]
            let key = String(rest.prefix { $0 != "\"" })
            let value = rest.drop { $0 != ">" }.dropFirst().prefix { $0 != "<" }.replacingOccurrences(of: ",", with: "")
            totals[key] = Int(value)
        }
        return totals
    }

    struct Counts: Equatable, CustomStringConvertible {
        let organizations: Int
        let customers: Int
        let equipment: Int
        var description: String { "\(organizations) organizations, \(customers) customers, \(equipment) equipment" }
    }

    static func counts(_ tenant: TestTenant) async throws -> Counts {
        try await tenant.transaction { tx in
            let row = try await tx.first(
                """
                SELECT (SELECT count(*) FROM organizations), (SELECT count(*) FROM customers), (SELECT count(*) FROM equipment)
                """)!
            return Counts(
                organizations: try row.decode(at: 0, as: Int.self), customers: try row.decode(at: 1, as: Int.self),
                equipment: try row.decode(at: 2, as: Int.self))
        }
    }

    /// Parses CSV with the import's own reader (CSV.swift underneath).
    static func parse(_ text: String) throws -> (header: [String], rows: [[String]]) {
        let reader = try CSVRecordReader(text: text, delimiter: .comma)
        var rows: [[String]] = []
        while let row = reader.next() { rows.append(row) }
        return (reader.header, rows)
    }

    static func actions(_ tenant: TestTenant) async throws -> [String] {
        try await tenant.transaction { tx in
            try await Repositories.postgres.audit.list(AuditFilter(), limit: 200, offset: 0, in: tx).map(\.action)
        }
    }
}
