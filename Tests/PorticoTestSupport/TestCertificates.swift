import Foundation

/// A private CA and a server certificate it signed, made with the `openssl` CLI for TLS
/// tests: the certificate is valid for `localhost`, 127.0.0.1 and ::1.
public struct TestCertificates: Sendable {
    public let directory: URL
    /// PEM of the CA: what a client trusts (`SMTPConfiguration.caFile`).
    public let caCertificate: URL
    /// PEM of the server certificate, and its private key.
    public let serverCertificate: URL
    public let serverKey: URL

    /// Generates a fresh CA and server certificate in a new temporary directory.
    public static func generate() async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("portico-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

        try await openssl(
            ["req", "-x509"] + curve + [
                "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2",
                "-subj", "/CN=Portico Test CA \(UUID().uuidString.prefix(8))",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        try await openssl(
            ["req"] + curve + [
                "-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost",
            ])
        try """
        basicConstraints = CA:FALSE
        keyUsage = critical, digitalSignature, keyEncipherment
        extendedKeyUsage = serverAuth
        subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
        """.write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try await openssl([
            "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
            "-set_serial", "0x\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16))",
            "-days", "2", "-extfile", path("server.ext"), "-out", path("server.pem"),
        ])
        return TestCertificates(
            directory: directory,
            caCertificate: directory.appendingPathComponent("ca.pem"),
            serverCertificate: directory.appendingPathComponent("server.pem"),
            serverKey: directory.appendingPathComponent("server.key")
        )
    }

    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private static func openssl(_ arguments: [String]) async throws {
        let result = try await TestProcess.run(["/usr/bin/openssl"] + arguments)
        guard result.exitCode == 0 else {
            throw TestSupportError("openssl \(arguments.first ?? "") failed (\(result.exitCode)): \(result.output)")
        }
    }
}
