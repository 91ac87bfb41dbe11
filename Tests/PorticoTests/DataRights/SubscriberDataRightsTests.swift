import Foundation
import NIOCore
import Portico
import PorticoTestSupport
import Postgres
import Testing
import ZIPFoundation

/// A subscriber's data rights: the ZIP of everything the portal holds about their membership
/// (and nothing staff keep for themselves, nor anything of another member, account or tenant),
/// a deletion request (an owner who shares the account hands it over first), and staff
/// deleting a login: the person is gone, the account's history keeps its shape.
@Suite("Subscriber data rights")
struct SubscriberDataRightsTests {
    struct World {
        let tenant: TestTenant
        let organization: Organization
        let owner: Customer
        let member: Customer
        let admin: StaffUser
        let order: WorkOrder
        let memberDraft: WorkOrder
        let ownerDraft: WorkOrder
        let tag: String
        let sharedFile: AttachmentRecord
        let fileBytes: [UInt8]
    }

    static func storeBlob(_ app: TestApp, tenant: TestTenant, _ bytes: [UInt8]) async throws -> StoredBlob {
        let writer = try await app.dependencies.blobStore.makeWriter(tenant: tenant.id)
        try await writer.write(ByteBuffer(bytes: bytes))
        return try await writer.finish()
    }

    /// An account with an owner and a member; a submitted order with shared and internal
    /// comments, an internal-notes change, a shared and an internal file; each person's private
    /// draft; shared and internal notes; an appointment-free task; mail to the owner.
    func world(_ app: TestApp) async throws -> World {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        let tag = UUID().uuidString.prefix(8).lowercased()
        let (organization, owner) = try await tenant.signInableSubscriber(name: "Olive Owner \(tag)")
        let hash = try await TestPasswords.hash()
        let fileBytes = Array("photo of the dish \(tag)".utf8)
        let shared = try await Self.storeBlob(app, tenant: tenant, fileBytes)
        let hidden = try await Self.storeBlob(app, tenant: tenant, Array("internal \(tag)".utf8))
        return try await tenant.transaction { tx in
            let repositories = Repositories.postgres
            let member = try await repositories.customers.create(
                NewCustomer(
                    organizationId: organization.id, role: .member, name: "Milo Member \(tag)", email: "milo-\(tag)@example.net",
                    passwordHash: hash, status: .active, emailVerified: true), in: tx)
            let ownerActor = Actor(kind: .customer, id: owner.id, name: owner.name)
            let staffActor = Actor(kind: .staff, id: admin.id, name: "Stan Staff")
            let order = try await repositories.workOrders.create(
                NewWorkOrder(
                    organizationId: organization.id, title: "Dish realignment \(tag)", description: "Signal drops at night", status: .submitted),
                by: ownerActor, in: tx)
            _ = try await repositories.workOrders.update(
                order, changes: [.init(.internalNotes, "STAFF-ONLY-NOTE-\(tag)")], expectedVersion: order.version,
                by: staffActor, reason: "", in: tx)
            _ = try await repositories.workOrders.addComment(
                to: order.id, body: "Owner asks about Tuesday \(tag)", visibility: .shared, by: ownerActor, in: tx)
            _ = try await repositories.workOrders.addComment(
                to: order.id, body: "INTERNAL-COMMENT-\(tag)", visibility: .internalOnly, by: staffActor, in: tx)
            let sharedFile = try await repositories.workOrders.addAttachment(
                NewAttachment(
                    workOrderId: order.id, fileName: "dish.jpg", contentType: "image/jpeg", sizeBytes: Int64(shared.size), sha256: shared.sha256,
                    storageKey: shared.key.rawValue, uploadedBy: ownerActor), in: tx)
            _ = try await repositories.workOrders.addAttachment(
                NewAttachment(
                    workOrderId: order.id, fileName: "INTERNAL-FILE.pdf", contentType: "application/pdf", sizeBytes: Int64(hidden.size),
                    sha256: hidden.sha256,
                    storageKey: hidden.key.rawValue, uploadedBy: staffActor, visibility: .internalOnly), in: tx)
            let memberDraft = try await repositories.workOrders.create(
                NewWorkOrder(
                    organizationId: organization.id, title: "MEMBER-DRAFT-\(tag)", description: "Private", status: .draft),
                by: Actor(kind: .customer, id: member.id, name: member.name), in: tx)
            let ownerDraft = try await repositories.workOrders.create(
                NewWorkOrder(
                    organizationId: organization.id, title: "OWNER-DRAFT-\(tag)", description: "Mine", status: .draft), by: ownerActor, in: tx)
            _ = try await repositories.notes.create(
                organization: organization.id, customer: nil, body: "Shared note \(tag)", visibility: .shared,
                author: staffActor, in: tx)
            _ = try await repositories.notes.create(
                organization: organization.id, customer: nil, body: "INTERNAL-NOTE-\(tag)", visibility: .internalOnly,
                author: staffActor, in: tx)
            _ = try await repositories.tasks.create(
                NewTask(
                    organizationId: organization.id, customerId: nil, workOrderId: nil,
                    title: "Reboot the router \(tag)", details: "", dueDate: nil, createdByStaffId: admin.id), in: tx)
            return World(
                tenant: tenant, organization: organization, owner: owner, member: member, admin: admin, order: order,
                memberDraft: memberDraft, ownerDraft: ownerDraft, tag: String(tag), sharedFile: sharedFile, fileBytes: fileBytes)
        }
    }

