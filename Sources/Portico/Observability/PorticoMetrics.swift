import CoreMetrics
import Foundation
import Metrics
import Prometheus

/// The process's metrics: swift-metrics is the API every part of Portico (and the `Postgres`
/// module) records through; swift-prometheus is the backend whose registry `/metrics` on the
/// internal listener renders in Prometheus' text format.
///
/// `MetricsSystem` is global and may be bootstrapped once per process, so the registry is
/// made on first use and shared by every application in the process (tests run many).
public enum PorticoMetrics {
    /// The registry behind `MetricsSystem`; first use bootstraps it.
    public static var registry: PrometheusCollectorRegistry { bootstrapped }

    /// Call early in `serve` so that metrics recorded before the first scrape are kept.
    public static func bootstrap() { _ = bootstrapped }

    private static let bootstrapped: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Request durations: most pages answer in milliseconds, an import or an Argon2id
        // sign-in in a second or two; anything past 10 s is an outage anyway.
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        factory.durationHistogramBuckets[Name.poolAcquire] = [
            .microseconds(100), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
            .milliseconds(500), .seconds(1), .seconds(5),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Series names, in one place for the dashboard, the alert rules and the tests.
    public enum Name {
        public static let requests = "portico_http_requests_total"
        public static let requestDuration = "portico_http_request_duration_seconds"
        public static let poolInUse = "portico_db_pool_connections_in_use"
        public static let poolOpen = "portico_db_pool_connections_open"
        public static let poolMax = "portico_db_pool_connections_max"
        public static let poolWaiting = "portico_db_pool_waiting_requests"
        /// Recorded by the `Postgres` module on every checkout.
        public static let poolAcquire = "portico_db_pool_acquire_duration_seconds"
        public static let listenConnected = "portico_listen_connected"
        public static let listenState = "portico_listen_state"
        public static let outboxBacklog = "portico_outbox_backlog"
        public static let outboxOldestDue = "portico_outbox_oldest_due_seconds"
        public static let webhookBacklog = "portico_webhook_backlog"
        public static let webhookOldestDue = "portico_webhook_oldest_due_seconds"
        public static let sseConnections = "portico_sse_connections"
        public static let signInFailures = "portico_sign_in_failures_total"
        public static let buildInfo = "portico_build_info"
        public static let scrapeErrors = "portico_metrics_scrape_errors_total"

        /// Every series Portico exports (histograms add `_bucket`, `_sum`, `_count`).
        public static let all = [
            requests, requestDuration, poolInUse, poolOpen, poolMax, poolWaiting, poolAcquire, listenConnected, listenState,
            outboxBacklog, outboxOldestDue, webhookBacklog, webhookOldestDue, sseConnections, signInFailures, buildInfo, scrapeErrors,
        ]
    }

    /// Open Server-Sent Events streams on this instance. Looked up on each use (the registry
    /// returns the same gauge), so a stream opened before the bootstrap is no no-op forever.
    static var sseConnections: Meter { Meter(label: Name.sseConnections) }

    /// A failed password step: wrong identifier or password, or an account that may not sign in.
    /// `actor` is `customer`, `staff` or `operator` — never the identifier itself.
    static func signInFailed(actor: String) {
        Counter(label: Name.signInFailures, dimensions: [("actor", actor)]).increment()
    }
}
