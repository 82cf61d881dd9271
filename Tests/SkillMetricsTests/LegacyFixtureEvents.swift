import Foundation
@testable import SkillMetrics

/// The finished invocations of a crackerjack-dialect fixture as events, in completion order.
///
/// Stand-in for the legacy importer in analytics tests: completion instant = naive
/// `invoked_at` + `duration_seconds` (naive arithmetic, read as UTC), ties by position in the
/// list; pending invocations (`completed: false`, `duration_seconds: null`) are skipped.
enum LegacyFixtureEvents {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func load(_ name: String) throws -> [SkillInvocation] {
        let path = PackagePaths.fixture("legacy/\(name).json")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard case .object(let root) = try JSONParser().parse(data),
              case .array(let invocations)? = root["invocations"]
        else { throw Failure(description: "\(path): no invocations list") }
        var finished: [(completion: Int64, position: Int, event: SkillInvocation)] = []
        for (position, item) in invocations.enumerated() {
            guard case .object(let object) = item,
                  case .string(let skill)? = object["skill_name"],
                  case .string(let invokedText)? = object["invoked_at"],
                  let local = LocalDateTime.parse(invokedText),
                  case .bool(let completed)? = object["completed"]
            else { throw Failure(description: "\(path): invocation \(position) malformed") }
            var duration: Double?
            if case .number(let number)? = object["duration_seconds"] { duration = number.doubleValue }
            if !completed && duration == nil { continue }
            func optionalString(_ key: String) -> String? {
                if case .string(let text)? = object[key] { return text }
                return nil
            }
            var actions: [String] = []
            if case .array(let items)? = object["follow_up_actions"] {
                for case .string(let action) in items { actions.append(action) }
            }
            let start = local.microsecondsAsUTC
            let completion = start + Int64(((duration ?? 0) * 1_000_000).rounded(.toNearestOrEven))
            finished.append((completion, position, SkillInvocation(
                id: "\(name)-\(position)", skillName: skill,
                invokedAt: Timestamp(microsecondsSinceEpoch: start),
                workflowPath: optionalString("workflow_path"), completed: completed,
                durationSeconds: duration, errorType: optionalString("error_type"),
                sessionID: nil, followUpActions: actions)))
        }
        return finished.sorted { ($0.completion, $0.position) < ($1.completion, $1.position) }.map(\.event)
    }

    /// The crackerjack-dialect fixtures that have a `legacy-expected` report.
    static let reportFixtures = ["basic", "dst", "hostile", "large", "overlap", "ties-overlap"]

    /// The `legacy-expected` file of a fixture.
    static func expected(_ name: String) throws -> JSONObject {
        let path = PackagePaths.fixture("legacy-expected/\(name).report.json")
        guard case .object(let object) = try JSONParser().parse(try Data(contentsOf: URL(fileURLWithPath: path))) else {
            throw Failure(description: "\(path): not an object")
        }
        return object
    }
}

/// Runs `python3` for checks against reference implementations (numpy, prometheus_client).
enum PythonCheck {
    /// True when `python3 -c "import module"` succeeds.
    static func hasModule(_ module: String) -> Bool { ExternalTool.pythonHasModule(module) }

    /// Runs `script` with the path of a file holding `input` as `sys.argv[1]`.
    static func run(_ script: String, input: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let directory = TemporaryDirectory()
        let inputPath = directory.file("input")
        try Data(input.utf8).write(to: URL(fileURLWithPath: inputPath))
        let result = try ExternalTool.python(script, [inputPath])
        return (result.status, result.stdout, result.stderr)
    }
}
