import Foundation
import Portico
import Testing

/// The alert rules and the dashboard in deploy/ use only series Portico exports, and the
/// Postgres module's acquire timer has the name the metrics code expects.
@Suite("deploy/ metrics files agree with the exported series")
struct MetricsFilesTests {
    static func seriesNames(in path: String) throws -> Set<String> {
        let text = try DeployFilesTests.read(path)
        var names: Set<String> = []
        for match in text.matches(of: #/portico_[a-z_]+/#) {
            var name = String(match.output)
            for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) && !PorticoMetrics.Name.all.contains(name) {
                name = String(name.dropLast(suffix.count))
            }
            names.insert(name)
        }
        return names
    }

    @Test("deploy/prometheus-alerts.yml and deploy/grafana-dashboard.json name only exported series")
    func namesExist() throws {
        let exported = Set(PorticoMetrics.Name.all)
        for path in ["deploy/prometheus-alerts.yml", "deploy/grafana-dashboard.json"] {
            let used = try Self.seriesNames(in: path)
            #expect(!used.isEmpty, "\(path) names no series")
            #expect(used.subtracting(exported).isEmpty, "\(path) names series Portico does not export: \(used.subtracting(exported).sorted())")
        }
        let acquire = try String(contentsOf: DeployFilesTests.root.appendingPathComponent("Sources/Postgres/ConnectionPool.swift"), encoding: .utf8)
        #expect(acquire.contains("\"\(PorticoMetrics.Name.poolAcquire)\""))
    }

    @Test("the dashboard is valid JSON with panels")
    func dashboardParses() throws {
        let data = Data(try DeployFilesTests.read("deploy/grafana-dashboard.json").utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((object["panels"] as? [Any])?.count ?? 0 >= 8)
    }
}
