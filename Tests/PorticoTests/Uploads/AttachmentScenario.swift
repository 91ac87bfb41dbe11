import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// What the attachment route suites share: a tenant with a subscriber who can sign in, an agent
/// and a technician; the order form the portal sends; and what the database and the blob store
/// hold afterwards, to check what an upload kept and that a refused one left nothing behind.
protocol AttachmentScenario {}

/// The scenario's helpers for suites elsewhere that check the same store (upload language, branding, the API).
enum AttachmentFixture: AttachmentScenario {}

struct AttachmentWorld {
    let tenant: TestTenant
    let organization: Organization
    let customer: Customer
    let agent: StaffUser
    let technician: StaffUser
}

extension AttachmentScenario {
    typealias World = AttachmentWorld

    static func world() async throws -> World {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await tenant.signInableSubscriber(name: "Uma Uploader")
        let agent = try await tenant.staff(role: .agent, name: "Avery Agent")
        let technician = try await tenant.staff(role: .technician, name: "Terry Tech")
        return World(tenant: tenant, organization: organization, customer: customer, agent: agent, technician: technician)
    }

    /// Where a tenant's blobs live for the test app, and the files there now.
    static func blobs(_ app: TestApp, _ tenant: TestTenant) -> [String] {
        regularFiles(
            under: app.dependencies.configuration.dataDirectory.appendingPathComponent("files").appendingPathComponent(tenant.id.description))
    }

    static func counts(_ tenant: TestTenant) async throws -> (orders: Int, comments: Int, attachments: Int) {
        try await tenant.transaction { tx in
            (
                try await tx.scalar("SELECT count(*)::int FROM work_orders", as: Int.self) ?? 0,
                try await tx.scalar("SELECT count(*)::int FROM work_order_comments", as: Int.self) ?? 0,
                try await tx.scalar("SELECT count(*)::int FROM attachments", as: Int.self) ?? 0
            )
        }
    }

    static func attachmentIDs(_ tenant: TestTenant, number: Int) async throws -> [(id: String, name: String)] {
        try await tenant.transaction { tx in
            try await tx.rows(
                """
                SELECT a.id::text AS id, a.file_name FROM attachments a JOIN work_orders w ON w.id = a.work_order_id
                 WHERE w.number = \(number) ORDER BY a.created_at, a.file_name
                """
            ).map { (try $0.decode("id", as: String.self), try $0.decode("file_name", as: String.self)) }
        }
    }

    static var order: [String: String] {
        [
            "title": "Dish knocked over", "description": "See the photos.", "priority": "normal", "quantity": "1",
            "service_location": "1 Test Lane",
        ]
    }

    static func orderFields(action: String) -> [(String, String)] {
        order.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + [("action", action)]
    }
}

enum CSRFPlacement: CustomStringConvertible {
    case first, missing, wrong, afterFiles

    var description: String {
        switch self {
        case .first: "token first"
        case .missing: "no token"
        case .wrong: "wrong token"
        case .afterFiles: "token after the files"
        }
    }
}

extension Browser {
    /// Posts a `multipart/form-data` form the way a browser does: the CSRF token of the last
    /// page first (unless a test places it otherwise), then the fields, then the files.
    @discardableResult
    func postForm(
        _ path: String, fields: [(String, String)], files: [(String, String, [UInt8])], csrf: CSRFPlacement = .first,
        headers: HTTPFields = [:], chunkSize: Int? = nil, pulled: PulledBytes? = nil
    ) async throws -> HTTPTestResponse {
        var body = MultipartBody()
        let token = csrfToken ?? ""
        switch csrf {
        case .first: body.field("csrf_token", token)
        case .wrong: body.field("csrf_token", String(token.reversed()) + "x")
        case .missing, .afterFiles: break
        }
        for (name, value) in fields { body.field(name, value) }
        for (name, fileName, content) in files {
            if fileName.isEmpty { body.emptyFileInput(name) } else { body.file(name, fileName: fileName, content) }
        }
        if case .afterFiles = csrf { body.field("csrf_token", token) }
        let bytes = body.finished()
        let requestBody: RequestBody =
            if let chunkSize {
                RequestBody(asyncSequence: ChunkedBody(bytes: bytes, chunkSize: chunkSize, pulled: pulled))
            } else {
                RequestBody(buffer: ByteBuffer(bytes: bytes))
            }
        return try await post(
            path, contentType: body.contentType, body: requestBody, contentLength: chunkSize == nil ? bytes.count : nil, headers: headers)
    }
}
