import Foundation
import Portico
import PorticoTestSupport
import Testing

/// Oversized bodies over real sockets answer 413 on every path that reads a body — forms,
/// JSON (chunked, so no Content-Length gives it away), CSV imports, uploads — and a client
/// that goes away mid-body is logged as a 400: never 503 `internal_error`, never an error line.
@Suite("Oversized and broken-off bodies on a live server")
struct BodyLimitTests {
    /// A live server, an admin signed in (through the in-process app on the same database:
    /// sessions live in PostgreSQL), and the log.
    struct World {
        let server: LiveServer
        let tenant: TestTenant
        let cookie: String
        let csrf: String
        let capture: LogCapture
    }

    func withWorld(_ body: (World) async throws -> Void) async throws {
        let capture = LogCapture()
        let dependencies = try await OperationsDatabase.dependencies(http: OperationsDatabase.limits(header: 10, idle: 10), logger: capture)
        let tenant = try await TestTenant.create(pool: dependencies.pool)
        let admin = try await tenant.staff(role: .admin)
        try await TestApp.with(databaseURL: try await OperationsDatabase.url()) { app in
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            try await console.get("/admin/import")
            let csrf = try #require(console.csrfToken)
            try await LiveServer.with(dependencies) { server in
                try await body(World(server: server, tenant: tenant, cookie: console.cookieHeader, csrf: csrf, capture: capture))
            }
        }
        let errors = capture.records.filter { $0.level >= .error }
        #expect(errors.isEmpty, "error lines: \(errors.map(\.text))")
        #expect(!capture.accessLines.contains { $0.metadata["status"] == "503" }, "a 503 was answered")
    }

    func head(_ world: World, _ method: String, _ path: String, contentType: String, length: Int?, signedIn: Bool = true) -> String {
        var lines = [
            "\(method) \(path) HTTP/1.1", "Host: \(world.tenant.host)", "Origin: http://\(world.tenant.host)",
            "Sec-Fetch-Site: same-origin", "Content-Type: \(contentType)",
        ]
        lines.append(length.map { "Content-Length: \($0)" } ?? "Transfer-Encoding: chunked")
        if signedIn { lines.append("Cookie: \(world.cookie)") }
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    /// `bytes` as chunks of 64 KiB, then the last chunk.
    func chunked(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            let size = min(65_536, bytes.count - offset)
            out += Array("\(String(size, radix: 16))\r\n".utf8) + bytes[offset..<(offset + size)] + Array("\r\n".utf8)
            offset += size
        }
        return out + Array("0\r\n\r\n".utf8)
    }