    static func entries(_ bytes: [UInt8]) throws -> [String: Data] {
        let archive = try Archive(data: Data(bytes), accessMode: .read)
        var files: [String: Data] = [:]
        for entry in archive {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            files[entry.path] = data
        }
        return files
    }

    @Test(
        "the ZIP holds the member's profile, the account's orders with history, shared comments and files, notes and tasks — and nothing staff-only, private or foreign"
    )
    func exportZip() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            let world = try await world(app)
            let stranger = try await world.tenant.signInableSubscriber(name: "STRANGER-\(world.tag)")
            let otherTenant = try await TestTenant.create()
            _ = try await otherTenant.signInableSubscriber(name: "FOREIGN-\(world.tag)")

            let owner = Browser(app: app, host: world.tenant.host)
            #expect(try await owner.signInCustomer(world.owner.email).status == .seeOther)
            #expect(try await owner.get("/portal/profile").body.contains("Download my data"))
            let response = try await owner.get("/portal/profile/data.zip")
            #expect(response.status == .ok)
            #expect(response.header("Content-Type") == "application/zip")
            #expect(response.header("Content-Disposition")?.contains(".zip") == true)
            #expect(response.header("Cache-Control") == "no-store")

            let files = try Self.entries(response.bytes)
            for name in [
                "README.txt", "data.json", "profile.txt", "work-orders.csv", "appointments.csv", "tasks.csv", "notes.txt",
                "activity.csv", "emails.csv", "work-orders/\(world.order.number).txt",
            ] {
                #expect(files[name] != nil, "\(name) is in the archive")
            }
            let everything = files.values.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
            let json = String(decoding: try #require(files["data.json"]), as: UTF8.self)
            for expected in [
                "Olive Owner \(world.tag)", world.owner.email, "Dish realignment \(world.tag)", "Owner asks about Tuesday \(world.tag)",
                "Shared note \(world.tag)", "Reboot the router \(world.tag)", "OWNER-DRAFT-\(world.tag)", "Milo Member \(world.tag)",
            ] {
                #expect(json.contains(expected), "data.json has \(expected)")
            }
            for hidden in [
                "STAFF-ONLY-NOTE", "INTERNAL-COMMENT", "INTERNAL-NOTE", "INTERNAL-FILE", "MEMBER-DRAFT", "STRANGER-", "FOREIGN-",
                stranger.1.email,
            ] {
                #expect(!everything.contains(hidden), "the archive never mentions \(hidden)")
            }
            // The shared file, byte for byte, where the order's text says it is.
            let path = try #require(files.keys.first { $0.hasPrefix("attachments/\(world.order.number)/") && $0.hasSuffix("dish.jpg") })
            #expect(files[path].map(Array.init) == world.fileBytes)
            #expect(files.keys.filter { $0.hasPrefix("attachments/") }.count == 1)
            #expect(String(decoding: files["work-orders/\(world.order.number).txt"]!, as: UTF8.self).contains(path))

            let audited = try await world.tenant.transaction { tx in
                try await tx.scalar(
                    "SELECT count(*)::int FROM audit_events WHERE action = 'customer.data_exported' AND actor_id = \(world.owner.id)", as: Int.self)
            }
            #expect(audited == 1)

            // The member's own export has their draft, not the owner's.
            let member = Browser(app: app, host: world.tenant.host)
            #expect(try await member.signInCustomer(world.member.email).status == .seeOther)
            let theirs = try Self.entries(try await member.get("/portal/profile/data.zip").bytes)
            let theirJSON = String(decoding: try #require(theirs["data.json"]), as: UTF8.self)
            #expect(theirJSON.contains("MEMBER-DRAFT-\(world.tag)"))
            #expect(!theirJSON.contains("OWNER-DRAFT-\(world.tag)"))

            // Signed out: the sign-in page, no archive.
            let anonymous = Browser(app: app, host: world.tenant.host)
            #expect([.seeOther, .found].contains(try await anonymous.get("/portal/profile/data.zip").status))
        }
    }

