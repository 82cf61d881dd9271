import Foundation
import PackagePlugin

/// Generates `EmbeddedMigrations.swift` from the package's `Schemas/migrations/*.sql` files
/// (`Schemas/postgres/*.sql` for the `SkillMetricsPostgres` target).
///
/// The migration files stay the single source of truth; the generated Swift source carries
/// their exact bytes into the library so the built binary needs no resource bundle.
@main
struct EmbedMigrationsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let migrationsDirectory = context.package.directoryURL
            .appending(path: "Schemas")
            .appending(path: target.name == "SkillMetricsPostgres" ? "postgres" : "migrations")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: migrationsDirectory.path)) ?? []
        let inputs = names
            .filter { $0.hasSuffix(".sql") }
            .sorted()
            .map { migrationsDirectory.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) schema migration files",
                executable: try context.tool(named: "EmbedMigrations").url,
                arguments: [output.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }
}
