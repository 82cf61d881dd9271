import Foundation

/// The legacy approach: on every completion the Python tracker rewrote the whole JSON file
/// with `json.dumps(data, indent=2)`. This runs that with `python3` on a given file and
/// returns the median seconds of one rewrite (dumps + write), or nil without python3.
enum PythonRewriteBaseline {
    static let script = """
        import json, sys, time, statistics
        src, dst, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
        with open(src) as f:
            data = json.load(f)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            text = json.dumps(data, indent=2)
            with open(dst, "w") as f:
                f.write(text)
            times.append(time.perf_counter() - t0)
        print(repr(statistics.median(times)), len(data["invocations"]))
        """

    static func medianRewriteSeconds(file: String, scratch: String, runs: Int) throws -> (seconds: Double, invocations: Int)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file, scratch, String(runs)]
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
        guard fields.count == 2, let seconds = Double(fields[0].trimmingCharacters(in: .whitespacesAndNewlines)),
              let count = Int(fields[1].trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        return (seconds, count)
    }
}
