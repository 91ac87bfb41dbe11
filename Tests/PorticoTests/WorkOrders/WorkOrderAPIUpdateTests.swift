import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Subscriber API: work orders changed, commented on and their history")
struct WorkOrderAPIUpdateTests: WorkOrderAPIScenario {
    // MARK: Update

    @Test("PATCH needs If-Match: missing 400, malformed 400, stale 412 with nothing changed; current applies and returns the next ETag")
    func ifMatch() async throws {
        let world = try await Self.world()
        // Submitted, not a draft: staff change it below, and a draft is its author's alone.
        let order = try await Self.order(world, title: "Original", status: .submitted)
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: world.tenant.host, token: world.token)
            let path = "/api/v1/work-orders/\(order.number)"
            let before = try await Self.snapshot(world.tenant)
            let missing = try await client.patch(path, json: ["title": "Changed"])
            #expect(missing.status == .badRequest)
            #expect(missing.errorCode == "if_match_required")
            let malformed = try await client.patch(path, json: ["title": "Changed"], headers: [.ifMatch: "\"abc\""])
            #expect(malformed.status == .badRequest)
            #expect(malformed.errorCode == "if_match_invalid")
            let stale = try await client.patch(path, json: ["title": "Changed"], headers: Self.ifMatch(order.version + 5))
            #expect(stale.status == .preconditionFailed)
            #expect(stale.errorCode == "version_mismatch")
            #expect(try await Self.snapshot(world.tenant) == before)

            let changed = try await client.patch(path, json: ["title": "Changed", "quantity": 3], headers: Self.ifMatch(order.version))
            #expect(changed.status == .ok)
            #expect(changed["title"]?.string == "Changed")
            #expect(changed["quantity"]?.int == 3)
            #expect(changed["description"]?.string == "Details", "absent fields stay as they are")
            let version = try #require(changed["version"]?.int)
            #expect(version == order.version + 1)
            #expect(changed.header("ETag") == "\"\(version)\"")

            // Someone else (staff) changes it: the subscriber's old ETag is now stale.
            try await Self.staffUpdate(world.tenant, number: order.number, [.init(.shopNotes, "Checked the mast")])
            let afterStaff = try await Self.snapshot(world.tenant)
            let lost = try await client.patch(path, json: ["title": "Overwrite"], headers: Self.ifMatch(version))
            #expect(lost.status == .preconditionFailed)
            #expect(try await Self.snapshot(world.tenant) == afterStaff)
            let current = try await client.get(path)
            #expect(current["title"]?.string == "Changed")
            #expect(current["shop_notes"]?.string == "Checked the mast")

