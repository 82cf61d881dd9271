/// Sizes and repetition counts of one benchmark run.
///
/// `swift run -c release skill-metrics-bench` uses the defaults (the documented table);
/// `--quick` scales the big workloads down 5× for a smoke run; `--only a,b` runs some
/// measures (`single`, `batch`, `cli`, `foreign`, `show`, `rebuild`, `rss`, `legacy`, `pg`: the team-log rows);
/// `--workloads a,b` some workloads of the family (`today`, `real`, `adversarial`).
struct BenchConfiguration {
    var largeEvents = 1_000_000
    var mediumEvents = 100_000
    var smallEvents = 1_000
    var singleAppendEvents = 1_000
    var singleAppendRuns = 21
    var batchEvents = 50_000
    var batchSize = 1_000
    var batchRuns = 5
    /// Events of the CLI's `append --jsonl --batch-size 1000` run.
    var cliEvents = 200_000
    var foreignEvents = 20_000
    /// Paired runs (with and without the projection triggers) of the foreign-client row.
    var foreignRuns = 9
    /// Repetitions of the 1M-event workloads (rebuild, verify, their SQL baseline).
    var largeRuns = 5
    var showCalls = 2_000
    var showRuns = 5
    var timelineRuns = 5
    var importInvocations = 100_000
    var importRuns = 3
    var rewriteInvocations = 10_000
    var rewriteRuns = 15
    /// Events of the team-log rows (`pg`); `--pg-events N` sets it (default: ``largeEvents``).
    var pgEvents: Int? = nil
    /// Pushes (each into a fresh log, with a COPY baseline beside it) whose median the team log's push row quotes.
    var pgPushRuns = 3
    var only: Set<String>? = nil
    var workloads: [WorkloadKind] = WorkloadKind.allCases

    static let measureNames: Set<String> = ["single", "batch", "cli", "foreign", "show", "rebuild", "rss", "legacy", "pg"]

    init(arguments: [String]) throws {
        var index = 0
        func list(_ flag: String) throws -> [String] {
            index += 1
            guard index < arguments.count else { throw BenchError("\(flag) needs a comma-separated list") }
            return arguments[index].split(separator: ",").map(String.init)
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--quick":
                largeEvents = 200_000
                mediumEvents = 20_000
                batchEvents = 20_000
                cliEvents = 20_000
                foreignEvents = 10_000
                importInvocations = 20_000
                singleAppendRuns = 5
                batchRuns = 3
                foreignRuns = 5
                largeRuns = 2
                importRuns = 2
                pgPushRuns = 1
            case "--only":
                let names = Set(try list("--only"))
                let unknown = names.subtracting(Self.measureNames)
                guard unknown.isEmpty else {
                    throw BenchError("unknown measure(s) \(unknown.sorted()); known: \(Self.measureNames.sorted())")
                }
                only = names
            case "--pg-events":
                index += 1
                guard index < arguments.count, let count = Int(arguments[index]), count > 0 else {
                    throw BenchError("--pg-events needs a positive number")
                }
                pgEvents = count
            case "--workloads":
                workloads = try list("--workloads").map { name in
                    guard let kind = WorkloadKind(rawValue: name) else {
                        throw BenchError("unknown workload \(name); known: \(WorkloadKind.allCases.map(\.rawValue))")
                    }
                    return kind
                }
            default:
                throw BenchError("unknown argument \(arguments[index]) (use --quick, --only LIST, --workloads LIST)")
            }
            index += 1
        }
    }

    func runs(_ measure: String) -> Bool {
        only?.contains(measure) ?? true
    }
}