    @Test("five downloads an hour per login: the sixth is refused with the wait, another login of the same account is unaffected")
    func downloadLimit() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            let world = try await world(app)
            let owner = Browser(app: app, host: world.tenant.host)
            #expect(try await owner.signInCustomer(world.owner.email).status == .seeOther)
            for _ in 0..<5 { #expect(try await owner.get("/portal/profile/data.zip").status == .ok) }
            let refused = try await owner.get("/portal/profile/data.zip")
            #expect(refused.status == .tooManyRequests)
            #expect(refused.body.contains("downloaded your data 5 times in the last hour"))
            #expect(refused.header("Retry-After").flatMap(Int.init).map { $0 > 0 } == true)
            let member = Browser(app: app, host: world.tenant.host)
            #expect(try await member.signInCustomer(world.member.email).status == .seeOther)
            #expect(try await member.get("/portal/profile/data.zip").status == .ok)
        }
    }

    @Test("an owner who shares the account hands it over first; then the request is recorded once, audited, and can be withdrawn")
    func deletionRequest() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            let world = try await world(app)
            let owner = Browser(app: app, host: world.tenant.host)
            #expect(try await owner.signInCustomer(world.owner.email).status == .seeOther)
            try await owner.get("/portal/profile")

            let refused = try await owner.post("/portal/profile/deletion", ["reason": "Moving away"])
            #expect(refused.status == .conflict)
            #expect(refused.body.contains("Make one of them the owner"))
            let tooLong = try await owner.post("/portal/profile/deletion", ["reason": String(repeating: "x", count: 1001)])
            #expect(tooLong.status == .unprocessableContent)
            #expect(tooLong.body.contains("Use at most 1,000 characters."))
            #expect(try await requests(world) == [])

            let handedOver = try await owner.post("/portal/profile/members/\(world.member.id.uuidString.lowercased())/make-owner")
            #expect(handedOver.status == .ok)
            #expect(handedOver.body.contains("now owns this account"))
            let roles = try await world.tenant.transaction { tx in
                try await tx.rows("SELECT role FROM customers WHERE organization_id = \(world.organization.id) ORDER BY name")
                    .map { try $0.decode("role", as: String.self) }
            }
            #expect(roles == ["owner", "member"])  // by name: Milo Member, Olive Owner
            // No longer the owner: handing over again is refused.
            #expect(try await owner.post("/portal/profile/members/\(world.member.id.uuidString.lowercased())/make-owner").status == .forbidden)
            try await owner.get("/portal/profile")

            let asked = try await owner.post("/portal/profile/deletion", ["reason": "Moving away"])
            #expect(asked.status == .ok)
            #expect(asked.body.contains("We have your request"))
            #expect(asked.body.contains("Withdraw my request"))
            #expect(try await owner.post("/portal/profile/deletion", ["reason": "Again"]).body.contains("You already asked"))
            #expect(try await requests(world) == ["pending:Moving away"])

            // Staff see it.
            let admin = Browser(app: app, host: world.tenant.host)
            #expect(try await admin.signInStaff(world.admin.email).status == .seeOther)
            let list = try await admin.get("/admin/deletion-requests")
            #expect(list.status == .ok)
            #expect(list.body.contains(world.owner.email))
            #expect(list.body.contains("Moving away"))

            let withdrawn = try await owner.post("/portal/profile/deletion/withdraw")
            #expect(withdrawn.body.contains("Your request is withdrawn"))
            #expect(try await requests(world) == ["withdrawn:Moving away"])
            #expect(!(try await admin.get("/admin/deletion-requests").body.contains(world.owner.email)))
            let actions = try await world.tenant.transaction { tx in
                try await tx.rows("SELECT action FROM audit_events WHERE actor_id = \(world.owner.id) AND action LIKE 'customer.%' ORDER BY id")
                    .map { try $0.decode("action", as: String.self) }
            }
            #expect(actions == ["customer.ownership_transferred", "customer.deletion_requested", "customer.deletion_withdrawn"])
        }
    }

    func requests(_ world: World) async throws -> [String] {
        try await world.tenant.transaction { tx in
            try await tx.rows("SELECT status, reason FROM deletion_requests ORDER BY requested_at")
                .map { "\(try $0.decode("status", as: String.self)):\(try $0.decode("reason", as: String.self))" }
        }
    }

    @Test(
        "handing over ownership names a member of the same account: another account's or tenant's member, a pending login and nonsense are the same 404"
    )
    func makeOwnerIsolation() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            let world = try await world(app)
            let (_, stranger) = try await world.tenant.signInableSubscriber(name: "Stranger")
            let otherTenant = try await TestTenant.create()
            let (_, foreign) = try await otherTenant.signInableSubscriber(name: "Foreigner")
            let pending = try await world.tenant.transaction { tx in
                try await Repositories.postgres.customers.create(
                    NewCustomer(
                        organizationId: world.organization.id, role: .member, name: "Invited", email: "invited-\(world.tag)@example.net",
                        passwordHash: nil, status: .pending, emailVerified: false), in: tx)
            }
            let owner = Browser(app: app, host: world.tenant.host)
            #expect(try await owner.signInCustomer(world.owner.email).status == .seeOther)
            for id in [
                stranger.id.uuidString, foreign.id.uuidString, pending.id.uuidString, UUID().uuidString, "not-a-uuid", world.owner.id.uuidString,
            ] {
                try await owner.get("/portal/profile")  // a page with the form token
                #expect(try await owner.post("/portal/profile/members/\(id.lowercased())/make-owner").status == .notFound, "\(id)")
            }
            let owners = try await world.tenant.transaction { tx in
                try await tx.scalar(
                    "SELECT string_agg(name, ',') FROM customers WHERE role = 'owner' AND organization_id = \(world.organization.id)", as: String.self
                )
            }
            #expect(owners == world.owner.name)
            let foreignRole = try await otherTenant.transaction { tx in
                try await tx.scalar("SELECT role FROM customers WHERE id = \(foreign.id)", as: String.self)
            }
            #expect(foreignRole == "owner")
        }
    }

    @Test(
        "deleting a login: the person is gone, signed out, tokens revoked; history shows “Deleted customer”; the audit log keeps facts without personal data"
    )
    func staffDeletes() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            let world = try await world(app)
            let member = Browser(app: app, host: world.tenant.host)
            #expect(try await member.signInCustomer(world.member.email).status == .seeOther)
            try await member.get("/portal/profile")
            #expect(try await member.post("/portal/profile/deletion", ["reason": "Privacy"]).status == .ok)
            // Milo's own traces: a shared comment and a change on the account's order.
            try await world.tenant.transaction { tx in
                let actor = Actor(kind: .customer, id: world.member.id, name: world.member.name)
                _ = try await Repositories.postgres.workOrders.addComment(
                    to: world.order.id, body: "Milo says hi", visibility: .shared, by: actor, in: tx)
                let current = try #require(try await Repositories.postgres.workOrders.find(id: world.order.id, in: tx))
                _ = try await Repositories.postgres.workOrders.update(
                    current, changes: [.init(.title, "Dish realignment \(world.tag) (both)")],
                    expectedVersion: current.version, by: actor, reason: "", in: tx)
                try await tx.execute(
                    """
                    INSERT INTO outbox (tenant_id, kind, recipient, subject, text_body, message_id)
                    VALUES (\(world.tenant.id.rawValue), 'test', \(world.member.email), 'Hello Milo', 'Body', \("m-\(world.tag)@example.net"))
                    """)
            }
            // What must survive: everything outside the member's private draft, and every audit fact about them.
            let before = try await world.tenant.transaction { tx in
                (
                    try await tx.scalar("SELECT count(*)::int FROM work_order_changes WHERE work_order_id <> \(world.memberDraft.id)", as: Int.self),
                    try await tx.scalar("SELECT count(*)::int FROM work_order_comments", as: Int.self),
                    try await tx.scalar(
                        "SELECT count(*)::int FROM audit_events WHERE actor_kind = 'customer' AND actor_id = \(world.member.id)", as: Int.self)
                )
            }
            #expect((before.2 ?? 0) >= 2, "the member's sign-in and request are on record")

            let admin = Browser(app: app, host: world.tenant.host)
            #expect(try await admin.signInStaff(world.admin.email).status == .seeOther)
            let base = "/admin/customers/\(world.organization.id.uuidString.lowercased())/members/\(world.member.id.uuidString.lowercased())/delete"
            let confirm = try await admin.get(base)
            #expect(confirm.status == .ok)
            #expect(confirm.body.contains("Privacy"))
            let wrong = try await admin.post(base, ["confirm_email": "someone@example.net"])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.body.contains("to confirm the deletion"))
            #expect(
                try await world.tenant.transaction { tx in
                    try await tx.scalar("SELECT count(*)::int FROM customers WHERE id = \(world.member.id)", as: Int.self)
                } == 1)

            let done = try await admin.post(base, ["confirm_email": world.member.email.uppercased()])
            #expect(done.status == .ok)
            #expect(done.body.contains("login is deleted"))

            // Signed out: the next page asks them to sign in.
            #expect([.seeOther, .found].contains(try await member.get("/portal/profile").status))

            let email = world.member.email
            let after = try await world.tenant.transaction { tx in
                (
                    customers: try await tx.scalar(
                        "SELECT count(*)::int FROM customers WHERE id = \(world.member.id) OR email = \(email)", as: Int.self),
                    sessions: try await tx.scalar("SELECT count(*)::int FROM sessions WHERE principal_id = \(world.member.id)", as: Int.self),
                    drafts: try await tx.scalar("SELECT count(*)::int FROM work_orders WHERE id = \(world.memberDraft.id)", as: Int.self),
                    ownerDraft: try await tx.scalar("SELECT count(*)::int FROM work_orders WHERE id = \(world.ownerDraft.id)", as: Int.self),
                    changes: try await tx.scalar("SELECT count(*)::int FROM work_order_changes", as: Int.self),
                    comments: try await tx.scalar("SELECT count(*)::int FROM work_order_comments", as: Int.self),
                    commentAuthor: try await tx.scalar("SELECT author_name FROM work_order_comments WHERE body = 'Milo says hi'", as: String.self),
                    changeActor: try await tx.scalar("SELECT actor_name FROM work_order_changes WHERE new_value LIKE '%(both)'", as: String.self),
                    mail: try await tx.scalar("SELECT count(*)::int FROM outbox WHERE recipient = \(email)", as: Int.self),
                    request: try await tx.scalar("SELECT status || ':' || reason || ':' || resolved_by FROM deletion_requests", as: String.self),
                    leaks: try await tx.scalar(
                        """
                        SELECT count(*)::int FROM audit_events
                         WHERE actor_label ILIKE \(email) OR target_id ILIKE \(email) OR details::text ILIKE \("%\(email)%")
                            OR actor_id = \(world.member.id) OR details::text LIKE \("%\(world.member.id.uuidString.lowercased())%")
                        """, as: Int.self),
                    audits: try await tx.scalar(
                        "SELECT count(*)::int FROM audit_events WHERE actor_kind = 'customer' AND actor_label = 'Deleted customer' AND ip = ''",
                        as: Int.self),
                    deleted: try await tx.scalar(
                        "SELECT count(*)::int FROM audit_events WHERE action = 'customer.deleted' AND target_id = 'Deleted customer'", as: Int.self),
                    requestedKept: try await tx.scalar(
                        "SELECT actor_label FROM audit_events WHERE action = 'customer.deletion_requested'", as: String.self),
                    ownerRole: try await tx.scalar("SELECT role FROM customers WHERE id = \(world.owner.id)", as: String.self)
                )
            }
            #expect(after.customers == 0)
            #expect(after.sessions == 0)
            #expect(after.drafts == 0, "the member's private draft goes with them")
            #expect(after.ownerDraft == 1, "another person's draft stays")
            #expect(after.changes == before.0, "the history keeps its shape (the private draft's own history went with it)")
            #expect(after.comments == before.1)
            #expect(after.commentAuthor == "Deleted customer")
            #expect(after.changeActor == "Deleted customer")
            #expect(after.mail == 0)
            #expect(after.request == "completed::\(world.admin.email)")
            #expect(after.leaks == 0, "no audit entry names the person any more")
            #expect(after.audits == before.2, "every fact the person did is kept, without their name, id, address or browser")
            #expect(after.deleted == 1)
            #expect(after.requestedKept == "Deleted customer")
            #expect(after.ownerRole == "owner")
            // Their address no longer signs in.
            #expect(try await Browser(app: app, host: world.tenant.host).signInCustomer(world.member.email).status != .seeOther)

            // The account page still shows the order, its history and comments.
            let order = try await admin.get("/admin/work-orders/\(world.order.number)")
            #expect(order.status == .ok)
            #expect(order.body.contains("Deleted customer"))
            #expect(!order.body.contains("Milo Member"))
        }
    }

    @Test("deleting an owner passes the account to the longest-standing member; API tokens are revoked")
    func ownerDeletedByStaff() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            let world = try await world(app)
            try await world.tenant.transaction { tx in
                try await tx.execute(
                    """
                    INSERT INTO api_tokens (tenant_id, token_hash, kind, family_id, customer_id, expires_at)
                    VALUES (\(world.tenant.id.rawValue), repeat('7', 64), 'refresh', gen_random_uuid(), \(world.owner.id), now() + interval '1 day')
                    """)
            }
            let admin = Browser(app: app, host: world.tenant.host)
            #expect(try await admin.signInStaff(world.admin.email).status == .seeOther)
            let base = "/admin/customers/\(world.organization.id.uuidString.lowercased())/members/\(world.owner.id.uuidString.lowercased())/delete"
            #expect(try await admin.get(base).body.contains("becomes the owner"))
            let done = try await admin.post(base, ["confirm_email": world.owner.email])
            #expect(done.body.contains("now owns the account"))
            let (role, tokens, orders) = try await world.tenant.transaction { tx in
                (
                    try await tx.scalar("SELECT role FROM customers WHERE id = \(world.member.id)", as: String.self),
                    try await tx.scalar("SELECT count(*)::int FROM api_tokens WHERE customer_id = \(world.owner.id)", as: Int.self),
                    try await tx.scalar(
                        "SELECT count(*)::int FROM work_orders WHERE id = \(world.order.id) AND created_by_customer_id IS NULL", as: Int.self)
                )
            }
            #expect(role == "owner")
            #expect(tokens == 0)
            #expect(orders == 1, "the order stays with the account, raised by nobody in particular")
        }
    }

    @Test("deletion routes: another account's or tenant's member, nonsense ids and non-admins get a refusal and nothing changes")
    func deletionIsolation() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            let world = try await world(app)
            let (strangerOrganization, stranger) = try await world.tenant.signInableSubscriber(name: "Stranger")
            let otherTenant = try await TestTenant.create()
            let (foreignOrganization, foreign) = try await otherTenant.signInableSubscriber(name: "Foreigner")
            let agent = try await world.tenant.staff(role: .agent)

            let admin = Browser(app: app, host: world.tenant.host)
            #expect(try await admin.signInStaff(world.admin.email).status == .seeOther)
            try await admin.get("/admin/deletion-requests")
            let org = world.organization.id.uuidString.lowercased()
            let paths = [
                "/admin/customers/\(org)/members/\(stranger.id.uuidString.lowercased())/delete",  // another account's member
                "/admin/customers/\(strangerOrganization.id.uuidString.lowercased())/members/\(world.member.id.uuidString.lowercased())/delete",
                "/admin/customers/\(foreignOrganization.id.uuidString.lowercased())/members/\(foreign.id.uuidString.lowercased())/delete",
                "/admin/customers/\(org)/members/\(foreign.id.uuidString.lowercased())/delete",
                "/admin/customers/\(org)/members/\(UUID().uuidString)/delete",
                "/admin/customers/\(org)/members/nonsense/delete",
            ]
            for path in paths {
                #expect(try await admin.get(path).status == .notFound, "\(path)")
                for email in [stranger.email, foreign.email, world.member.email] {
                    try await admin.get("/admin/deletion-requests")  // a page with the form token
                    #expect(try await admin.post(path, ["confirm_email": email]).status == .notFound, "\(path)")
                }
            }
            let agentBrowser = Browser(app: app, host: world.tenant.host)
            #expect(try await agentBrowser.signInStaff(agent.email).status == .seeOther)
            try await agentBrowser.get("/admin")
            #expect(try await agentBrowser.get("/admin/deletion-requests").status == .forbidden)
            let real = "/admin/customers/\(org)/members/\(world.member.id.uuidString.lowercased())/delete"
            try await agentBrowser.get("/admin")  // a page with the form token: the refusal is the role's
            #expect(try await agentBrowser.post(real, ["confirm_email": world.member.email]).status == .forbidden)

            let here = try await world.tenant.transaction { tx in try await tx.scalar("SELECT count(*)::int FROM customers", as: Int.self) }
            let there = try await otherTenant.transaction { tx in try await tx.scalar("SELECT count(*)::int FROM customers", as: Int.self) }
            #expect(here == 3)
            #expect(there == 1)
        }
    }
}
