import ArgumentParser
import SkillMetrics

/// `verify`: prove the stored projections equal the projectors' recomputation.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute the projections and compare them with the stored ones, bit for bit.",
        discussion: HelpText.reflow("""
            Prints every difference as table, skill (or session × skill), field, stored value and
            recomputed value. Exit status 1 when anything differs, 0 when all agree.
            `skill-metrics rebuild` replaces the stored projections with the recomputed ones.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        if try PostgresDispatch.verify(store.path, json: output.json) { return }
        let metrics = try store.openStore(access: .readOnly)
        let progress = Console.progress("verifying")
        let result: SkillMetricsStore.VerifyResult
        do {
            result = try metrics.verify(progress: progress)
        } catch where !metrics.schemaDifferences.isEmpty {
            // The schema findings printed on stderr explain it (a dropped view, say).
            if progress != nil { Console.endProgress() }
            Console.error("\(store.path): the projections cannot be compared with the log while the schema differs (\(error)); `skill-metrics rebuild` restores the indexes, triggers and views the migrations create")
            throw CheckFailed()
        }
        if progress != nil { Console.endProgress() }
        if output.json {
            try result.printJSON()
        } else if result.isConsistent {
            print(Console.checkPassed(
                "\(result.events) events, \(result.skills) skills, \(result.sessionSkills) session × skill rows; projections match the log"))
        } else {
            for difference in result.differences { print(difference.description) }
            print("\(result.differences.count) difference(s) between the stored projections and the log; `skill-metrics rebuild` recomputes them")
        }
        if !result.isConsistent { throw CheckFailed() }
    }
}
