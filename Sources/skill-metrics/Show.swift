import ArgumentParser
import SkillMetrics

/// `show SKILL`: one skill's metrics.
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one skill's metrics (legacy field names with --json).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The skill name.") var skill: String

    func run() throws {
        if try PostgresDispatch.show(store.path, skill: skill, json: output.json) { return }
        let metrics = try store.openStore(access: .readOnly)
        guard let row = try SkillMetricsQueries(store: metrics).metrics(for: skill) else {
            throw SkillMetricsError.skillNotFound(skill)
        }
        if output.json {
            try row.printJSON()
        } else {
            print(MetricsText.describe(row))
        }
    }
}

/// `list`: every skill.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every skill, most invoked first (ties by first appearance).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        if try PostgresDispatch.list(store.path, json: output.json) { return }
        let metrics = try store.openStore(access: .readOnly)
        let rows = try SkillMetricsQueries(store: metrics).allMetrics()
        if output.json {
            try rows.printJSON()
            return
        }
        if rows.isEmpty {
            print("no skills yet (append events with `skill-metrics append`)")
            return
        }
        print(MetricsText.table(rows))
    }
}
