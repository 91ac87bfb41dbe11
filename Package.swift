// swift-tools-version:6.2
import CompilerPluginSupport
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "portico",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "portico", targets: ["portico"]),
        .executable(name: "portico-bench", targets: ["portico-bench"]),
    ],
    // Exact versions: the same sources build on every machine. Transitive packages are
    // checked against deploy/dependency-versions.txt (scripts/check-dependency-versions.sh),
    // since Package.resolved stays out of git (README, "Versions and reproducible builds").
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", exact: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        // HTTPRequestPart / HTTPResponsePart for the slow-client handlers in Hummingbird's pipeline.
        .package(url: "https://github.com/apple/swift-nio-extras", exact: "1.35.2"),
        .package(url: "https://github.com/vapor/multipart-kit", exact: "4.7.1"),
        // CSV import in the staff console: an RFC 4180 reader (quoted fields with embedded
        // delimiters, quotes and newlines, CRLF or LF, any single-character delimiter), so the
        // import does not carry a hand-written parser. Export keeps our own `CSVWriter`, which
        // neutralises formula cells.
        .package(url: "https://github.com/yaslab/CSV.swift", exact: "2.5.2"),
        // Prometheus /metrics on the internal listener: swift-metrics is the ecosystem's metrics
        // API (Hummingbird's MetricsMiddleware and our own counters speak it) and swift-prometheus
        // is its maintained Prometheus backend (text exposition, histogram buckets, label escaping).
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        // A subscriber's own data as a ZIP (the format every phone and desktop opens without a
        // tool): small archives, written once. Backups and tenant exports stay tar (ArchiveFiles).
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        // Golden HTML and email snapshots (Tests/PorticoSnapshotTests): the reviewed output is a
        // committed file, a change to a template or view shows up as a diff in review, and a test
        // fails when the rendering changes without the snapshot being re-recorded on purpose.
        .package(url: "https://github.com/pointfreeco/swift-snapshot-testing", exact: "1.19.7"),
        // The `@MustacheView` macro (Sources/PorticoMacros): view models that swift-mustache reads
        // through `MustacheParent` instead of `Mirror`. 603 is the swift-syntax of Swift 6.3.
        .package(url: "https://github.com/swiftlang/swift-syntax", exact: "603.0.1"),
    ],
    targets: [
        // C libraries from the system (Debian: libpq-dev, libargon2-dev, libssl-dev, libcurl4-openssl-dev).
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // libcurl, and (openssl_at_exit.c) OpenSSL told not to free its state while threads may use it at exit.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl"), .linkedLibrary("crypto")]),
        // The system resolver (glibc: <resolv.h>, libresolv) for DNS TXT verification of custom domains.
        .systemLibrary(name: "CResolv"),
        // `portico --version`: "dev", or what scripts/build-release.sh links in (git describe).
        .target(name: "CPorticoVersion"),

        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                // Pool acquire time; a no-op until the process bootstraps a metrics backend.
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PorticoCrypto",
            dependencies: [
                "CArgon2", "COpenSSL",
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Mailer",
            dependencies: [
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Outgoing webhooks: one POST through a libcurl easy handle, on a thread pool.
        .target(
            name: "HTTPPost",
            dependencies: [
                "CCurl",
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // `@MustacheView`: generates each view model's `MustacheParent.child(named:)` from its
        // stored properties, so templates read views without reflection.
        .macro(
            name: "PorticoMacros",
            dependencies: [
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftSyntaxBuilder", package: "swift-syntax"),
                .product(name: "SwiftDiagnostics", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Portico",
            dependencies: [
                "Postgres", "PorticoCrypto", "Mailer", "CResolv", "HTTPPost", "CPorticoVersion", "PorticoMacros",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                // Uploads: blocking file I/O on NIOThreadPool, clamd over a UNIX socket.
                .product(name: "NIOPosix", package: "swift-nio"),
                // HTTPParserError: a request body that broke off is the client's 400, not our 503.
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            resources: [.copy("Resources/common-passwords.txt")],
            swiftSettings: swiftSettings,
            linkerSettings: [.linkedLibrary("resolv")]
        ),
        .executableTarget(
            name: "portico",
            dependencies: [
                "Portico", "PorticoCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "portico-bench",
            dependencies: ["Postgres"],
            swiftSettings: swiftSettings
        ),

        // Tests: a shared harness (embedded test cluster, SMTP server, app builder), then suites.
        .target(
            name: "PorticoTestSupport",
            dependencies: [
                "Portico", "Postgres", "Mailer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/PorticoTestSupport",
            exclude: ["smtp_test_server.py", "mime_inspect.py", "ics_inspect.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PostgresTests",
            dependencies: ["Postgres", "Portico", "PorticoTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MailerTests",
            dependencies: ["Mailer", "PorticoTestSupport"],
            swiftSettings: swiftSettings
        ),
        // Every page and every email kind rendered for two tenants of different brandings, compared
        // byte for byte with the committed snapshots under __Snapshots__.
        .testTarget(
            name: "PorticoSnapshotTests",
            dependencies: [
                "Portico", "PorticoTestSupport", "Postgres",
                .product(name: "SnapshotTesting", package: "swift-snapshot-testing"),
            ],
            exclude: ["__Snapshots__"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PorticoMacrosTests",
            dependencies: [
                "PorticoMacros",
                .product(name: "SwiftSyntaxMacroExpansion", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacrosGenericTestSupport", package: "swift-syntax"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PorticoTests",
            dependencies: [
                "Portico", "PorticoTestSupport", "Postgres", "PorticoCrypto", "Mailer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                // Opens the subscriber's data download in tests.
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
