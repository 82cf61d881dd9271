import ArgumentParser
import SkillMetrics

/// `rebuild`: recompute the projections from the log.
struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute skill_metrics and session_skill from the log with the Swift projectors.",
        discussion: HelpText.reflow("""
            The new projections replace the old ones in one transaction: readers see
            the old ones until it commits, and an interrupted rebuild leaves them
            untouched. A table that already holds exactly the recomputed rows (as
            verify compares them) is kept as it is; a table that differs anywhere is
            rewritten whole.

            First it restores the indexes, triggers and views that the file's
            migrations create where the file lacks them or holds other definitions
            (a hand edit, a foreign client's DROP TRIGGER): each is re-created from
            its migration text and named on stdout, so that the projections are
            then kept live again. Tables and objects no migration creates are left
            as they are (verify and health report them).
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        if try PostgresDispatch.rebuild(store.path, json: output.json) { return }
        let metrics = try store.openStore(create: false, checkSchema: false)
        let restored = try SchemaRepair(store: metrics).run()
        if !output.json {
            for difference in restored {
                print("restored \(difference.kind) \(difference.name) (\(difference.description))")
            }
        }
        let progress = Console.progress("rebuilding")
        let result = try metrics.rebuild(progress: progress)
        if progress != nil { Console.endProgress() }
        if output.json {
            try Console.printJSON(RebuildOutput(result: result, restored: restored).jsonOutput)
        } else {
            print("rebuilt projections from \(result.events) events: \(result.skills) skills, \(result.sessionSkills) session × skill rows")
        }
    }
}
