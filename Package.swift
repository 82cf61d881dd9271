// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "SkillMetrics",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SkillMetrics", targets: ["SkillMetrics"]),
        .library(name: "SkillMetricsPostgres", targets: ["SkillMetricsPostgres"]),
        .executable(name: "skill-metrics", targets: ["skill-metrics"]),
        .executable(name: "skill-metrics-bench", targets: ["skill-metrics-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // `swift package generate-documentation --target SkillMetrics` (the DocC catalog).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Turns Schemas/migrations/*.sql into Swift source, so the built binary carries
        // its schema and works when copied alone (no resource bundle lookups).
        .executableTarget(
            name: "EmbedMigrations",
            path: "Sources/EmbedMigrations"),
        .plugin(
            name: "EmbedMigrationsPlugin",
            capability: .buildTool(),
            dependencies: ["EmbedMigrations"],
            path: "Sources/EmbedMigrationsPlugin"),
        // sqlite3_db_config, which is variadic, for the core (the connection's trigger switch).
        .target(
            name: "CSQLiteConfig",
            path: "Sources/CSQLiteConfig",
            linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(
            name: "SkillMetrics",
            dependencies: [
                "CSQLiteConfig",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["EmbedMigrationsPlugin"]),
        // The PostgreSQL team log (docs/scale-out.md): kept out of the core so a program that
        // only wants the local log does not link NIO. Embeds Schemas/postgres/*.sql.
        .target(
            name: "SkillMetricsPostgres",
            dependencies: [
                "SkillMetrics",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["EmbedMigrationsPlugin"]),
        .executableTarget(
            name: "skill-metrics",
            dependencies: [
                "SkillMetrics",
                "SkillMetricsPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The benchmark (`swift run -c release skill-metrics-bench`) and its C baseline: a plain
        // libsqlite3 program doing the same prepared INSERTs on the same schema.
        .target(
            name: "CSQLiteBaseline",
            path: "Sources/CSQLiteBaseline",
            linkerSettings: [.linkedLibrary("sqlite3")]),
        .executableTarget(
            name: "skill-metrics-bench",
            dependencies: [
                "SkillMetrics",
                "CSQLiteBaseline",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The team-log rows (PostgresRows.swift).
                "SkillMetricsPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "SkillMetricsTests",
            dependencies: ["SkillMetrics"]),
        .testTarget(
            name: "SkillMetricsCLITests",
            dependencies: ["skill-metrics", "SkillMetrics"],
            // The python workload generator the tests run (not a resource of the target).
            exclude: ["Scripts"]),
        .testTarget(
            name: "SkillMetricsPostgresTests",
            dependencies: ["skill-metrics", "SkillMetrics", "SkillMetricsPostgres"]),
    ],
    swiftLanguageModes: [.v6]
)
