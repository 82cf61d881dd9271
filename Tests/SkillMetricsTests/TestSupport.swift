import Foundation
@testable import SkillMetrics

/// A fresh directory under the system temporary directory, removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("skill-metrics-tests-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }
}

/// Paths inside the package (tests read `Fixtures/` from the source tree, never `../shared`).
enum PackagePaths {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func fixture(_ relative: String) -> String {
        root + "/Fixtures/" + relative
    }

    static let migrations = root + "/Schemas/migrations"
}

/// A store on its own temporary database.
struct TestDatabase {
    let directory = TemporaryDirectory()
    let store: SkillMetricsStore

    init(options: SkillMetricsStore.Options = SkillMetricsStore.Options()) throws {
        store = try SkillMetricsStore(path: directory.file("metrics.db"), options: options)
    }

    var path: String { store.path }
}

func ts(_ text: String) -> Timestamp {
    (try? Timestamp.parse(text)) ?? Timestamp(microsecondsSinceEpoch: 0)
}
