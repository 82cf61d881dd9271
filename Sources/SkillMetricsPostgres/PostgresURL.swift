import Foundation
import PostgresNIO

/// A `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…&sslrootcert=FILE]` URL.
///
/// The password may also come from `PGPASSWORD`. ``redacted`` is the only form ever printed.
public struct PostgresURL: Sendable, Equatable {
    /// How TLS is used (libpq's `sslmode` names).
    public enum TLSMode: String, Sendable, Equatable {
        /// Plain TCP.
        case disable
        /// TLS required, the certificate not checked.
        case require
        /// TLS required, the certificate checked against `sslrootcert` and the host name.
        case verifyFull = "verify-full"
    }

    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var tlsMode: TLSMode
    public var rootCertificatePath: String?

    /// True when `text` names a PostgreSQL database rather than a file.
    public static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses `text`; `environment` supplies `PGPASSWORD` when the URL has no password.
    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(TeamLogError) {
        let redactedText = Self.redact(text)
        guard Self.isPostgresURL(text), let components = URLComponents(string: text) else {
            throw .invalidURL(redactedText, reason: "expected postgres://USER[:PASSWORD]@HOST[:PORT]/DB")
        }
        guard let user = components.user, !user.isEmpty else {
            throw .invalidURL(redactedText, reason: "no user")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidURL(redactedText, reason: "no host")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/") else {
            throw .invalidURL(redactedText, reason: "no database name")
        }
        var mode = TLSMode.disable
        var rootCertificate: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let parsed = TLSMode(rawValue: value) else {
                    throw .invalidURL(redactedText, reason: "sslmode must be disable, require or verify-full")
                }
                mode = parsed
            case "sslrootcert":
                guard let value = item.value, !value.isEmpty else {
                    throw .invalidURL(redactedText, reason: "sslrootcert needs a file")
                }
                rootCertificate = value
            default:
                throw .invalidURL(redactedText, reason: "unknown parameter \(item.name)")
            }
        }
        if mode == .verifyFull && rootCertificate == nil {
            throw .invalidURL(redactedText, reason: "sslmode=verify-full needs sslrootcert=FILE")
        }
        self.user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? user
        let urlPassword = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        password = urlPassword ?? environment["PGPASSWORD"]
        self.host = host
        port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw .invalidURL(redactedText, reason: "port out of range") }
        database = path.removingPercentEncoding ?? path
        tlsMode = mode
        rootCertificatePath = rootCertificate
    }

    /// The URL without its password (`postgres://user:***@host:port/db?sslmode=…`).
    public var redacted: String {
        var text = "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
        if tlsMode != .disable { text += "?sslmode=\(tlsMode.rawValue)" }
        return text
    }

    /// Any text that may be a URL, with the password part (between `://user:` and `@`) masked.
    public static func redact(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return text }
        let credentials = rest[..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(rest[at...])
    }

    /// The postgres-nio connection configuration.
    func configuration() throws(TeamLogError) -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch tlsMode {
            case .disable:
                tls = .disable
            case .require:
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.certificateVerification = .none
                tls = .require(try NIOSSLContext(configuration: configuration))
            case .verifyFull:
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.certificateVerification = .fullVerification
                if let rootCertificatePath {
                    configuration.trustRoots = .file(rootCertificatePath)
                }
                tls = .require(try NIOSSLContext(configuration: configuration))
            }
        } catch {
            throw .invalidURL(redacted, reason: "TLS setup: \(error)")
        }
        return PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
    }
}
