import ArgumentParser
import SkillMetrics

/// `audit replay`: the projections as they were at a point of the log.
struct AuditReplay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Print the projections as they stood after event N (--until-seq) or at a time (--until).",
        discussion: HelpText.reflow("""
            Folds the log up to that point with the same Swift projectors as rebuild and verify;
            the result equals a fresh database holding only those events. --until TIME takes the
            events appended (recorded_at, UTC) at or before TIME.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Replay through this seq (inclusive).", valueName: "N"))
    var untilSeq: Int64?

    @Option(name: .long, help: ArgumentHelp("Replay the events appended at or before this time (ISO-8601 with Z or an offset).", valueName: "timestamp"))
    var until: String?

    func validate() throws {
        if (untilSeq == nil) == (until == nil) {
            throw ValidationError("give exactly one of --until-seq N or --until TIME")
        }
    }

    func run() throws {
        let metrics = try store.openStore(access: .readOnly)
        let replay: SkillMetrics.AuditReplay
        if let untilSeq {
            replay = try AuditReplayer(store: metrics).replay(throughSeq: untilSeq)
        } else if let until {
            let instant: Timestamp
            do {
                instant = try Timestamp.parse(until)
            } catch {
                throw SkillMetricsError.invalidInput(location: "--until", reason: error.description)
            }
            replay = try AuditReplayer(store: metrics).replay(until: instant)
        } else {
            throw ValidationError("give --until-seq N or --until TIME")
        }
        if output.json {
            try replay.printJSON()
            return
        }
        print("as of seq \(replay.throughSeq) (\(replay.events) events):")
        if replay.skills.isEmpty {
            print("no skills")
        } else {
            let ordered = replay.skills.enumerated().sorted {
                $0.element.totalInvocations != $1.element.totalInvocations
                    ? $0.element.totalInvocations > $1.element.totalInvocations : $0.offset < $1.offset
            }.map(\.element)
            print(MetricsText.table(ordered))
        }
        if !replay.sessionSkills.isEmpty {
            print("\nsession × skill:")
            for row in replay.sessionSkills {
                print("  \(MetricsText.display(row.sessionID)) × \(MetricsText.display(row.skillName)): \(row.invocationCount) invocations, \(MetricsText.seconds(row.totalDurationSeconds))")
            }
        }
    }
}
