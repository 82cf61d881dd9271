/// Compares the database's projections with a legacy file's own aggregates, per skill and
/// field: exact for integers, strings and key order; floats with their distance in ULPs.
///
/// For crackerjack the file's `skills` is the reference (timestamps converted to UTC with the
/// import's zone). A session-buddy file has no aggregates: they are computed from its list
/// with session-buddy's rules (every invocation counts, list order). A difference on a skill
/// that had two completions at one instant, or in the skills' order when any completions tie,
/// is a warning: the true order is ambiguous.
public enum LegacyValidator {
    public static func compare(
        database rows: [SkillMetricsRow], document: LegacyDocument, zone: LegacyTimeZone
    ) -> [LegacyFieldDifference] {
        let order = CompletionOrder(document)
        // Skill names are the same only when their bytes are (``ExactText``), as SQLite and the
        // legacy tracker's Python dicts tell them apart.
        var tiedSkills = Set<ExactText>()
        for group in order.ties {
            var names: [ExactText: Int] = [:]
            for position in group { names[ExactText(document.invocations[position].skillName), default: 0] += 1 }
            for (name, count) in names where count > 1 { tiedSkills.insert(name) }
        }
        let expected = expectedSkills(document, zone: zone)
        var differences: [LegacyFieldDifference] = []
        func add(_ skill: String?, _ field: String, _ legacy: String, _ database: String, ulps: UInt64? = nil, warning: Bool) {
            differences.append(LegacyFieldDifference(
                skill: skill, field: field, legacy: legacy, database: database, ulps: ulps,
                severity: warning ? .warning : .mismatch))
        }
        let expectedNames = expected.map(\.key)
        let databaseNames = rows.map(\.skillName)
        let expectedExact = expectedNames.map(ExactText.init), databaseExact = databaseNames.map(ExactText.init)
        if expectedExact != databaseExact && Set(expectedExact) == Set(databaseExact) {
            add(nil, "(order)", names(expectedNames), names(databaseNames), warning: !order.ties.isEmpty)
        }
        let rowsByName = Dictionary(rows.map { (ExactText($0.skillName), $0) }, uniquingKeysWith: { first, _ in first })
        for skill in expected {
            guard let row = rowsByName[ExactText(skill.key)] else {
                add(skill.key, "(row)", "(present)", "(missing)", warning: false)
                continue
            }
            let warn = tiedSkills.contains(ExactText(skill.key))
            if ExactText(skill.skillName) != ExactText(row.skillName) {
                add(skill.key, "skill_name", JSONWriter.quoted(skill.skillName), JSONWriter.quoted(row.skillName), warning: false)
            }
            let ints: [(String, Int, Int)] = [
                ("total_invocations", skill.totalInvocations, row.totalInvocations),
                ("completed_invocations", skill.completedInvocations, row.completedInvocations),
                ("abandoned_invocations", skill.abandonedInvocations, row.abandonedInvocations),
            ]
            for (field, legacy, database) in ints where legacy != database {
                add(skill.key, field, String(legacy), String(database), warning: false)
            }
            let doubles: [(String, Double, Double)] = [
                ("total_duration_seconds", skill.totalDurationSeconds, row.totalDurationSeconds),
                ("completion_rate", skill.completionRate, row.completionRate),
                ("avg_duration_seconds", skill.avgDurationSeconds, row.avgDurationSeconds),
            ]
            for (field, legacy, database) in doubles where legacy.bitPattern != database.bitPattern {
                add(skill.key, field, PythonFloatFormatter.repr(legacy), PythonFloatFormatter.repr(database),
                    ulps: LegacyFieldDifference.ulps(legacy, database), warning: warn)
            }
            let dictionaries: [(String, OrderedCounts, OrderedCounts)] = [
                ("workflow_paths", skill.workflowPaths, row.workflowPaths),
                ("common_errors", skill.commonErrors, row.commonErrors),
                ("follow_up_actions", skill.followUpActions, row.followUpActions),
            ]
            for (field, legacy, database) in dictionaries where legacy != database {
                let sameContent = legacy.entries.count == database.entries.count
                    && legacy.entries.allSatisfy { database[$0.key] == $0.count }
                add(skill.key, sameContent ? "\(field) (key order)" : field,
                    legacy.sqliteJSON, database.sqliteJSON, warning: warn && sameContent)
            }
            let times: [(String, String?, String)] = [
                ("first_invoked", skill.firstInvoked, row.firstInvoked),
                ("last_invoked", skill.lastInvoked, row.lastInvoked),
            ]
            for (field, legacyText, database) in times {
                let legacyUTC = legacyText.flatMap {
                    LegacyEventBuilder.instant(of: $0, dialect: document.dialect, zone: zone)?.canonical ?? $0
                }
                if legacyUTC != database {
                    add(skill.key, field, legacyText.map(JSONWriter.quoted) ?? "null", JSONWriter.quoted(database), warning: warn)
                }
            }
        }
        let expectedSet = Set(expectedExact)
        for row in rows where !expectedSet.contains(ExactText(row.skillName)) {
            add(row.skillName, "(row)", "(missing)", "(present)", warning: false)
        }
        return differences
    }

    /// The file's aggregates: its `skills` (crackerjack) or session-buddy's rules applied to
    /// its list (timestamps canonical UTC).
    static func expectedSkills(_ document: LegacyDocument, zone: LegacyTimeZone) -> [LegacySkill] {
        if document.dialect == .crackerjack { return document.skills }
        var projector = SkillMetricsProjector()
        for (position, invocation) in document.invocations.enumerated() {
            let start = LegacyEventBuilder.instant(of: invocation.invokedAt, dialect: .sessionBuddy, zone: zone)
            projector.apply(ProjectionEvent(
                seq: Int64(position + 1), skillName: invocation.skillName,
                invokedAt: start?.canonical ?? invocation.invokedAt, workflowPath: invocation.workflowPath,
                completed: invocation.completed, durationSeconds: invocation.durationSeconds,
                errorType: invocation.errorType, sessionID: invocation.sessionID,
                followUpActions: invocation.followUpActions, finished: true))
        }
        return projector.rows.map(LegacySkill.init)
    }

    private static func names(_ names: [String]) -> String {
        let shown = names.prefix(10).map(JSONWriter.quoted).joined(separator: ", ")
        return "[" + shown + (names.count > 10 ? ", …" : "") + "]"
    }
}
