/// Public construction of percentiles read from storage outside SQLite.
extension DurationPercentiles {
    /// Percentiles as stored: n, min, max, p50, p95, p99.
    public static func stored(count: Int, min: Double, max: Double, p50: Double, p95: Double, p99: Double) -> DurationPercentiles {
        DurationPercentiles(count: count, min: min, max: max, p50: p50, p95: p95, p99: p99)
    }
}
