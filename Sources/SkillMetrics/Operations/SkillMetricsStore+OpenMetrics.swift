extension SkillMetricsStore {
    /// The current projections in the OpenMetrics text format (see ``OpenMetricsExporter``).
    public func openMetrics() throws -> String {
        let rows = try allMetricsInFirstSeenOrder()
        return OpenMetricsExporter.render(rows: rows, eventCount: try eventCount())
    }
}
