import SkillMetrics

/// The one place that turns library values into `--json` output: every command's machine-
/// readable shape (field names, order, nulls) is written here, so that the library's types
/// stay free of the CLI's format and two commands printing the same value print it alike.
///
/// Values of the legacy formats (a skill's legacy fields, `get_summary()`) come from the
/// library, which writes those files too; the rest is spelled out below.
protocol JSONOutput {
    /// The value as it is printed by `--json`.
    var jsonOutput: JSONValue { get }
}

extension JSONOutput {
    /// Prints the value on stdout (two-space indent, key order kept).
    func printJSON() throws {
        try Console.printJSON(jsonOutput)
    }
}

extension Array: JSONOutput where Element: JSONOutput {
    var jsonOutput: JSONValue { .array(map(\.jsonOutput)) }
}

private extension Int64 {
    var json: JSONValue { .int(Int(self)) }
}

private extension Optional where Wrapped == Int64 {
    var json: JSONValue { map(\.json) ?? .null }
}

// MARK: Projections and queries

extension SkillMetricsRow: JSONOutput {
    /// The legacy field names, then the schema V2 fields.
    var jsonOutput: JSONValue { .object(jsonWithPercentiles) }
}

extension SessionSkillRow: JSONOutput {
    var jsonOutput: JSONValue { .object(json) }
}

extension SkillMetricsSummary: JSONOutput {
    /// Exactly the legacy `get_summary()` dictionary.
    var jsonOutput: JSONValue { .object(legacyJSON) }
}

extension ProjectionDifference: JSONOutput {
    var jsonOutput: JSONValue { .object(json) }
}

extension SkillMetricsStore.VerifyResult: JSONOutput {
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("ok", .bool(isConsistent)),
            ("events", .int(events)),
            ("skills", .int(skills)),
            ("session_skills", .int(sessionSkills)),
            ("differences", differences.jsonOutput),
        ]))
    }
}

extension MaterializedSummary: JSONOutput {
    /// `refresh-summary --json`, `summary --materialized --json`: the stored totals
    /// (skills_by_usage is not materialised) and the top lists as `[name, count]` pairs.
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("refreshed_at", .string(refreshedAt)),
            ("through_seq", throughSeq.json),
            ("stale_events", .int(staleEvents)),
            ("total_skills", .int(summary.totalSkills)),
            ("total_invocations", .int(summary.totalInvocations)),
            ("overall_completion_rate", .double(summary.overallCompletionRate)),
            ("most_used_skill", .optionalString(summary.mostUsedSkill)),
            ("most_used_count", .int(summary.mostUsedCount)),
            ("avg_duration_seconds", .double(summary.avgDurationSeconds)),
            ("top_errors", NamedCount.jsonArray(topErrors)),
            ("top_workflow_paths", NamedCount.jsonArray(topWorkflowPaths)),
        ]))
    }
}

extension SkillMetrics.Timeline: JSONOutput {
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("skill", .optionalString(skill)),
            ("start", .string(start.canonical)),
            ("end", .string(end.canonical)),
            ("bucket", .string(bucketSize.rawValue)),
            ("buckets", .array(buckets.map { bucket in
                .object(JSONObject([
                    ("start", .string(bucket.start.canonical)),
                    ("invocations", .int(bucket.invocations)),
                    ("completed", .int(bucket.completed)),
                    ("abandoned", .int(bucket.abandoned)),
                    ("avg_duration_seconds", bucket.avgDurationSeconds.map(JSONValue.double) ?? .null),
                ]))
            })),
        ]))
    }
}

extension WorkflowPathMatch: JSONOutput {
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("skill_name", .string(skillName)),
            ("workflow_path", .optionalString(workflowPath)),
            ("invocation_count", .int(invocationCount)),
            ("completed_count", .int(completedCount)),
            ("avg_duration_seconds", .double(avgDurationSeconds)),
        ]))
    }
}

// MARK: Audit

extension SkillMetrics.AuditReplay: JSONOutput {
    /// Skills with the legacy field names (plus the schema V2 fields) and session × skill rows.
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("through_seq", throughSeq.json),
            ("events", .int(events)),
            ("skills", skills.jsonOutput),
            ("session_skills", sessionSkills.jsonOutput),
        ]))
    }
}

extension AuditChainCheckpoint: JSONOutput {
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("seq", seq.json),
            ("digest", .string(digest)),
            ("event_count", .int(eventCount)),
            ("created_at", .string(createdAt)),
            ("new", .bool(isNew)),
        ]))
    }
}

extension AuditChainProblem: JSONOutput {
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("kind", .string(kind)),
            ("seq", seq.json),
            ("message", .string(description)),
        ]))
    }
}

extension AuditChainReport: JSONOutput {
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("ok", .bool(isIntact)),
            ("checkpoints", .int(checkpoints)),
            ("covered_through_seq", coveredThrough.json),
            ("events_checked", .int(eventsChecked)),
            ("first_different_seq", firstDifferentSeq.json),
            ("problems", problems.jsonOutput),
        ]))
    }
}

// MARK: Operations

extension BackupResult: JSONOutput {
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("path", .string(path)),
            ("bytes", bytes.json),
            ("events", .int(events)),
            ("last_seq", lastSeq.json),
            ("removed", .array(removed.map(JSONValue.string))),
        ]))
    }
}

extension RestoreResult: JSONOutput {
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("path", .string(path)),
            ("source", .string(source)),
            ("events", .int(events)),
            ("last_seq", lastSeq.json),
            ("schema_version", .int(schemaVersion)),
        ]))
    }
}

