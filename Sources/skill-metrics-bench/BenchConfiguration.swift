/// Sizes and repetition counts of one benchmark run.
///
/// `swift run -c release skill-metrics-bench` uses the defaults (the documented table);
/// `--quick` scales the big workloads down 5× for a smoke run; `--only a,b` runs some
/// workloads (`single`, `batch`, `show`, `rebuild`, `rss`, `legacy`).
struct BenchConfiguration {
    var largeEvents = 1_000_000
    var mediumEvents = 100_000
    var smallEvents = 1_000
    var singleAppendEvents = 1_000
    var singleAppendRuns = 21
    var batchEvents = 50_000
    var batchSize = 1_000
    var batchRuns = 5
    /// Repetitions of the 1M-event workloads (rebuild, verify, their SQL baseline).
    var largeRuns = 5
    var showCalls = 2_000
    var showRuns = 5
    var timelineRuns = 5
    var importInvocations = 100_000
    var rewriteInvocations = 10_000
    var rewriteRuns = 15
    var only: Set<String>? = nil

    static let workloadNames: Set<String> = ["single", "batch", "show", "rebuild", "rss", "legacy"]

    init(arguments: [String]) throws {
        var index = 0
        while index < arguments.count {
            switch arguments[index] {
            case "--quick":
                largeEvents = 200_000
                mediumEvents = 20_000
                batchEvents = 20_000
                importInvocations = 20_000
                singleAppendRuns = 5
                batchRuns = 3
                largeRuns = 2
            case "--only":
                index += 1
                guard index < arguments.count else { throw BenchError("--only needs a list, e.g. --only single,rebuild") }
                let names = Set(arguments[index].split(separator: ",").map(String.init))
                let unknown = names.subtracting(Self.workloadNames)
                guard unknown.isEmpty else {
                    throw BenchError("unknown workload(s) \(unknown.sorted()); known: \(Self.workloadNames.sorted())")
                }
                only = names
            default:
                throw BenchError("unknown argument \(arguments[index]) (use --quick, --only LIST)")
            }
            index += 1
        }
    }

    func runs(_ workload: String) -> Bool {
        only?.contains(workload) ?? true
    }
}
