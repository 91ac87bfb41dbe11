import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Portal work orders")
struct PortalWorkOrderTests {
    let complete = [
        "title": "No signal since the storm", "description": "The antenna looks bent.", "priority": "high", "quantity": "1",
        "service_location": "1 Test Lane", "preferred_dates": "Mornings", "customer_notes": "Ring twice",
    ]

    func staffActor(_ tenant: TestTenant) async throws -> Actor {
        let staff = try await tenant.staff(role: .agent, name: "Avery Agent")
        return Actor(kind: .staff, id: staff.id, name: staff.displayName)
    }

    /// Moves an order along as staff would, through the repository.
    func staffUpdate(_ tenant: TestTenant, number: Int, _ changes: [WorkOrderFieldChange]) async throws {
        let actor = try await staffActor(tenant)
        try await tenant.transaction { tx in
            let order = try #require(try await Repositories.postgres.workOrders.find(number: number, organization: nil, in: tx))
            _ = try await Repositories.postgres.workOrders.update(
                order, changes: changes, expectedVersion: order.version, by: actor, reason: "", in: tx)
        }
    }

    func version(_ tenant: TestTenant, _ number: Int) async throws -> Int {
        try await tenant.transaction { tx in try await Repositories.postgres.workOrders.find(number: number, organization: nil, in: tx)!.version }
    }

