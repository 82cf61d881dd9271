import GRDB
import GRDBSQLite

/// Min, max and the p50/p95/p99 of a skill's durations (schema V2: numpy's linear method over completed events with a duration).
///
/// Computed over the durations of completed events with a non-null duration, with numpy's
/// default ("linear") method: sorted values `v`, `k = (n-1)·p`, `f = floor(k)`,
/// `c = min(f+1, n-1)`, `t = k - f`, interpolated exactly as numpy's `_lerp` does (from `v[f]`
/// when `t < 0.5`, from `v[c]` otherwise), so the results equal `numpy.percentile` bit for bit.
public struct DurationPercentiles: Sendable, Equatable {
    /// Number of durations (n).
    public var count: Int
    public var min: Double
    public var max: Double
    public var p50: Double
    public var p95: Double
    public var p99: Double

    /// The fractions used for p50, p95 and p99 (`q / 100` as numpy computes it).
    static let fractions: [Double] = [50.0 / 100.0, 95.0 / 100.0, 99.0 / 100.0]

    /// Percentiles of `values` (any order); nil when empty.
    public static func compute(_ values: [Double]) -> DurationPercentiles? {
        let sorted = values.sorted()
        var selector = PercentileSelector(count: sorted.count)
        for (index, value) in sorted.enumerated() { selector.offer(value, at: index) }
        return selector.result
    }

    /// numpy's `_lerp(a, b, t)`.
    static func lerp(_ a: Double, _ b: Double, _ t: Double) -> Double {
        let difference = b - a
        return t >= 0.5 ? b - difference * (1 - t) : a + difference * t
    }
}

/// Picks the percentile inputs out of a stream of `count` values in ascending order, keeping
/// only the few values it needs (constant memory whatever the count).
struct PercentileSelector {
    let count: Int
    /// For each fraction: (f, c, t).
    private let positions: [(f: Int, c: Int, t: Double)]
    private var wanted: [Int: Double] = [:]

    init(count: Int) {
        self.count = count
        positions = DurationPercentiles.fractions.map { fraction in
            let k = Double(Swift.max(count - 1, 0)) * fraction
            let f = Int(k.rounded(.down))
            return (f, Swift.min(f + 1, Swift.max(count - 1, 0)), k - Double(f))
        }
        for position in positions {
            wanted[position.f] = .nan
            wanted[position.c] = .nan
        }
        wanted[0] = .nan
        wanted[Swift.max(count - 1, 0)] = .nan
    }

    /// Offers the value at sorted position `index`.
    mutating func offer(_ value: Double, at index: Int) {
        if wanted[index] != nil { wanted[index] = value }
    }

    /// Offers the rows of `statement` (one numeric column, ascending) at positions 0, 1, …,
    /// reading only the values wanted, and stops after `count` rows. Returns the number of
    /// rows offered. A value that is not a number is an error naming the position.
    mutating func offerAll(_ statement: Statement, db: Database) throws -> Int {
        let sqlite = statement.sqliteStatement
        let positions = wanted.keys.sorted()
        var next = 0
        var index = 0
        while index < count {
            guard try statement.stepRow(db) else { break }
            if next < positions.count, positions[next] == index {
                let type = sqlite3_column_type(sqlite, 0)
                guard type == SQLITE_FLOAT || type == SQLITE_INTEGER else {
                    throw SkillMetricsError.invalidInput(
                        location: "skill_invocation duration index, sorted position \(index)",
                        reason: "not a number")
                }
                wanted[index] = sqlite3_column_double(sqlite, 0)
                next += 1
            }
            index += 1
        }
        sqlite3_reset(sqlite)
        return index
    }

    /// The percentiles, or nil when the stream was empty.
    var result: DurationPercentiles? {
        guard count > 0 else { return nil }
        func value(_ index: Int) -> Double { wanted[index] ?? .nan }
        let interpolated = positions.map { DurationPercentiles.lerp(value($0.f), value($0.c), $0.t) }
        return DurationPercentiles(
            count: count, min: value(0), max: value(count - 1),
            p50: interpolated[0], p95: interpolated[1], p99: interpolated[2])
    }
}
