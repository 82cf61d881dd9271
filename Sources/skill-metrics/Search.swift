import ArgumentParser
import SkillMetrics

/// `search TEXT`: full-text search over skills and workflow paths.
struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find (skill, workflow path) pairs whose skill name or path contains every word of TEXT.",
        discussion: HelpText.reflow("""
            Words match as literal, case-insensitive substrings (an FTS5 trigram index, built in
            memory from the skill_workflow_path projection for the search); any text is safe,
            quotes and operators included. Shows invocations and the average duration.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The words to look for.") var text: String

    @Option(name: .long, parsing: .unconditional, help: "Most results to show.") var limit: Int = 100

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let metrics = try store.openStore(access: .readOnly)
        let matches = try SkillMetricsQueries(store: metrics).searchWorkflowPaths(text, limit: limit)
        if output.json {
            try matches.printJSON()
            return
        }
        if matches.isEmpty {
            print("no match")
            return
        }
        for match in matches {
            let path = match.workflowPath.map(MetricsText.display) ?? "(no workflow path)"
            print("\(MetricsText.display(match.skillName))  \(path)  \(match.invocationCount) invocations, avg \(MetricsText.seconds(match.avgDurationSeconds))")
        }
    }
}
