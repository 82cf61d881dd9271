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

    /// True when `text` names a PostgreSQL database rather than a file: it starts with
    /// `postgres:` or `postgresql:` in any case, with or without the `//` (without, it is a
    /// malformed URL, never a file path).
    public static func isPostgresURL(_ text: String) -> Bool {
        schemeLength(text) != nil
    }

    /// The length of `text`'s `postgres:` or `postgresql:` prefix (any case), nil without one.
    private static func schemeLength(_ text: Substring) -> Int? {
        let lowered = text.prefix(11).lowercased()
        if lowered.hasPrefix("postgresql:") { return 11 }
        if lowered.hasPrefix("postgres:") { return 9 }
        return nil
    }

    private static func schemeLength(_ text: String) -> Int? {
        schemeLength(text[...])
    }

    /// Parses `text`; `environment` supplies `PGPASSWORD` when the URL has no password.
    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(TeamLogError) {
        let redactedText = Self.redact(text)
        guard let scheme = Self.schemeLength(text), text.dropFirst(scheme).hasPrefix("//"),
              let components = URLComponents(string: text) else {
            throw .invalidURL(redactedText, reason: "expected postgres://USER[:PASSWORD]@HOST[:PORT]/DB")
        }
        guard let user = components.user, !user.isEmpty else {
            throw .invalidURL(redactedText, reason: "no user")
        }
        // An IPv6 literal comes bracketed ([::1]); the name to connect to has no brackets.
        guard var host = components.host, !host.isEmpty else {
            throw .invalidURL(redactedText, reason: "no host")
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else {
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

    /// The URL without its password (`postgres://user:***@host:port/db?sslmode=…`), made from
    /// its parts: the user name and database percent-encoded again (a user `a@b:c` prints as
    /// `a%40b%3Ac`), an IPv6 host in brackets.
    public var redacted: String {
        var userAllowed = CharacterSet.urlUserAllowed
        userAllowed.remove(charactersIn: ":@/?#[]%")
        var pathAllowed = CharacterSet.urlPathAllowed
        pathAllowed.remove(charactersIn: "/?#%")
        let encodedUser = user.addingPercentEncoding(withAllowedCharacters: userAllowed) ?? user
        let encodedDatabase = database.addingPercentEncoding(withAllowedCharacters: pathAllowed) ?? database
        let hostText = host.contains(":") ? "[\(host)]" : host
        var text = "postgres://\(encodedUser)\(password == nil ? "" : ":***")@\(hostText):\(port)/\(encodedDatabase)"
        if tlsMode != .disable { text += "?sslmode=\(tlsMode.rawValue)" }
        return text
    }

    /// `text` with the password of every `postgres:`/`postgresql:` URL in it (any case, with
    /// or without `//`) masked as `***`. A URL ends at white space or a quote; its password is
    /// what follows the first `:` of the part before its last `@` (before the path). Without an
    /// `@`, what follows a `:` of the authority is masked unless it is a port number, so that
    /// a malformed URL never shows a password either. Masked text stays as it is.
    public static func redact(_ text: String) -> String {
        var output = ""
        var rest = text[...]
        while let start = rest.indices.first(where: { index in
            (index == rest.startIndex || !rest[rest.index(before: index)].isLetter) && schemeLength(rest[index...]) != nil
        }) {
            output += rest[..<start]
            let end = rest[start...].firstIndex(where: { $0.isWhitespace || $0 == "\"" || $0 == "'" || $0 == "`" }) ?? rest.endIndex
            output += redactOne(rest[start..<end])
            rest = rest[end...]
        }
        return output + rest
    }

    /// One URL (``redact(_:)``).
    private static func redactOne(_ url: Substring) -> String {
        guard let scheme = schemeLength(url) else { return String(url) }
        var authorityStart = url.index(url.startIndex, offsetBy: scheme)
        while authorityStart < url.endIndex, url[authorityStart] == "/" { authorityStart = url.index(after: authorityStart) }
        let afterAuthority = url[authorityStart...]
        // The credentials end at the last @ (a password may hold / ? or #); without one, the
        // authority ends at the first / ? or #.
        if let at = afterAuthority.lastIndex(of: "@") {
            let credentials = url[authorityStart..<at]
            guard let colon = credentials.firstIndex(of: ":") else { return String(url) }
            return String(url[..<colon]) + ":***" + String(url[at...])
        }
        let authorityEnd = afterAuthority.firstIndex(where: { "/?#".contains($0) }) ?? url.endIndex
        let authority = url[authorityStart..<authorityEnd]
        guard let colon = authority.firstIndex(of: ":") else { return String(url) }
        let after = authority[authority.index(after: colon)...]
        if after.allSatisfy(\.isNumber) || after == "***" { return String(url) }
        return String(url[..<colon]) + ":***" + String(url[authorityEnd...])
    }

    /// The PEM certificates of `sslrootcert`, or an error naming the file and what is wrong.
    private func certificates(_ path: String) throws(TeamLogError) -> [NIOSSLCertificate] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .invalidURL(redacted, reason: "sslrootcert \(path): no such file")
        }
        guard !isDirectory.boolValue else {
            throw .invalidURL(redacted, reason: "sslrootcert \(path): a directory, not a certificate file")
        }
        guard let certificates = try? NIOSSLCertificate.fromPEMFile(path), !certificates.isEmpty else {
            throw .invalidURL(redacted, reason: "sslrootcert \(path): unreadable or not a PEM certificate")
        }
        return certificates
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
                    configuration.trustRoots = .certificates(try certificates(rootCertificatePath))
                }
                tls = .require(try NIOSSLContext(configuration: configuration))
            }
        } catch let error as TeamLogError {
            throw error
        } catch {
            throw .invalidURL(redacted, reason: "TLS setup: \(error)")
        }
        return PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
    }
}
