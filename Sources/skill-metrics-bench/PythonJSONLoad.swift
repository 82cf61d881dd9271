import Foundation

/// The legacy import's yardstick: how long python3's `json.load` takes to parse the same file
/// (open + read + parse, one fresh interpreter per run; the interpreter's start is not timed).
enum PythonJSONLoad {
    static let script = """
        import json, sys, time
        t0 = time.perf_counter()
        with open(sys.argv[1]) as f:
            data = json.load(f)
        print(repr(time.perf_counter() - t0), len(data["invocations"]))
        """

    /// Seconds of one `json.load` of `file`, or nil without python3.
    static func seconds(file: String) throws -> Double? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file]
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let fields = String(decoding: data, as: UTF8.self).split(separator: " ")
        guard fields.count == 2 else { return nil }
        return Double(fields[0].trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
