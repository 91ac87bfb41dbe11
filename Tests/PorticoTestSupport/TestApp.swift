import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Mailer
import NIOCore
import NIOEmbedded
import Portico
import PorticoCrypto
import Postgres

/// A response as a test sees it.
public struct HTTPTestResponse: Sendable {
    public let status: HTTPResponse.Status
    public let headers: HTTPFields
    public let body: String
    /// The body as bytes (binary downloads).
    public var bytes: [UInt8] = []

    public func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
    public func headers(_ name: String) -> [String] { headers[values: HTTPField.Name(name)!] }
}

/// The application as `portico serve` builds it, on the shared test database, with requests
/// sent in-process to the router under any Host header (and peer address) a test chooses.
public final class TestApp: Sendable {
    public let dependencies: AppDependencies
    let responder: any HTTPResponder<AppRequestContext>
    let logger: Logger

    /// Argon2id at its production parameters, shared by the tests (a pool per test would
    /// multiply 19 MiB buffers for nothing).
    public static let hasher = PasswordHasher(concurrency: 2)

    public static func configuration(trustedProxies: [IPNetwork] = [], scheme: AppConfiguration.Scheme = .http) -> AppConfiguration {
        AppConfiguration(
            baseDomain: "localhost", operatorHost: "operator.localhost",
            dataDirectory: TestCluster.dataDirectory.appendingPathComponent("app-data"),
            publicScheme: scheme, logLevel: .warning, trustedProxies: trustedProxies, publicPort: 8080
        )
    }

    /// Dependencies against the test database with their own pool and listener.
    public static func dependencies(
        configuration: AppConfiguration = TestApp.configuration(), databaseURL: String? = nil,
        mailTransport: (any MailTransport)? = nil,
        dnsResolver: (any DNSResolver)? = nil, logger: Logger? = nil,
        catalogs: MessageCatalogs? = nil
    ) async throws -> AppDependencies {
        let database = try await TestCluster.database()
        let url = databaseURL ?? database.appURL
        let logger = logger ?? TestLogging.logger("app")
        let pool = ConnectionPool(configuration: PoolConfiguration(conninfo: url, maxConnections: 6, acquireTimeout: .seconds(60)), logger: logger)
        let listener = NotificationListener(conninfo: url, channels: AppDependencies.notificationChannels, logger: logger)
        let themes = try ThemeLibrary(directory: try ResourceLocator.directory(named: "Themes"))
        let catalogs = try catalogs ?? MessageCatalogs(directory: try ResourceLocator.directory(named: "Locales"))
        // Every page and email a test renders must be readable without reflection.
        return AppDependencies(
            configuration: configuration, pool: pool, listener: listener,
            tenants: PostgresTenantStore(pool: pool), renderer: PageRenderer(themes: themes, catalogs: catalogs, auditsViews: true),
            hasher: TestApp.hasher, logger: logger,
            mailTransport: mailTransport, dnsResolver: dnsResolver ?? UnreachableDNSResolver()
        )
    }

    init(dependencies: AppDependencies) async throws {
        self.dependencies = dependencies
        self.responder = try await buildRouter(dependencies).buildResponder()
        self.logger = dependencies.logger
    }

    /// Runs `body` with an application whose notification listener runs (cache invalidation,
    /// live updates), and tears it down afterwards.
    public static func with<T: Sendable>(
        configuration: AppConfiguration = TestApp.configuration(),
        databaseURL: String? = nil,
        mailTransport: (any MailTransport)? = nil,
        dnsResolver: (any DNSResolver)? = nil,
        logger: Logger? = nil,
        catalogs: MessageCatalogs? = nil,
        _ body: (TestApp) async throws -> T
    ) async throws -> T {
        try await ConnectionBudget.applications.withSlot {
            try await run(
                configuration: configuration, databaseURL: databaseURL, mailTransport: mailTransport, dnsResolver: dnsResolver,
                logger: logger, catalogs: catalogs, body)
        }
    }

