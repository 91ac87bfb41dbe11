import Foundation

/// Where and how `SMTPTransport` delivers: the relay, its TLS mode and credentials.
///
/// Built from the environment with `parse(url:startTLS:caFile:)`. Printing it never shows
/// the password.
public struct SMTPConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Security: Sendable, Equatable {
        /// `smtp://` upgraded with STARTTLS; the delivery fails if the server does not offer it.
        case startTLS
        /// `smtps://`: TLS from the first byte.
        case implicitTLS
        /// `smtp://` without TLS: only ever allowed to a loopback relay.
        case plaintext
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// PEM file of the CA that signed the relay's certificate (SMTP_CA_FILE); nil trusts
    /// the system's CAs.
    public var caFile: String?
    /// Name sent with EHLO: the URL's path (`smtp://relay/portico.example.net`), else
    /// libcurl's default (this machine's host name).
    public var heloName: String?
    /// Time to establish the TCP connection (and TLS for smtps).
    public var connectTimeout: Duration = .seconds(10)
    /// Time for the whole delivery, connection included. libcurl 7.88 waits for the reply
    /// to the end of the message on a timer of its own, also set to this (rounded up to
    /// whole seconds), so a server that never answers there is given up on after at most
    /// about twice this.
    public var totalTimeout: Duration = .seconds(60)

    public init(
        host: String, port: Int, security: Security, username: String? = nil, password: String? = nil,
        caFile: String? = nil, heloName: String? = nil
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
        self.heloName = heloName
    }

    /// The URL handed to libcurl: no credentials (those go through their own options).
    var curlURL: String {
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(hostPart):\(port)/\(heloName ?? "")"
    }

    public var description: String {
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        let hostPart = host.contains(":") ? "[\(host)]" : host
        var credentials = ""
        if let username { credentials = "\(username):***@" }
        let tls: String
        switch security {
        case .startTLS: tls = "STARTTLS required"
        case .implicitTLS: tls = "implicit TLS"
        case .plaintext: tls = "no TLS"
        }
        return "\(scheme)://\(credentials)\(hostPart):\(port) (\(tls)\(caFile.map { ", CA \($0)" } ?? ""))"
    }

    public var debugDescription: String { description }
}
