import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Subscriber API: work orders kept to their owner (credentials and isolation)")
struct WorkOrderAPIAccessTests: WorkOrderAPIScenario {
    // MARK: Credentials

    @Test("no token, a malformed one, an unknown one, an expired one, a revoked one and another tenant's: 401 and nothing changes")
    func credentials() async throws {
        let world = try await Self.world()
        let other = try await TestTenant.create()
        let (_, stranger) = try await other.subscriber(name: "Olga Other")
        let foreignToken = try await Self.token(other, stranger)
        let expired = try await Self.token(world.tenant, world.customer)
        let revoked = try await Self.token(world.tenant, world.customer)
        _ = try await Self.order(world, title: "Mine")
        try await TestApp.with { (app: TestApp) async throws in
            let good = APIClient(app: app, host: world.tenant.host, token: expired)
            #expect(try await good.get("/api/v1/work-orders").status == .ok)
            // Expire this one token, revoke the family of the other.
            try await world.tenant.transaction { tx in
                let subscriber = try #require(try await Repositories.postgres.apiTokens.authenticate(accessToken: revoked, in: tx))
                try await Repositories.postgres.apiTokens.revokeFamily(subscriber.tokenFamily, in: tx)
                let family = try #require(try await Repositories.postgres.apiTokens.authenticate(accessToken: expired, in: tx)).tokenFamily
                try await tx.execute("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE family_id = \(family)")
            }
            let before = try await Self.snapshot(world.tenant)
            let cases: [(String?, String, String)] = [
                (nil, "missing_credentials", "no token"), ("", "missing_credentials", "empty"),
                ("Basic abc", "malformed_credentials", "basic"), ("Bearer pa_unknown", "invalid_token", "unknown"),
                ("Bearer \(expired)", "invalid_token", "expired"), ("Bearer \(revoked)", "invalid_token", "revoked"),
                ("Bearer \(foreignToken)", "invalid_token", "other tenant"),
            ]
            for (header, code, label) in cases {
                let client = APIClient(app: app, host: world.tenant.host)
                var headers: HTTPFields = [:]
                if let header, !header.isEmpty { headers[.authorization] = header }
                let list = try await client.get("/api/v1/work-orders", headers: headers)
                #expect(list.status == .unauthorized, "\(label)")
                #expect(list.errorCode == code, "\(label)")
                let create = try await client.post("/api/v1/work-orders", json: ["title": "Intruder"], headers: headers)
                #expect(create.status == .unauthorized, "\(label)")
                var patchHeaders = headers
                patchHeaders[.ifMatch] = "\"1\""
                let patch = try await client.patch("/api/v1/work-orders/1001", json: ["title": "Hijacked"], headers: patchHeaders)
                #expect(patch.status == .unauthorized, "\(label)")
                let comment = try await client.post("/api/v1/work-orders/1001/comments", json: ["body": "hi"], headers: headers)
                #expect(comment.status == .unauthorized, "\(label)")
            }
            #expect(try await Self.snapshot(world.tenant) == before)
        }
    }

    // MARK: Isolation

    @Test("another organization's or tenant's numbers and file ids: the same 404 as a missing one on every route, nothing changed")
    func isolation() async throws {
        let world = try await Self.world()
        // Our order is #1003; the other tenant has only a #1001.
        _ = try await Self.order(world, title: "Filler one")
        _ = try await Self.order(world, title: "Filler two")
        let mine = try await Self.order(world, title: "Private order", status: .draft)
        let (file, _) = try await Self.attachInternalAndShared(world, number: mine.number)
        let (_, neighbour) = try await world.tenant.subscriber(name: "Nina Neighbour")
        let neighbourToken = try await Self.token(world.tenant, neighbour)
        let otherTenant = try await TestTenant.create()
        let (strangerOrganization, stranger) = try await otherTenant.subscriber(name: "Frank Foreign")
        let strangerToken = try await Self.token(otherTenant, stranger)
        // The stranger has an order with the same number in their own tenant.
        _ = try await otherTenant.transaction { tx in
            try await Repositories.postgres.workOrders.create(
                NewWorkOrder(organizationId: strangerOrganization.id, title: "Theirs", status: .draft),
                by: Actor(kind: .customer, id: stranger.id, name: stranger.name), in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let owner = APIClient(app: app, host: world.tenant.host, token: world.token)
            let missing = try await owner.get("/api/v1/work-orders/999999")
            #expect(missing.status == .notFound)
            let missingMessage = try #require(missing.json?["error"])

            let before = try await Self.snapshot(world.tenant)
            let otherBefore = try await Self.snapshot(otherTenant)
            let neighbourClient = APIClient(app: app, host: world.tenant.host, token: neighbourToken)
            let strangerClient = APIClient(app: app, host: otherTenant.host, token: strangerToken)
            let fileID = file.id.uuidString.lowercased()
            for (client, label, fileNumber) in [(neighbourClient, "other organization", mine.number), (strangerClient, "other tenant", mine.number)] {
                let responses: [(String, APIResponse)] = [
                    ("get", try await client.get("/api/v1/work-orders/\(mine.number)")),
                    (
                        "patch",
                        try await client.patch("/api/v1/work-orders/\(mine.number)", json: ["title": "Hijacked"], headers: Self.ifMatch(mine.version))
                    ),
                    (
                        "cancel",
                        try await client.patch(
                            "/api/v1/work-orders/\(mine.number)", json: ["status": "cancelled", "reason": "x"], headers: Self.ifMatch(mine.version))
                    ),
                    ("history", try await client.get("/api/v1/work-orders/\(mine.number)/history")),
                    ("comment", try await client.post("/api/v1/work-orders/\(mine.number)/comments", json: ["body": "Hello"])),
                    ("attachments", try await client.get("/api/v1/work-orders/\(mine.number)/attachments")),
                    ("upload", try await Self.upload(client, mine.number, files: [("file", "x.jpg", SampleFile.jpeg())])),
                    ("download", try await client.get("/api/v1/work-orders/\(fileNumber)/attachments/\(fileID)")),
                ]
                for (route, response) in responses {
                    #expect(response.status == .notFound, "\(label) \(route): \(response)")
                    #expect(response.errorCode == "not_found", "\(label) \(route)")
                    #expect(!response.body.contains("Private order") && !response.body.contains("site.jpg"), "\(label) \(route)")
                    if route != "download" { #expect(response.json?["error"] == missingMessage, "\(label) \(route)") }
                }
            }
            // Our file id under the stranger's own order number (which exists in their tenant): 404 too.
            #expect(try await strangerClient.get("/api/v1/work-orders/1001/attachments/\(fileID)").status == .notFound)
            #expect(try await Self.snapshot(world.tenant) == before)
            #expect(try await Self.snapshot(otherTenant) == otherBefore)
            #expect(Self.blobs(app, otherTenant).isEmpty)
            // And the owner still sees the order, unchanged.
            let own = try await owner.get("/api/v1/work-orders/\(mine.number)")
            #expect(own["title"]?.string == "Private order")
            // Malformed numbers and ids are the same 404.
            for path in [
                "/api/v1/work-orders/abc", "/api/v1/work-orders/0", "/api/v1/work-orders/-3/history",
                "/api/v1/work-orders/\(mine.number)/attachments/not-a-uuid",
                "/api/v1/work-orders/\(mine.number)/attachments/\(UUID().uuidString.lowercased())",
            ] {
                let response = try await owner.get(path)
                #expect(response.status == .notFound, "\(path)")
            }
        }
    }
}
