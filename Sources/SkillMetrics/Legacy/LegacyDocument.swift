import Foundation

/// A parsed legacy JSON file of either dialect.
///
/// Parsing is strict: malformed JSON, `NaN`/`Infinity`, a missing key, an unknown key or a
/// value of the wrong type is a ``SkillMetricsError/invalidInput(location:reason:)`` whose
/// location names the file and the line/column (syntax) or the JSON path
/// (`invocations[3].duration_seconds`). Nothing is ever silently reset to empty.
public struct LegacyDocument: Sendable, Equatable {
    public var dialect: LegacyDialect
    /// In start order, as in the file.
    public var invocations: [LegacyInvocation]
    /// crackerjack only: the tracker's aggregates, in file order.
    public var skills: [LegacySkill]
    /// crackerjack only: `last_updated` as written (nil for `null`).
    public var lastUpdated: String?

    public init(dialect: LegacyDialect, invocations: [LegacyInvocation] = [], skills: [LegacySkill] = [], lastUpdated: String? = nil) {
        self.dialect = dialect
        self.invocations = invocations
        self.skills = skills
        self.lastUpdated = lastUpdated
    }

    /// Reads and parses the file at `path`. `dialect` nil: detected (a top-level `skills`
    /// key means crackerjack; `invocations` alone means session-buddy).
    public static func load(path: String, dialect: LegacyDialect? = nil) throws -> LegacyDocument {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SkillMetricsError.fileAccess(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw SkillMetricsError.fileAccess(path: path, reason: "is a directory, not a JSON file")
        }
        // A valid file is read a window at a time into the document; anything else (or a
        // value longer than the window) is read whole and decided as before.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            defer { close(descriptor) }
            if let document = LegacyDocumentReader.read(descriptor: descriptor, dialect: dialect) { return document }
        }
        guard let bytes = readBytes(path) else {
            throw SkillMetricsError.fileAccess(path: path, reason: "cannot read the file")
        }
        return try parse(bytes, file: path, dialect: dialect)
    }

    /// The file's bytes, read straight into one buffer (no second copy of a large file).
    static func readBytes(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_size >= 0, info.st_size < Int.max / 4 else { return nil }
        return LegacyDocumentReader.readAll(descriptor: descriptor, sizeHint: Int(info.st_size))
    }

    /// Parses legacy JSON bytes; `file` names the source in error messages.
    ///
    /// A valid file is decoded straight from its bytes (`LegacyDocumentReader`); anything
    /// that reader does not accept goes through the tree parser and the path-tracking decoder,
    /// which decide and name the error exactly.
    public static func parse(_ bytes: [UInt8], file: String, dialect: LegacyDialect? = nil) throws -> LegacyDocument {
        if let document = LegacyDocumentReader.read(bytes, dialect: dialect) { return document }
        return try parseTree(bytes, file: file, dialect: dialect)
    }

    /// The tree path: ``JSONParser`` builds the whole value, ``Decoder`` checks it.
    static func parseTree(_ bytes: [UInt8], file: String, dialect: LegacyDialect? = nil) throws -> LegacyDocument {
        let root: JSONValue
        do {
            root = try JSONParser().parse(bytes)
        } catch {
            throw SkillMetricsError.invalidInput(location: "\(file), line \(error.line), column \(error.column)", reason: "not valid JSON: \(error.message)")
        }
        var decoder = Decoder(file: file)
        return try decoder.document(root, dialect: dialect)
    }

    /// The document as the legacy tracker writes it: `json.dumps(indent=2)`, ASCII only,
    /// no trailing newline. Throws ``SkillMetricsError/unrepresentableNumber(path:value:)`` for a
    /// total that overflowed to infinity (Python would write `Infinity`, which is not JSON and
    /// which legacy-json.md treats as bad input).
    public func serialized() throws(SkillMetricsError) -> String {
        var object = JSONObject()
        object.append("invocations", .array(invocations.map { $0.jsonValue(dialect: dialect) }))
        if dialect == .crackerjack {
            object.append("skills", .object(JSONObject(skills.map { ($0.key, $0.jsonValue) })))
            object.append("last_updated", .optionalString(lastUpdated))
        }
        let value = JSONValue.object(object)
        try value.requireFiniteNumbers()
        return JSONWriter(style: .python(ensureASCII: true)).string(value)
    }

    /// Path-tracking decoder: every error names the JSON path of the bad value.
    private struct Decoder {
        let file: String

        func fail(_ path: String, _ reason: String) -> SkillMetricsError {
            .invalidInput(location: "\(file): \(path.isEmpty ? "(top level)" : path)", reason: reason)
        }

        func object(_ value: JSONValue, _ path: String) throws -> JSONObject {
            guard case .object(let object) = value else { throw fail(path, "expected an object, got \(value.typeName)") }
            return object
        }

        func member(_ object: JSONObject, _ key: String, _ path: String) throws -> JSONValue {
            guard let value = object[key] else { throw fail(path, "missing key \"\(key)\"") }
            return value
        }

        func string(_ value: JSONValue, _ path: String) throws -> String {
            guard case .string(let text) = value else { throw fail(path, "expected a string, got \(value.typeName)") }
            return text
        }

        func optionalString(_ value: JSONValue, _ path: String) throws -> String? {
            if case .null = value { return nil }
            guard case .string(let text) = value else { throw fail(path, "expected a string or null, got \(value.typeName)") }
            return text
        }

        func bool(_ value: JSONValue, _ path: String) throws -> Bool {
            guard case .bool(let flag) = value else { throw fail(path, "expected true or false, got \(value.typeName)") }
            return flag
        }

        func int(_ value: JSONValue, _ path: String) throws -> Int {
            guard case .number(let number) = value else { throw fail(path, "expected an integer, got \(value.typeName)") }
            guard let int = number.intValue else { throw fail(path, "expected an integer, got \(number.literal.prefix(40))") }
            return int
        }

        func double(_ value: JSONValue, _ path: String) throws -> Double {
            guard case .number(let number) = value else { throw fail(path, "expected a number, got \(value.typeName)") }
            guard number.doubleValue.isFinite else { throw fail(path, "number \(number.literal.prefix(40)) is out of range") }
            return number.doubleValue
        }

        func strings(_ value: JSONValue, _ path: String) throws -> [String] {
            guard case .array(let elements) = value else { throw fail(path, "expected a list of strings, got \(value.typeName)") }
            return try elements.enumerated().map { offset, element in try string(element, "\(path)[\(offset)]") }
        }

        func counts(_ value: JSONValue, _ path: String) throws -> OrderedCounts {
            let object = try object(value, path)
            var counts = OrderedCounts()
            // JSONParser refuses a repeated key, so each count goes to a new key: no sum.
            for member in object.members {
                counts.add(member.key, count: try int(member.value, "\(path)[\(JSONWriter.quoted(member.key))]"))
            }
            return counts
        }

        func checkKeys(_ object: JSONObject, allowed: [String], _ path: String) throws {
            for key in object.keys where !allowed.contains(key) {
                throw fail(path, "unexpected key \(JSONWriter.quoted(key)) (it would be lost on export)")
            }
        }

        mutating func document(_ root: JSONValue, dialect requested: LegacyDialect?) throws -> LegacyDocument {
            let top = try object(root, "")
            let dialect = requested ?? Self.detect(top)
            let topKeys = dialect == .crackerjack ? ["invocations", "skills", "last_updated"] : ["invocations"]
            guard case .array(let list) = try member(top, "invocations", "") else {
                throw fail("invocations", "expected a list, got \(top["invocations"]?.typeName ?? "nothing")")
            }
            var document = LegacyDocument(dialect: dialect)
            document.invocations.reserveCapacity(list.count)
            for (offset, element) in list.enumerated() {
                document.invocations.append(try invocation(element, "invocations[\(offset)]", dialect))
            }
            if dialect == .crackerjack {
                let skills = try object(try member(top, "skills", ""), "skills")
                for entry in skills.members {
                    document.skills.append(try skill(entry.key, entry.value, "skills[\(JSONWriter.quoted(entry.key))]"))
                }
                document.lastUpdated = try optionalString(try member(top, "last_updated", ""), "last_updated")
            }
            try checkKeys(top, allowed: topKeys, "")
            return document
        }

        /// crackerjack when the file has its top-level keys, or when its first invocation has
        /// no `session_id`; session-buddy otherwise.
        static func detect(_ top: JSONObject) -> LegacyDialect {
            if top["skills"] != nil || top["last_updated"] != nil { return .crackerjack }
            if case .array(let list)? = top["invocations"], case .object(let first)? = list.first, first["session_id"] == nil {
                return .crackerjack
            }
            return .sessionBuddy
        }

        func invocation(_ value: JSONValue, _ path: String, _ dialect: LegacyDialect) throws -> LegacyInvocation {
            let object = try object(value, path)
            func field(_ key: String) throws -> JSONValue { try member(object, key, path) }
            let invokedAt = try string(try field("invoked_at"), "\(path).invoked_at")
            switch dialect {
            case .crackerjack:
                guard LocalDateTime.parse(invokedAt) != nil else {
                    throw fail("\(path).invoked_at", "expected a naive local time YYYY-MM-DDTHH:MM:SS[.ffffff], got \(JSONWriter.quoted(String(invokedAt.prefix(64))))")
                }
            case .sessionBuddy:
                do {
                    _ = try Timestamp.parse(invokedAt)
                } catch {
                    throw fail("\(path).invoked_at", error.description)
                }
            }
            var duration: Double?
            var durationLiteral: String?
            let durationValue = try field("duration_seconds")
            if case .number(let number) = durationValue {
                duration = try double(durationValue, "\(path).duration_seconds")
                if PythonFloatFormatter.repr(number.doubleValue) != number.literal { durationLiteral = number.literal }
            } else if case .null = durationValue {
                duration = nil
            } else {
                throw fail("\(path).duration_seconds", "expected a number or null, got \(durationValue.typeName)")
            }
            var extra = JSONObject()
            var sessionID: String?
            if dialect == .sessionBuddy {
                sessionID = try optionalString(try field("session_id"), "\(path).session_id")
                let query = try field("user_query")
                _ = try optionalString(query, "\(path).user_query")
                let alternatives = try field("alternatives_considered")
                _ = try strings(alternatives, "\(path).alternatives_considered")
                let rank = try field("selection_rank")
                if case .null = rank {} else { _ = try int(rank, "\(path).selection_rank") }
                extra = JSONObject([("user_query", query), ("alternatives_considered", alternatives), ("selection_rank", rank)])
            }
            let invocation = LegacyInvocation(
                skillName: try string(try field("skill_name"), "\(path).skill_name"),
                invokedAt: invokedAt,
                sessionID: sessionID,
                workflowPath: try optionalString(try field("workflow_path"), "\(path).workflow_path"),
                completed: try bool(try field("completed"), "\(path).completed"),
                durationSeconds: duration,
                durationLiteral: durationLiteral,
                followUpActions: try strings(try field("follow_up_actions"), "\(path).follow_up_actions"),
                errorType: try optionalString(try field("error_type"), "\(path).error_type"),
                extra: extra)
            try checkKeys(object, allowed: dialect.invocationKeys, path)
            return invocation
        }

        func skill(_ key: String, _ value: JSONValue, _ path: String) throws -> LegacySkill {
            let object = try object(value, path)
            let keys = ["skill_name", "total_invocations", "completed_invocations", "abandoned_invocations",
                        "total_duration_seconds", "workflow_paths", "common_errors", "follow_up_actions",
                        "first_invoked", "last_invoked", "completion_rate", "avg_duration_seconds"]
            func field(_ name: String) throws -> JSONValue { try member(object, name, path) }
            let skill = LegacySkill(
                key: key,
                skillName: try string(try field("skill_name"), "\(path).skill_name"),
                totalInvocations: try int(try field("total_invocations"), "\(path).total_invocations"),
                completedInvocations: try int(try field("completed_invocations"), "\(path).completed_invocations"),
                abandonedInvocations: try int(try field("abandoned_invocations"), "\(path).abandoned_invocations"),
                totalDurationSeconds: try double(try field("total_duration_seconds"), "\(path).total_duration_seconds"),
                workflowPaths: try counts(try field("workflow_paths"), "\(path).workflow_paths"),
                commonErrors: try counts(try field("common_errors"), "\(path).common_errors"),
                followUpActions: try counts(try field("follow_up_actions"), "\(path).follow_up_actions"),
                firstInvoked: try optionalString(try field("first_invoked"), "\(path).first_invoked"),
                lastInvoked: try optionalString(try field("last_invoked"), "\(path).last_invoked"),
                completionRate: try double(try field("completion_rate"), "\(path).completion_rate"),
                avgDurationSeconds: try double(try field("avg_duration_seconds"), "\(path).avg_duration_seconds"))
            try checkKeys(object, allowed: keys, path)
            return skill
        }
    }
}