            // The history records the subscriber's edits.
            let history = try await client.get("\(path)/history")
            let titleChange = history["items"]?.array?.first { $0["field"]?.string == "title" }
            #expect(titleChange?["from"]?.string == "Original")
            #expect(titleChange?["to"]?.string == "Changed")
        }
    }

    @Test("PATCH: submit a draft, validation 422, unknown fields 400, locked 409, cancel with a reason, reopen rules")
    func updateRules() async throws {
        let world = try await Self.world()
        let draft = try await Self.order(world, title: "Draft", status: .draft, description: "")
        let approved = try await Self.order(world, title: "Approved one")
        try await Self.staffUpdate(world.tenant, number: approved.number, [.init(.status, "approved")])
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: world.tenant.host, token: world.token)
            let path = "/api/v1/work-orders/\(draft.number)"
            let before = try await Self.snapshot(world.tenant)

            let incomplete = try await client.patch(path, json: ["status": "submitted"], headers: Self.ifMatch(draft.version))
            #expect(incomplete.status == .unprocessableContent)
            #expect(incomplete.errorFields["description"] != nil)
            let nothing = try await client.patch(path, json: [String: Any](), headers: Self.ifMatch(draft.version))
            #expect(nothing.status == .unprocessableContent)
            let badStatus = try await client.patch(path, json: ["status": "approved"], headers: Self.ifMatch(draft.version))
            #expect(badStatus.status == .unprocessableContent)
            #expect(badStatus.errorFields["status"] != nil)
            let unknown = try await client.patch(path, json: ["title": "x", "shop_notes": "mine now"], headers: Self.ifMatch(draft.version))
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorFields["shop_notes"] != nil)
            let nullTitle = try await client.send(.patch, path, body: "{\"title\": 5}", headers: Self.ifMatch(draft.version))
            #expect(nullTitle.status == .unprocessableContent)
            #expect(nullTitle.errorFields["title"] == "Expected a string.")
            let blank = try await client.patch(path, json: ["title": "   "], headers: Self.ifMatch(draft.version))
            #expect(blank.errorFields["title"]?.contains("short title") == true)
            #expect(try await Self.snapshot(world.tenant) == before)

            let submitted = try await client.patch(
                path, json: ["description": "Finished now", "status": "submitted"], headers: Self.ifMatch(draft.version))
            #expect(submitted.status == .ok)
            #expect(submitted["status"]?.string == "submitted")
            #expect(submitted["description"]?.string == "Finished now")

            // Approved: fields locked, cancel refused; comments stay open.
            let lockedPath = "/api/v1/work-orders/\(approved.number)"
            let current = try await client.get(lockedPath)
            let lockedVersion = try #require(current["version"]?.int)
            #expect(current["editable"]?.bool == false)
            let lockedBefore = try await Self.snapshot(world.tenant)
            let locked = try await client.patch(lockedPath, json: ["title": "Sneaky"], headers: Self.ifMatch(lockedVersion))
            #expect(locked.status == .conflict)
            #expect(locked.errorCode == "work_order_locked")
            let cannotCancel = try await client.patch(
                lockedPath, json: ["status": "cancelled", "reason": "Changed my mind"], headers: Self.ifMatch(lockedVersion))
            #expect(cannotCancel.status == .conflict)
            #expect(cannotCancel.errorCode == "cannot_cancel")
            let cannotReopen = try await client.patch(
                lockedPath, json: ["status": "in_progress", "reason": "Still broken"], headers: Self.ifMatch(lockedVersion))
            #expect(cannotReopen.status == .conflict)
            #expect(cannotReopen.errorCode == "cannot_reopen")
            #expect(try await Self.snapshot(world.tenant) == lockedBefore)
            #expect(try await client.post("\(lockedPath)/comments", json: ["body": "When will you come?"]).status == .created)

            // Cancel the submitted one: a reason is required, and no other fields with it.
            let version = try #require(submitted["version"]?.int)
            let noReason = try await client.patch(path, json: ["status": "cancelled"], headers: Self.ifMatch(version))
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.errorFields["reason"] != nil)
            let mixed = try await client.patch(path, json: ["status": "cancelled", "reason": "x", "title": "y"], headers: Self.ifMatch(version))
            #expect(mixed.status == .unprocessableContent)
            let cancelled = try await client.patch(path, json: ["status": "cancelled", "reason": "Fixed itself"], headers: Self.ifMatch(version))
            #expect(cancelled.status == .ok)
            #expect(cancelled["status"]?.string == "cancelled")
            #expect(cancelled["closed_reason"]?.string == "Fixed itself")
            #expect(cancelled["cancellable"]?.bool == false)

            // Completed recently: reopen.
            try await Self.staffUpdate(world.tenant, number: approved.number, [.init(.status, "completed")])
            let completed = try await client.get(lockedPath)
            #expect(completed["reopenable"]?.bool == true)
            let reopened = try await client.patch(
                lockedPath, json: ["status": "in_progress", "reason": "Still flaky"],
                headers: Self.ifMatch(try #require(completed["version"]?.int)))
            #expect(reopened.status == .ok)
            #expect(reopened["status"]?.string == "in_progress")
        }
    }

    // MARK: History and comments

    @Test("history shows status changes and shared comments, never internal notes or comments; a comment is 201 and appears")
    func historyAndComments() async throws {
        let world = try await Self.world()
        let order = try await Self.order(world, title: "Visible")
        let actor = try await Self.staffActor(world.tenant)
        try await world.tenant.transaction { tx in
            let current = try #require(try await Repositories.postgres.workOrders.find(number: order.number, organization: nil, in: tx))
            let updated = try await Repositories.postgres.workOrders.update(
                current, changes: [.init(.internalNotes, "SECRET-INTERNAL-NOTE"), .init(.status, "approved")],
                expectedVersion: current.version, by: actor, reason: "Looks fine", in: tx)
            _ = try await Repositories.postgres.workOrders.addComment(
                to: updated.id, body: "SECRET-INTERNAL-COMMENT", visibility: .internalOnly, by: actor, in: tx)
            _ = try await Repositories.postgres.workOrders.addComment(to: updated.id, body: "Public reply", visibility: .shared, by: actor, in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: world.tenant.host, token: world.token)
            let path = "/api/v1/work-orders/\(order.number)"
            let before = try await Self.snapshot(world.tenant)
            let emptyComment = try await client.post("\(path)/comments", json: ["body": "   "])
            #expect(emptyComment.status == .unprocessableContent)
            #expect(emptyComment.errorFields["body"] != nil)
            let missingBody = try await client.post("\(path)/comments", json: [String: Any]())
            #expect(missingBody.errorFields["body"] == "This field is required.")
            let unknown = try await client.post("\(path)/comments", json: ["body": "x", "visibility": "internal"])
            #expect(unknown.status == .badRequest)
            #expect(try await Self.snapshot(world.tenant) == before)

            let comment = try await client.post("\(path)/comments", json: ["body": "  Thanks!  "])
            #expect(comment.status == .created)
            #expect(comment["body"]?.string == "Thanks!")
            #expect(comment["author"]?["kind"]?.string == "customer")

            let history = try await client.get("\(path)/history")
            #expect(history.status == .ok)
            #expect(!history.body.contains("SECRET"))
            #expect(!history.body.contains("internal_notes"))
            let items = history["items"]?.array ?? []
            let statuses = items.filter { $0["field"]?.string == "status" }.compactMap { $0["to"]?.string }
            #expect(statuses == ["submitted", "approved"])
            #expect(items.first { $0["to"]?.string == "approved" }?["reason"]?.string == "Looks fine")
            #expect(items.first { $0["to"]?.string == "approved" }?["actor"]?["name"]?.string == "Avery Agent")
            let comments = items.filter { $0["type"]?.string == "comment" }.compactMap { $0["body"]?.string }
            #expect(comments == ["Public reply", "Thanks!"])
            #expect(!(try await client.get(path)).body.contains("SECRET"))
        }
    }
}