    private static func run<T: Sendable>(
        configuration: AppConfiguration, databaseURL: String?, mailTransport: (any MailTransport)?, dnsResolver: (any DNSResolver)?,
        logger: Logger?, catalogs: MessageCatalogs?, _ body: (TestApp) async throws -> T
    ) async throws -> T {
        let dependencies = try await dependencies(
            configuration: configuration, databaseURL: databaseURL, mailTransport: mailTransport,
            dnsResolver: dnsResolver, logger: logger, catalogs: catalogs)
        let app = try await TestApp(dependencies: dependencies)
        let events = dependencies.listener.subscribe()
        dependencies.listener.start()
        let follower = Task { await dependencies.directory.followChanges(events) }
        // Tests that change data and expect to hear about it need the LISTEN in place first.
        let listening = ContinuousClock.now + .seconds(20)
        while !dependencies.listener.isListening && ContinuousClock.now < listening {
            try await Task.sleep(for: .milliseconds(10))
        }
        // Not `dependencies.shutdown()`: the password hasher is shared by all tests.
        func stop() async {
            await dependencies.listener.stop()
            await dependencies.pool.close()
            await follower.value
        }
        do {
            let result = try await body(app)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    /// An application whose notification listener never starts: for tests of a database that
    /// cannot be reached, where waiting for the LISTEN would only cost time.
    public static func withoutListener<T: Sendable>(_ dependencies: AppDependencies, _ body: (TestApp) async throws -> T) async throws -> T {
        let app = try await TestApp(dependencies: dependencies)
        do {
            let result = try await body(app)
            await dependencies.pool.close()
            return result
        } catch {
            await dependencies.pool.close()
            throw error
        }
    }

    /// Sends a request as a client at `peer` would, for `host`.
    public func request(
        _ method: HTTPRequest.Method, _ path: String, host: String?, headers: HTTPFields = [:], body: String? = nil,
        peer: String = "203.0.113.9"
    ) async throws -> HTTPTestResponse {
        var fields = headers
        if let body { fields[.contentLength] = String(body.utf8.count) }
        return try await send(method, path, host: host, headers: fields, body: RequestBody(buffer: ByteBuffer(string: body ?? "")), peer: peer)
    }

    /// Sends a request with any body (bytes, or a stream a test controls).
    public func send(
        _ method: HTTPRequest.Method, _ path: String, host: String?, headers: HTTPFields, body: RequestBody, peer: String = "203.0.113.9"
    ) async throws -> HTTPTestResponse {
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: host, path: path, headerFields: headers),
            body: body
        )
        let channel = NIOAsyncTestingChannel()
        channel.remoteAddress = try SocketAddress(ipAddress: peer, port: 51_000)
        let context = AppRequestContext(
            source: ApplicationRequestContextSource(
                channel: channel, logger: logger.with(metadataKey: "hb.request.id", value: .string(UUID().uuidString.prefix(8).lowercased()))
            ))
        let response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch {
            return HTTPTestResponse(status: .internalServerError, headers: [:], body: "unhandled: \(error)")
        }
        let collector = BodyCollector()
        try await response.body.write(collector)
        let bytes = collector.bytes()
        return HTTPTestResponse(status: response.status, headers: response.headers, body: String(decoding: bytes, as: UTF8.self), bytes: bytes)
    }

    public func get(_ path: String, host: String?, headers: HTTPFields = [:]) async throws -> HTTPTestResponse {
        try await request(.get, path, host: host, headers: headers)
    }
}

/// Tests never reach real DNS: without a fake of their own, every lookup fails fast.
public struct UnreachableDNSResolver: DNSResolver {
    public init() {}
    public func txtRecords(for name: String) async throws -> [String] { throw DNSLookupError.temporaryFailure }
}

/// Collects a response body in memory.
final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
    private var buffer = ByteBuffer()
    private let lock = NSLock()

    func write(_ buffer: ByteBuffer) async throws {
        var copy = buffer
        lock.withLock { self.buffer.writeBuffer(&copy) }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}

    func bytes() -> [UInt8] {
        lock.withLock { Array(buffer.readableBytesView) }
    }
}

private extension Logger {
    func with(metadataKey key: String, value: Logger.MetadataValue) -> Logger {
        var logger = self
        logger[metadataKey: key] = value
        return logger
    }
}

/// Gathers a streamed response body as it arrives (Server-Sent Events).
public final class StreamCollector: ResponseBodyWriter, @unchecked Sendable {
    private var buffer = ""
    private let lock = NSLock()

    public init() {}

    public func write(_ buffer: ByteBuffer) async throws {
        lock.withLock { self.buffer += String(buffer: buffer) }
    }

    public func finish(_ trailingHeaders: HTTPFields?) async throws {}

    public var text: String { lock.withLock { buffer } }
}

extension TestApp {
    /// Sends a request and streams its response body into `collector` until it ends or the
    /// task is cancelled.
    public func stream(
        _ method: HTTPRequest.Method, _ path: String, host: String, headers: HTTPFields = [:], into collector: StreamCollector
    ) async throws -> HTTPResponse.Status {
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: host, path: path, headerFields: headers),
            body: RequestBody(buffer: ByteBuffer()))
        let channel = NIOAsyncTestingChannel()
        channel.remoteAddress = try SocketAddress(ipAddress: "203.0.113.77", port: 51_000)
        let context = AppRequestContext(
            source: ApplicationRequestContextSource(
                channel: channel, logger: logger.with(metadataKey: "hb.request.id", value: .string("stream"))))
        let response = try await responder.respond(to: request, context: context)
        try await response.body.write(collector)
        return response.status
    }
}
