/// Computes ``DurationPercentiles`` from a stream of durations in ascending order, keeping only
/// the few values the percentiles need (constant memory), with the projector's exact arithmetic.
///
/// For logs stored outside SQLite (the PostgreSQL team log streams each skill's sorted
/// durations from the server).
public struct SortedDurationStream: Sendable {
    private var selector: PercentileSelector
    private var offered = 0

    /// A stream that will receive `count` values.
    public init(count: Int) {
        selector = PercentileSelector(count: count)
    }

    /// Offers the next value (ascending order); values past `count` are ignored.
    public mutating func offer(_ value: Double) {
        guard offered < selector.count else { return }
        selector.offer(value, at: offered)
        offered += 1
    }

    /// Offers the value at sorted position `position`, for a reader that has only the positions
    /// the percentiles read (in any order; other positions and positions past `count` are
    /// ignored). Not to be mixed with ``offer(_:)``.
    public mutating func offer(_ value: Double, at position: Int) {
        guard position >= 0, position < selector.count else { return }
        selector.offer(value, at: position)
    }

    /// The number of values offered so far.
    public var offeredCount: Int { offered }

    /// The percentiles, or nil when `count` is 0.
    public var result: DurationPercentiles? { selector.result }
}