    func multipart(boundary: String, csrf: String, field: String, fileName: String, contentType: String, file: [UInt8]) -> [UInt8] {
        Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n\(csrf)\r\n".utf8)
            + Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(fileName)\"\r\nContent-Type: \(contentType)\r\n\r\n"
                    .utf8)
            + file + Array("\r\n--\(boundary)--\r\n".utf8)
    }

    /// Sends a whole request and returns the status line's code and the response so far.
    func send(_ world: World, head: String, body: [UInt8]) async throws -> (status: String, text: String) {
        try await RawConnection.with(port: world.server.port) { connection in
            try await connection.send(head)
            try await connection.send(body)
            let text = try await connection.waitForText(containing: "\r\n\r\n", timeout: .seconds(30))
            return (String(text.dropFirst("HTTP/1.1 ".count).prefix(3)), text)
        }
    }

    @Test("a form over 1 MiB, with Content-Length or chunked")
    func largeForm() async throws {
        try await withWorld { world in
            let form = Array("identifier=a&password=".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 1_200_000)
            let declared = try await send(
                world,
                head: head(
                    world, "POST", "/portal/login", contentType: "application/x-www-form-urlencoded",
                    length: form.count, signedIn: false), body: form)
            #expect(declared.status == "413")
            let streamed = try await send(
                world,
                head: head(
                    world, "POST", "/portal/login", contentType: "application/x-www-form-urlencoded",
                    length: nil, signedIn: false), body: chunked(form))
            #expect(streamed.status == "413")
            #expect(streamed.text.contains("too large"))
        }
    }

    @Test("chunked JSON over 64 KiB to the API")
    func largeJSON() async throws {
        try await withWorld { world in
            let json =
                Array("{\"email\":\"a@example.net\",\"password\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "p"), count: 100_000) + Array("\"}".utf8)
            let response = try await send(
                world,
                head: head(
                    world, "POST", "/api/v1/auth/login", contentType: "application/json",
                    length: nil, signedIn: false), body: chunked(json))
            #expect(response.status == "413")
            let body = try await RawConnection.with(port: world.server.port) { connection in
                try await connection.send(head(world, "POST", "/api/v1/auth/login", contentType: "application/json", length: nil, signedIn: false))
                try await connection.send(chunked(json))
                return try await connection.waitForText(containing: "}}", timeout: .seconds(10))
            }
            #expect(body.contains("\"code\":\"too_large\""))
        }
    }

    @Test("a CSV import over 20 MB, chunked")
    func largeImport() async throws {
        try await withWorld { world in
            let boundary = "PorticoBodyLimit\(UUID().uuidString.prefix(8))"
            let row = Array("Name,Email\r\n".utf8)
            var csv: [UInt8] = []
            csv.reserveCapacity(21 * 1_048_576)
            while csv.count < 21 * 1_048_576 { csv += row }
            let body = multipart(boundary: boundary, csrf: world.csrf, field: "file", fileName: "big.csv", contentType: "text/csv", file: csv)
            let response = try await send(
                world,
                head: head(
                    world, "POST", "/admin/import", contentType: "multipart/form-data; boundary=\(boundary)",
                    length: nil), body: chunked(body))
            #expect(response.status == "413")
            #expect(try await world.capture.waitForAccessLine(route: "/admin/import").metadata["status"] == "413")
        }
    }

    @Test("an upload over its limit")
    func largeUpload() async throws {
        try await withWorld { world in
            let boundary = "PorticoBodyLimit\(UUID().uuidString.prefix(8))"
            let body = multipart(
                boundary: boundary, csrf: world.csrf, field: "file", fileName: "logo.png", contentType: "image/png",
                file: SampleFile.png(size: 1_200_000))
            let response = try await send(
                world,
                head: head(
                    world, "POST", "/admin/branding/logo", contentType: "multipart/form-data; boundary=\(boundary)",
                    length: body.count), body: body)
            #expect(response.status == "413")
        }
    }

    @Test(
        "a client that goes away mid-body: a 400 in the access log, nothing else",
        arguments: [
            "/portal/login", "/admin/import", "/admin/branding/logo", "/api/v1/auth/login",
        ])
    func clientGoesAway(_ path: String) async throws {
        try await withWorld { world in
            let boundary = "PorticoBodyLimit\(UUID().uuidString.prefix(8))"
            let contentType: String
            let start: [UInt8]
            // Declared lengths under each limit (over it, the answer is 413 before any body is read).
            var declared = 500_000
            switch path {
            case "/portal/login":
                contentType = "application/x-www-form-urlencoded"
                start = Array("identifier=a&password=".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 20_000)
            case "/api/v1/auth/login":
                contentType = "application/json"
                declared = 60_000
                start = Array("{\"email\":\"a@example.net\",\"password\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "p"), count: 20_000)
            default:
                contentType = "multipart/form-data; boundary=\(boundary)"
                start = Array(
                    multipart(
                        boundary: boundary, csrf: world.csrf, field: "file", fileName: "logo.png", contentType: "image/png",
                        file: SampleFile.png(size: 400_000)
                    ).prefix(100_000))
            }
            try await RawConnection.with(port: world.server.port) { connection in
                try await connection.send(head(world, "POST", path, contentType: contentType, length: declared, signedIn: path.hasPrefix("/admin")))
                try await connection.send(start)
                try await Task.sleep(for: .milliseconds(300))
                await connection.abort()
            }
            let line = try await world.capture.waitForAccessLine(
                route: path, timeout: .seconds(30), failure: "\(world.capture.accessLines.map(\.metadata))")
            #expect(line.metadata["status"] == "400")
            #expect(line.level == .info)
        }
    }
}
