// swift-tools-version:6.1
import Foundation
import PackageDescription

let package = Package(
    name: "Baton",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "baton", targets: ["baton"]),
        .library(name: "BatonServer", targets: ["BatonServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // Only the OTLP/HTTP exporter: the gRPC one would add grpc-swift to every build.
    ],
    targets: [
        // MARK: - Libraries, lowest first
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(
            name: "BatonCore",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "BatonConfig",
            dependencies: [
                "BatonCore",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "BatonListeners",
            dependencies: [
                "BatonConfig",
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "BatonStorage",
            dependencies: [
                "BatonCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["MigrationEmbedderPlugin"]
        ),
        .target(
            name: "BatonIdentity",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                "BatonCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "BatonVault",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                "BatonCore",
                "BatonStorage",
                "BatonIdentity",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "BatonLedger",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                "BatonCore",
                "BatonStorage",
                "CLibCrypto",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BatonAgentCore",
            dependencies: [
                "BatonConfig",
                "BatonCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "BatonA2A",
            dependencies: [
                "BatonCore",
                "BatonStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "BatonConnectors",
            dependencies: [
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                "BatonCore",
                "BatonConfig",
                "BatonIdentity",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "BatonAgents",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                "BatonCore",
                .product(name: "Metrics", package: "swift-metrics"),
                "BatonConfig",
                "BatonIdentity",
                "BatonLedger",
                "BatonConnectors",
                "BatonA2A",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "BatonServer",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                "BatonAgentCore",
                "BatonListeners",
                "BatonCore",
                "BatonAgents",
                "BatonConnectors",
                "BatonConfig",
                "BatonStorage",
                "BatonIdentity",
                "BatonVault",
                "BatonLedger",
                "BatonA2A",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        .target(
            name: "BatonDevKit",
            dependencies: [
                "BatonCore",
                "BatonListeners",
                "BatonConfig",
                "BatonIdentity",
                "BatonConnectors",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        // MARK: - The command-line tool
        .executableTarget(
            name: "baton",
            dependencies: [
                "BatonAgentCore",
                "BatonCore",
                "BatonAgents",
                "BatonConnectors",
                "BatonConfig",
                "BatonStorage",
                "BatonServer",
                "BatonDevKit",
                "BatonIdentity",
                "BatonVault",
                "BatonLedger",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),

        // MARK: - Build tooling: migrations/*.sql compiled into the binary
        .executableTarget(name: "MigrationEmbedder", path: "Plugins/MigrationEmbedder/Tool"),
        .plugin(
            name: "MigrationEmbedderPlugin",
            capability: .buildTool(),
            dependencies: ["MigrationEmbedder"],
            path: "Plugins/MigrationEmbedder/Plugin"
        ),

        // MARK: - Tests
        .target(
            name: "BatonTestSupport",
            dependencies: [
                "BatonCore",
                "BatonStorage",
                "BatonDevKit",
                "BatonConnectors",
                "BatonIdentity",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/BatonTestSupport"
        ),
        .testTarget(name: "BatonCoreTests", dependencies: ["BatonCore"]),
        .testTarget(name: "BatonAgentCoreTests", dependencies: ["BatonAgentCore", "BatonCore", "BatonTestSupport"]),
        .testTarget(name: "BatonConfigTests", dependencies: ["BatonConfig", "BatonTestSupport", "BatonCore"]),
        .testTarget(
            name: "BatonIdentityTests",
            dependencies: [
                "BatonCore",
                "BatonIdentity",
                "BatonDevKit",
                "BatonTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "BatonDevKitTests",
            dependencies: [
                "BatonConnectors",
                "BatonCore",
                "BatonDevKit",
                "BatonIdentity",
                "BatonTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "X509", package: "swift-certificates"),
                "BatonConfig",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Interop"]
        ),
        .testTarget(
            name: "BatonVaultTests",
            dependencies: [
                "BatonCore",
                "BatonVault",
                "BatonIdentity",
                "BatonStorage",
                "BatonDevKit",
                "BatonTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "BatonLedgerTests",
            dependencies: [
                "BatonCore", "BatonLedger", "BatonStorage", "BatonTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "BatonConnectorsTests",
            dependencies: [
                "BatonCore",
                "BatonConnectors",
                "BatonIdentity",
                "BatonDevKit",
                "BatonTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "BatonAgentsTests",
            dependencies: [
                "BatonCore",
                "BatonAgents",
                "BatonConnectors",
                "BatonIdentity",
                "BatonLedger",
                "BatonVault",
                "BatonStorage",
                "BatonDevKit",
                "BatonTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                "BatonConfig",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "BatonStorageTests",
            dependencies: [
                "BatonCore", "BatonDevKit", "BatonStorage", "BatonTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .testTarget(
            name: "BatonA2ATests",
            dependencies: [
                "BatonA2A", "BatonCore", "BatonStorage", "BatonTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "BatonServerTests",
            dependencies: [
                "BatonCore",
                "BatonServer",
                "BatonConfig",
                "BatonStorage",
                "BatonIdentity",
                "BatonDevKit",
                "BatonLedger",
                "BatonTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                "BatonAgents",
                "BatonConnectors",
                "BatonVault",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Interop"]
        ),
        .testTarget(
            name: "batonTests",
            dependencies: [
                "baton", "BatonCore", "BatonStorage", "BatonVault", "BatonIdentity", "BatonLedger", "BatonDevKit", "BatonTestSupport", "BatonA2A",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
    ]
)

// MARK: - Fuzzing (scripts/fuzz)

// With BATON_FUZZ=1 the package gains `baton-fuzz`, a libFuzzer executable over Baton's
// parsers, and Baton's own modules are compiled with coverage instrumentation and
// AddressSanitizer. Dependencies keep their flags, so only Baton's modules are rebuilt.
if ProcessInfo.processInfo.environment["BATON_FUZZ"] != nil {
    let sanitizers: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer,address"])]
    for target in package.targets where target.type == .regular && target.name.hasPrefix("Baton") && target.name != "BatonTestSupport" {
        target.swiftSettings = (target.swiftSettings ?? []) + sanitizers
    }
    package.products.append(.executable(name: "baton-fuzz", targets: ["BatonFuzz"]))
    package.targets.append(
        .executableTarget(
            name: "BatonFuzz",
            dependencies: ["BatonCore", "BatonConfig", "BatonIdentity", "BatonA2A", "BatonConnectors", "BatonDevKit", "BatonAgents", "BatonLedger"],
            path: "Fuzz/BatonFuzz",
            swiftSettings: [.unsafeFlags(["-sanitize=fuzzer,address", "-parse-as-library"])],
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address"])]
        ))
}