    @Test("save a draft, finish it, submit it: history, a 'received' email and a notice to staff")
    func draftThenSubmit() async throws {
        let tenant = try await TestTenant.create()
        _ = try await tenant.staff(role: .agent, email: "agent-\(tenant.slug)@staff.example")
        try await tenant.withSignedInSubscriber { app, browser, customer in
            try await browser.get("/portal/work-orders/new")
            let draft = try await browser.post(
                "/portal/work-orders", ["title": "Half-written", "action": "draft", "priority": "normal", "quantity": "1"])
            #expect(draft.status == .seeOther)
            let editPath = try #require(draft.header("Location")).components(separatedBy: "?").first!
            #expect(editPath.hasSuffix("/edit"))
            let number = Int(editPath.split(separator: "/")[2])!
            let form = try await browser.get(editPath)
            #expect(form.body.contains("value=\"Half-written\""))
            #expect(form.body.contains("data-autosave=\"/portal/work-orders/\(number)/autosave\""))

            // The script's auto-save keeps the draft current.
            let saved = try await browser.post("/portal/work-orders/\(number)/autosave", complete.merging(["version": "1"]) { $1 })
            #expect(saved.status == .ok)
            #expect(saved.body.contains("\"version\":2"))

            try await browser.get(editPath)
            let submitted = try await browser.post(editPath, complete.merging(["version": "2", "action": "submit"]) { $1 })
            #expect(submitted.header("Location") == "/portal/work-orders/\(number)?submitted=1")
            let page = try await browser.get("/portal/work-orders/\(number)?submitted=1")
            #expect(page.body.contains("is submitted"))
            #expect(page.body.contains("badge--submitted"))

            let history = try await browser.get("/portal/work-orders/\(number)/history")
            #expect(history.body.contains("Draft"))
            #expect(history.body.contains("Submitted"))
            #expect(history.body.contains("You"))
            let csv = try await browser.get("/portal/work-orders/\(number)/history.csv")
            #expect(csv.body.hasPrefix("\u{FEFF}when,field,from,to,who,reason"), "a UTF-8 BOM, then the header")
            #expect(csv.header("Content-Disposition")?.contains("attachment") == true)

            #expect(
                try await TestMailbox.latest(to: customer.email, tenant: tenant.id, kind: "work_order_received")?.subject.contains("#\(number)")
                    == true)
            #expect(try await TestMailbox.latest(to: "agent-\(tenant.slug)@staff.example", tenant: tenant.id, kind: "staff_notice") != nil)
        }
    }

    @Test("a new order can be auto-saved as a draft before it was ever saved")
    func autosaveNew() async throws {
        let tenant = try await TestTenant.create()
        try await tenant.withSignedInSubscriber { app, browser, customer in
            try await browser.get("/portal/work-orders/new")
            let response = try await browser.post(
                "/portal/work-orders", ["title": "Started typing", "autosave": "1", "priority": "normal", "quantity": "1"])
            #expect(response.status == .created)
            #expect(response.body.contains("\"edit_url\":\"/portal/work-orders/"))
        }
    }

    @Test("bad input: missing or too long text, wrong types, unknown category or priority — 422 with the reason, nothing saved")
    func validation() async throws {
        let tenant = try await TestTenant.create()
        try await tenant.transaction { tx in
            try await tx.execute("INSERT INTO work_order_categories (tenant_id, name, help_text) VALUES (\(tx.tenant), 'Repair', 'Broken things')")
        }
        try await tenant.withSignedInSubscriber { app, browser, customer in
            let cases: [([String: String], String)] = [
                (["title": "", "action": "submit"], "Give the work order a short title"),
                (["title": String(repeating: "x", count: 201), "action": "submit"], "at most 200 characters"),
                (["title": "Ok", "quantity": "abc", "action": "draft"], "whole number"),
                (["title": "Ok", "quantity": "0", "action": "draft"], "from 1 to"),
                (["title": "Ok", "priority": "critical!!", "action": "draft"], "low, normal, high or urgent"),
                (["title": "Ok", "category": "Plumbing", "action": "draft"], "Choose one of the listed categories"),
                (["title": "Ok", "description": String(repeating: "d", count: 10_001), "action": "draft"], "10000 characters"),
                (["title": "Ok", "action": "submit", "category": "Repair"], "Describe what needs doing"),
            ]
            for (fields, message) in cases {
                try await browser.get("/portal/work-orders/new")
                let response = try await browser.post("/portal/work-orders", fields)
                #expect(response.status == .unprocessableContent, "\(fields.keys.sorted())")
                #expect(response.body.contains(message), "expected “\(message)”")
            }
            let count = try await tenant.transaction { tx in try await tx.scalar("SELECT count(*)::int FROM work_orders", as: Int.self) }
            #expect(count == 0)
            let filter = try await browser.get("/portal/work-orders?from=2024-13-01")
            #expect(filter.status == .unprocessableContent)
            #expect(try await browser.get("/portal/work-orders?status=bogus").status == .unprocessableContent)
        }
    }

    @Test("submitting needs a verified email; a draft does not")
    func verifiedEmailRequired() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await tenant.transaction { tx in try await tx.execute("UPDATE customers SET email_verified_at = NULL WHERE id = \(customer.id)") }
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInCustomer(customer.email)
            try await browser.get("/portal/work-orders/new")
            let refused = try await browser.post("/portal/work-orders", complete.merging(["action": "submit"]) { $1 })
            #expect(refused.status == .forbidden)
            #expect(refused.body.contains("Confirm your email address before submitting"))
            #expect(refused.body.contains("value=\"No signal since the storm\""))  // nothing typed is lost
            try await browser.get("/portal/work-orders/new")
            #expect(try await browser.post("/portal/work-orders", complete.merging(["action": "draft"]) { $1 }).status == .seeOther)
        }
    }

    @Test("once approved the fields are locked (clear message) but comments stay open")
    func lockedAfterApproval() async throws {
        let tenant = try await TestTenant.create()
        try await tenant.withSignedInSubscriber { app, browser, customer in
            try await browser.get("/portal/work-orders/new")
            try await browser.post("/portal/work-orders", complete.merging(["action": "submit"]) { $1 })
            try await staffUpdate(tenant, number: 1001, [.init(.status, "approved")])

            let editForm = try await browser.get("/portal/work-orders/1001/edit")
            #expect(editForm.status == .conflict)
            #expect(editForm.body.contains("can no longer be changed"))
            // Its own heading and a way back to the order, not the concurrent-edit page.
            #expect(editForm.body.contains("This work order can no longer be edited"))
            #expect(!editForm.body.contains("This changed while you were working on it"))
            #expect(editForm.body.contains("href=\"/portal/work-orders/1001\">Open work order #1001</a>"))
            try await browser.get("/portal/work-orders/1001")
            let edit = try await browser.post(
                "/portal/work-orders/1001/edit", complete.merging(["title": "Changed!", "version": String(try await version(tenant, 1001))]) { $1 })
            #expect(edit.status == .conflict)
            #expect(edit.body.contains("This work order can no longer be edited"))
            let title = try await tenant.transaction { tx in
                try await Repositories.postgres.workOrders.find(number: 1001, organization: nil, in: tx)?.title
            }
            #expect(title == "No signal since the storm")

            try await browser.get("/portal/work-orders/1001")
            let commented = try await browser.post("/portal/work-orders/1001/comments", ["body": "Thanks! Gate code is 1234."])
            #expect(commented.status == .seeOther)
            #expect(try await browser.get("/portal/work-orders/1001").body.contains("Gate code is 1234."))
        }
    }

    @Test("an edit based on a stale version gets a conflict page that shows what changed and keeps the typed values")
    func staleVersion() async throws {
        let tenant = try await TestTenant.create()
        try await tenant.withSignedInSubscriber { app, browser, customer in
            try await browser.get("/portal/work-orders/new")
            try await browser.post("/portal/work-orders", complete.merging(["action": "submit"]) { $1 })
            let form = try await browser.get("/portal/work-orders/1001/edit")
            let loadedAt = try #require(Browser.firstMatch(in: form.body, after: "name=\"loaded_at\" value=\"", until: "\""))
            try await Task.sleep(for: .seconds(1))
            // Meanwhile, staff change the priority.
            try await staffUpdate(tenant, number: 1001, [.init(.priority, "urgent")])
            let stale = try await browser.post(
                "/portal/work-orders/1001/edit",
                complete.merging(["title": "My new title", "version": "1", "loaded_at": loadedAt]) { $1 })
            #expect(stale.status == .conflict)
            #expect(stale.body.contains("Changed while you were editing"))
            #expect(stale.body.contains("Avery Agent changed <strong>Priority</strong>"))
            #expect(stale.body.contains("value=\"My new title\""))
            #expect(stale.body.contains("name=\"version\" value=\"2\""))
        }
    }

    @Test("at most 20 edits per order per day; the 21st keeps what was typed on the form with the reason")
    func editLimit() async throws {
        let tenant = try await TestTenant.create()
        try await tenant.withSignedInSubscriber { app, browser, customer in
            try await browser.get("/portal/work-orders/new")
            try await browser.post("/portal/work-orders", complete.merging(["action": "draft"]) { $1 })
            for edit in 1...20 {
                try await browser.get("/portal/work-orders/1001/edit")
                let response = try await browser.post(
                    "/portal/work-orders/1001/edit",
                    complete.merging(["title": "Edit \(edit)", "version": String(edit), "action": "draft"]) { $1 })
                #expect(response.status == .seeOther, "edit \(edit)")
            }
            try await browser.get("/portal/work-orders/1001/edit")
            let limited = try await browser.post(
                "/portal/work-orders/1001/edit", complete.merging(["title": "Edit 21", "version": "21", "action": "draft"]) { $1 })
            #expect(limited.status == .tooManyRequests)
            #expect(limited.body.contains("edited 20 times today"))
            #expect(limited.body.contains("Nothing was saved; what you typed is still below"))
            #expect(limited.body.contains("value=\"Edit 21\""), "the typed title is still in the form")
            #expect(limited.body.contains(">The antenna looks bent.</textarea>"))
            #expect(Int(limited.header("Retry-After") ?? "") ?? 0 > 0)
            // (A draft is its author's alone, so read it straight from the table.)
            let title = try await tenant.transaction { tx in try await tx.scalar("SELECT title FROM work_orders WHERE number = 1001", as: String.self)
            }
            #expect(title == "Edit 20")
        }
    }

    @Test("cancel a submitted order with a reason; reopen a completed one within 14 days, not after")
    func cancelAndReopen() async throws {
        let tenant = try await TestTenant.create()
        try await tenant.withSignedInSubscriber { app, browser, customer in
            for _ in 0..<2 {
                try await browser.get("/portal/work-orders/new")
                try await browser.post("/portal/work-orders", complete.merging(["action": "submit"]) { $1 })
            }
            try await browser.get("/portal/work-orders/1001")
            let current = String(try await version(tenant, 1001))
            let noReason = try await browser.post("/portal/work-orders/1001/cancel", ["reason": "", "version": current])
            #expect(noReason.status == .unprocessableContent)
            try await browser.get("/portal/work-orders/1001")
            #expect(try await browser.post("/portal/work-orders/1001/cancel", ["reason": "Fixed itself", "version": current]).status == .seeOther)
            let cancelled = try await browser.get("/portal/work-orders/1001")
            #expect(cancelled.body.contains("badge--cancelled"))
            #expect(cancelled.body.contains("Fixed itself"))

            try await staffUpdate(tenant, number: 1002, [.init(.status, "approved")])
            try await staffUpdate(tenant, number: 1002, [.init(.status, "completed"), .init(.progress, "100")])
            let completed = try await browser.get("/portal/work-orders/1002")
            #expect(completed.body.contains("Something still not right?"))
            let v = try await version(tenant, 1002)
            #expect(try await browser.post("/portal/work-orders/1002/reopen", ["reason": "Still slow", "version": String(v)]).status == .seeOther)
            #expect(try await browser.get("/portal/work-orders/1002").body.contains("badge--in_progress"))

            try await staffUpdate(tenant, number: 1002, [.init(.status, "completed")])
            try await tenant.transaction { tx in
                try await tx.execute("UPDATE work_orders SET completed_at = now() - interval '15 days' WHERE number = 1002")
            }
            try await browser.get("/portal/work-orders/1002")
            let late = try await browser.post(
                "/portal/work-orders/1002/reopen", ["reason": "Again", "version": String(try await version(tenant, 1002))])
            #expect(late.status == .conflict)
            #expect(late.body.contains("last 14 days"))
        }
    }

    @Test("internal notes and internal comments never reach the subscriber: not in pages, history, CSV or live events")
    func internalNotesStayInternal() async throws {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await tenant.signInableSubscriber()
        let actor = try await staffActor(tenant)
        try await tenant.transaction { tx in
            let order = try await Repositories.postgres.workOrders.create(
                NewWorkOrder(organizationId: organization.id, title: "Visible", status: .submitted),
                by: Actor(kind: .customer, id: customer.id, name: customer.name), in: tx)
            let updated = try await Repositories.postgres.workOrders.update(
                order, changes: [.init(.internalNotes, "SECRET-INTERNAL-NOTE"), .init(.shopNotes, "Shared shop note")],
                expectedVersion: order.version, by: actor, reason: "", in: tx)
            _ = try await Repositories.postgres.workOrders.addComment(
                to: updated.id, body: "SECRET-INTERNAL-COMMENT", visibility: .internalOnly, by: actor, in: tx)
            _ = try await Repositories.postgres.workOrders.addComment(to: updated.id, body: "Public reply", visibility: .shared, by: actor, in: tx)
            _ = try await Repositories.postgres.notes.create(
                organization: organization.id, customer: nil, body: "SECRET-INTERNAL-ORG-NOTE",
                visibility: .internalOnly, author: actor, in: tx)
            _ = try await Repositories.postgres.notes.create(
                organization: organization.id, customer: nil, body: "Shared org note",
                visibility: .shared, author: actor, in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInCustomer(customer.email)
            var seen = ""
            for path in [
                "/portal", "/portal/work-orders", "/portal/work-orders/1001", "/portal/work-orders/1001/history",
                "/portal/work-orders/1001/history.csv", "/portal/notes", "/portal/service",
            ] {
                seen += try await browser.get(path).body
            }
            #expect(seen.contains("Shared shop note"))
            #expect(seen.contains("Public reply"))
            #expect(seen.contains("Shared org note"))
            #expect(!seen.contains("SECRET-INTERNAL"))
        }
    }
}