extension HealthReport: JSONOutput {
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("ok", .bool(isHealthy)),
            ("path", .string(path)),
            ("file_bytes", fileBytes.json),
            ("wal_bytes", walBytes.json),
            ("schema_version", .int(schemaVersion)),
            ("latest_schema_version", .int(latestSchemaVersion)),
            ("migration_problems", .array(migrationProblems.map(JSONValue.string))),
            ("schema_differences", .array(schemaDifferences.map(JSONValue.string))),
            ("events", .int(events)),
            ("skills", .int(skills)),
            ("last_seq", lastSeq.json),
            ("last_invoked_at", .optionalString(lastInvokedAt)),
            ("last_recorded_at", .optionalString(lastRecordedAt)),
            ("integrity", .string(integrity.joined(separator: "\n"))),
            ("integrity_ok", .bool(integrityOK)),
            ("projections_in_step", .bool(projectionsInStep)),
            ("projection_differences", .int(projectionDifferences)),
            ("projection_error", .optionalString(projectionError)),
            ("last_checkpoint_seq", lastCheckpointSeq.json),
            ("audit_ok", .bool(auditProblems.isEmpty)),
            ("audit_problems", .array(auditProblems.map(JSONValue.string))),
        ]))
    }
}

// MARK: Appends and the legacy bridge

/// `append --json`: what was written, and the id of a single event.
struct AppendOutput: JSONOutput {
    var result: SkillMetricsStore.AppendResult
    var eventID: String?

    var jsonOutput: JSONValue {
        var object = JSONObject([
            ("appended", .int(result.appended)),
            ("already_present", .int(result.alreadyPresent)),
            ("last_seq", result.lastSeq.json),
        ])
        if let eventID { object.append("id", .string(eventID)) }
        return .object(object)
    }
}

extension LegacyImportReport: JSONOutput {
    var jsonOutput: JSONValue { .object(json) }
}

extension LegacyFieldDifference: JSONOutput {
    var jsonOutput: JSONValue { .object(json) }
}

/// `diff-json --json`.
struct LegacyDiffOutput: JSONOutput {
    var differences: [LegacyFieldDifference]

    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("ok", .bool(!differences.contains { $0.severity == .mismatch })),
            ("differences", differences.jsonOutput),
        ]))
    }
}

extension LegacyCutover.CutoverResult: JSONOutput {
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("ok", .bool(succeeded)),
            ("import", importReport.jsonOutput),
            ("verify_ok", .bool(verify.isConsistent)),
            ("verify_differences", verify.differences.jsonOutput),
            ("backup", .optionalString(backupPath)),
        ]))
    }
}

extension LegacyExporter.Result: JSONOutput {
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("path", .string(path)),
            ("dialect", .string(dialect.rawValue)),
            ("time_zone", .string(timeZone)),
            ("invocations", .int(invocations)),
            ("skills", .int(skills)),
            ("last_updated", .optionalString(lastUpdated)),
            ("bytes", .int(bytes)),
        ]))
    }
}

/// `rollback --json`: the export, and where the previous legacy file was kept.
struct RollbackOutput: JSONOutput {
    var result: LegacyExporter.Result
    var backup: String?

    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("path", .string(result.path)),
            ("invocations", .int(result.invocations)),
            ("skills", .int(result.skills)),
            ("backup", .optionalString(backup)),
        ]))
    }
}

/// `refresh-summary --status --json` before any refresh.
struct NeverRefreshedOutput: JSONOutput {
    var events: Int

    var jsonOutput: JSONValue {
        .object(JSONObject([("refreshed_at", .null), ("stale_events", .int(events))]))
    }
}

// MARK: Schema

extension SkillMetricsStore.RebuildResult: JSONOutput {
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("events", .int(events)),
            ("skills", .int(skills)),
            ("session_skills", .int(sessionSkills)),
        ]))
    }
}

/// What `rebuild` did: the schema objects it restored (``SchemaRepair``), then the rebuild.
struct RebuildOutput: JSONOutput {
    var result: SkillMetricsStore.RebuildResult
    var restored: [SchemaDifference]

    /// The rebuild's own fields, then `schema_restored`.
    var jsonOutput: JSONValue {
        guard case .object(var object) = result.jsonOutput else { return result.jsonOutput }
        object.append("schema_restored", .array(restored.map { difference in
            .object(JSONObject([
                ("kind", .string(difference.kind)),
                ("name", .string(difference.name)),
                ("finding", .string(difference.description)),
            ]))
        }))
        return .object(object)
    }
}

extension MigrationRunner.VersionStatus: JSONOutput {
    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("version", .int(version)),
            ("description", .string(description)),
            ("state", .string(state.rawValue)),
            ("checksum", .string(checksum)),
            ("applied_at", .optionalString(appliedAt)),
            ("file", .optionalString(file)),
        ]))
    }
}

/// `migrate --json` (`applied`) and `migrate undo --json` (`undone`): the versions and the
/// schema version reached.
struct MigrationOutput: JSONOutput {
    var key: String
    var versions: [Int]
    var schemaVersion: Int

    var jsonOutput: JSONValue {
        .object(JSONObject([
            (key, .array(versions.map(JSONValue.int))),
            ("schema_version", .int(schemaVersion)),
        ]))
    }
}

/// `migrate validate --json`.
struct MigrationValidationOutput: JSONOutput {
    var problems: [MigrationProblem]

    var jsonOutput: JSONValue {
        .object(JSONObject([
            ("ok", .bool(problems.isEmpty)),
            ("problems", .array(problems.map { .string($0.description) })),
        ]))
    }
}
