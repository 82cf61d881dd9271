import ArgumentParser
import Foundation
import SkillMetrics

/// `append`: add one event, or many from JSONL.
struct Append: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append one event, or many from a JSONL file (--jsonl FILE, or - for stdin).",
        discussion: HelpText.reflow("""
            One event: --skill NAME plus optional fields. invoked_at defaults to now and id to a
            new UUID; appending the same id with the same content again is a no-op, with other
            content an error.

            Many events: --jsonl FILE|- reads one JSON object per line with the field names of
            the skill_invocation table (skill_name, invoked_at with Z or an offset, id,
            workflow_path, completed, duration_seconds, error_type, session_id,
            follow_up_actions, schema_version, user_context, finished). Every line is checked
            before anything is written: a bad line is reported as FILE:LINE and nothing is
            appended. Events are then written --batch-size at a time, one transaction per batch.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "Skill name (one event).") var skill: String?
    @Option(name: .long, help: "Workflow path.") var workflowPath: String?
    @Option(name: .long, help: "Session id.") var sessionId: String?
    @Option(name: .long, help: ArgumentHelp("true (completed, default) or false (abandoned).", valueName: "true|false"))
    var completed: String?
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Duration in seconds (a finite number, not negative).", valueName: "seconds"))
    var duration: String?
    @Option(name: .long, help: "Error type.") var errorType: String?
    @Option(name: .long, help: "A follow-up action (repeatable, order kept).") var followUp: [String] = []
    @Option(name: .long, help: ArgumentHelp("Start time, ISO-8601 with Z or an offset (default: now).", valueName: "timestamp"))
    var invokedAt: String?
    @Option(name: .long, help: "Event id (default: a new UUID).") var id: String?

    @Option(name: .long, help: ArgumentHelp("Append every line of a JSONL file (- for stdin).", valueName: "file"))
    var jsonl: String?
    @Option(name: .long, parsing: .unconditional, help: "Events per transaction with --jsonl (1: one per event).")
    var batchSize: Int = 1_000
    @Flag(name: .long, help: "With --jsonl: after each committed batch print `committed N` (events of the input committed so far) on stdout and flush, so a driver knows what is durable.")
    var echoCommits = false

    func validate() throws {
        if jsonl == nil && skill == nil {
            throw ValidationError("give --skill NAME for one event, or --jsonl FILE|- for many")
        }
        if jsonl != nil {
            let single = [skill, workflowPath, sessionId, completed, duration, errorType, invokedAt, id]
            if single.contains(where: { $0 != nil }) || !followUp.isEmpty {
                throw ValidationError("--jsonl cannot be combined with the single-event options")
            }
        }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if echoCommits && jsonl == nil { throw ValidationError("--echo-commits goes with --jsonl") }
        if echoCommits && output.json {
            // The `committed N` lines would come before the JSON object and make stdout invalid JSON.
            throw ValidationError("--echo-commits cannot be combined with --json (its `committed N` lines would precede the JSON object on stdout)")
        }
    }

    func run() throws {
        let result: SkillMetricsStore.AppendResult
        var eventID: String?
        if let jsonl {
            result = try appendJSONL(jsonl, to: try store.openStore())
        } else {
            // The event is checked before the store is opened: a bad flag creates no database.
            let event = try singleEvent()
            eventID = event.id
            result = try store.openStore().append(event)
        }
        if output.json {
            try AppendOutput(result: result, eventID: eventID).printJSON()
        } else if let eventID {
            print(result.appended == 1 ? "appended \(eventID) at seq \(result.lastSeq ?? 0)" : "\(eventID) already present; nothing appended")
        } else {
            print("appended \(result.appended) events (\(result.alreadyPresent) already present)")
        }
    }

    private func singleEvent() throws -> SkillInvocation {
        guard let skill else { throw ValidationError("--skill is required") }
        var isCompleted = true
        if let completed {
            switch completed.lowercased() {
            case "true", "1", "yes": isCompleted = true
            case "false", "0", "no": isCompleted = false
            default: throw SkillMetricsError.invalidInput(location: "--completed", reason: "expected true or false, got \(completed)")
            }
        }
        var seconds: Double?
        if let duration {
            guard let value = Double(duration), value.isFinite,
                  duration.allSatisfy({ $0.isNumber || "+-.eE".contains($0) })
            else {
                throw SkillMetricsError.invalidInput(location: "--duration", reason: "expected a finite number of seconds, got \(duration)")
            }
            guard value >= 0 else {
                throw SkillMetricsError.invalidInput(location: "--duration", reason: "must not be negative, got \(duration)")
            }
            seconds = value
        }
        var start = Timestamp.now()
        if let invokedAt {
            do {
                start = try Timestamp.parse(invokedAt)
            } catch {
                throw SkillMetricsError.invalidInput(location: "--invoked-at", reason: error.description)
            }
        }
        return SkillInvocation(
            id: id ?? UUID().uuidString.lowercased(), skillName: skill, invokedAt: start,
            workflowPath: workflowPath, completed: isCompleted, durationSeconds: seconds,
            errorType: errorType, sessionID: sessionId, followUpActions: followUp)
    }

    private func appendJSONL(_ source: String, to metrics: SkillMetricsStore) throws -> SkillMetricsStore.AppendResult {
        var path = source
        var temporary: String?
        if source == "-" {
            // Spool stdin so that every line can be checked before anything is written.
            let spool = FileManager.default.temporaryDirectory
                .appendingPathComponent("skill-metrics-stdin-\(UUID().uuidString).jsonl").path
            guard FileManager.default.createFile(atPath: spool, contents: nil, attributes: [.posixPermissions: 0o600]),
                  let handle = FileHandle(forWritingAtPath: spool)
            else {
                throw SkillMetricsError.fileAccess(path: spool, reason: "cannot create a temporary file for stdin")
            }
            defer { try? handle.close() }
            while let chunk = try FileHandle.standardInput.read(upToCount: 1 << 20), !chunk.isEmpty {
                try handle.write(contentsOf: chunk)
            }
            path = spool
            temporary = spool
        }
        defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
        let appender = JSONLAppender(store: metrics, batchSize: batchSize)
        let progress = Console.progress("appending")
        defer { if progress != nil { Console.endProgress() } }
        let echo = echoCommits
        return try appender.append(path: path, displayName: source == "-" ? "<stdin>" : source) { count in
            if echo {
                FileHandle.standardOutput.write(Data("committed \(count)\n".utf8))
            }
            progress?(count)
        }
    }
}
