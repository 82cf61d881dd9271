import ArgumentParser
import Foundation
import SkillMetrics

/// `migrate`: schema evolution.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply, inspect, validate or undo schema migrations.",
        discussion: HelpText.reflow("""
            Migrations are Schemas/migrations/V<n>__<description>.sql (undo: U<n>__…), built into
            the binary; --migrations-dir reads them from a directory instead. Each migration and
            its schema_migrations row commit in one transaction.
            """),
        subcommands: [MigrateUp.self, MigrateStatus.self, MigrateValidate.self, MigrateUndo.self],
        defaultSubcommand: MigrateUp.self)
}

struct MigrateUp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Apply pending migrations (the default of `migrate`).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, parsing: .unconditional, help: "Stop at this version.")
    var to: Int?

    func run() throws {
        if try PostgresDispatch.migrateUp(store.path, to: to, json: output.json) { return }
        let metrics = try store.openStore(migrate: false)
        let applied = try metrics.migrate(upTo: to)
        let version = try metrics.schemaVersion()
        if output.json {
            try MigrationOutput(key: "applied", versions: applied, schemaVersion: version).printJSON()
        } else if applied.isEmpty {
            print("\(metrics.path): schema is at version \(version); nothing to apply")
        } else {
            print("\(metrics.path): applied \(applied.map { "V\($0)" }.joined(separator: ", ")); schema is at version \(version)")
        }
    }
}

struct MigrateStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each migration version, its state, checksum and when it was applied.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        if try PostgresDispatch.migrateStatus(store.path, json: output.json) { return }
        let metrics = try store.openStore(migrate: false, create: false, checkSchema: false)
        let rows = try metrics.migrationStatus()
        if output.json {
            try rows.printJSON()
            return
        }
        print("version  state         applied at                  checksum          description")
        for row in rows {
            let state = row.state.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
            let applied = (row.appliedAt ?? "-").padding(toLength: 27, withPad: " ", startingAt: 0)
            print("V\(row.version)".padding(toLength: 9, withPad: " ", startingAt: 0)
                  + "\(state) \(applied) \(row.checksum.prefix(16))  \(row.description)")
        }
    }
}

struct MigrateValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check applied migrations against their files (exit 1 on any problem).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        if try PostgresDispatch.migrateValidate(store.path, json: output.json) { return }
        let metrics = try store.openStore(migrate: false, create: false, checkSchema: false)
        let problems = try metrics.migrationProblems()
        if output.json {
            try MigrationValidationOutput(problems: problems).printJSON()
        } else if problems.isEmpty {
            print("\(metrics.path): migrations valid")
        } else {
            for problem in problems { print(problem.description) }
        }
        if !problems.isEmpty { throw CheckFailed() }
    }
}

struct MigrateUndo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Undo applied migrations above a version with their U<n> files.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, parsing: .unconditional, help: "The version to go back to (0 undoes everything).")
    var to: Int

    func run() throws {
        if try PostgresDispatch.migrateUndo(store.path, to: to, json: output.json) { return }
        let metrics = try store.openStore(migrate: false, create: false)
        let undone = try metrics.undoMigrations(to: to)
        let version = try metrics.schemaVersion()
        if output.json {
            try MigrationOutput(key: "undone", versions: undone, schemaVersion: version).printJSON()
        } else {
            print("\(metrics.path): undid \(undone.isEmpty ? "nothing" : undone.map { "V\($0)" }.joined(separator: ", ")); schema is at version \(version)")
        }
    }
}
