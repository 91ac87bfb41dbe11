import Foundation
import Postgres

/// The staff console's CSV exports. Each reads its table page by page with keyset
/// pagination (`WHERE key > last key ORDER BY key LIMIT n`, on a unique index), one short
/// tenant transaction per page, so memory stays flat and no transaction stays open while the
/// client reads. Column names are the import's field names where the import has a field, so
/// an export imports back as it is.
struct CSVExport: Sendable {
    let kind: String
    let title: String
    let description: String
    let header: [String]
    /// One page after `cursor` (nil: the first); a nil cursor back means it was the last.
    let page: @Sendable (_ cursor: String?, _ size: Int, _ tx: TenantTransaction) async throws -> (rows: [[String]], cursor: String?)

    var fileName: String { "\(kind).csv" }
    var path: String { ConsoleRoutes.exportFile(fileName) }
    var auditAction: String { "export.\(kind.replacingOccurrences(of: "-", with: "_"))" }

    static let pageSize = 1_000

    static let all: [CSVExport] = [organizations, customers, workOrders, workOrderHistory, appointments]

    static func named(_ fileName: String) -> CSVExport? { all.first { $0.fileName == fileName } }

    /// Every value of a result row as text ("" for NULL).
    static func texts(_ row: Row) -> [String] { (0..<row.count).map { row.text(at: $0) ?? "" } }

    static let organizations = CSVExport(
        kind: "organizations", title: "Organizations and equipment",
        description: "Subscriber accounts with their service details; one row per piece of equipment (accounts without equipment get one row).",
        header: [
            "account_number", "organization_name", "kind", "service_address", "service_plan", "service_status", "external_id",
            "equipment_model", "equipment_serial", "equipment_mac", "equipment_installed_on", "created_at", "updated_at",
        ]
    ) { cursor, size, tx in
        let rows = try await tx.rows(
            """
            WITH page AS (
                SELECT * FROM organizations WHERE account_number > \(cursor ?? "") ORDER BY account_number LIMIT \(size)
            )
            SELECT p.account_number, p.name, p.kind, p.service_address, p.service_plan, p.service_status, p.external_id,
                   e.model, e.serial, e.mac, e.installed_on::text,
                   to_char(p.created_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'), to_char(p.updated_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')
              FROM page p LEFT JOIN equipment e ON e.tenant_id = p.tenant_id AND e.organization_id = p.id
             ORDER BY p.account_number, e.installed_on NULLS LAST, e.created_at, e.id
            """
        ).map(CSVExport.texts)
        let accounts = Set(rows.map { $0[0] })
        return (rows, accounts.count < size ? nil : rows.last?[0])
    }

    static let customers = CSVExport(
        kind: "customers", title: "Customers",
        description: "Portal users with their account's details, one row per customer (no passwords or tokens).",
        header: [
            "account_number", "organization_name", "kind", "service_address", "service_plan", "service_status",
            "customer_name", "email", "phone", "customer_role", "customer_status", "customer_external_id", "email_verified",
            "created_at", "last_sign_in_at",
        ]
    ) { cursor, size, tx in
        let rows = try await tx.rows(
            """
            SELECT o.account_number, o.name, o.kind, o.service_address, o.service_plan, o.service_status,
                   c.name, c.email, c.phone, c.role, c.status, c.external_id,
                   CASE WHEN c.email_verified_at IS NULL THEN 'no' ELSE 'yes' END,
                   to_char(c.created_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'), to_char(c.last_sign_in_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')
              FROM customers c JOIN organizations o ON o.tenant_id = c.tenant_id AND o.id = c.organization_id
             WHERE c.email > \(cursor ?? "") ORDER BY c.email LIMIT \(size)
            """
        ).map(CSVExport.texts)
        return (rows, rows.count < size ? nil : rows.last?[7])
    }

    static let workOrders = CSVExport(
        kind: "work-orders", title: "Work orders",
        description:
            "Every work order with its status, dates and notes, internal notes included (staff data). Subscribers' unsubmitted drafts are theirs alone and not included.",
        header: [
            "number", "account_number", "organization_name", "title", "status", "priority", "category", "quantity", "progress",
            "description", "service_location", "preferred_dates", "customer_notes", "shop_notes", "internal_notes",
            "estimated_completion", "due_date", "assignee", "created_by", "submitted_at", "approved_at", "completed_at",
            "closed_reason", "external_id", "version", "created_at", "updated_at",
        ]
    ) { cursor, size, tx in
        let rows = try await tx.rows(
            """
            SELECT w.number::text, o.account_number, o.name, w.title, w.status, w.priority, w.category, w.quantity::text, w.progress::text,
                   w.description, w.service_location, w.preferred_dates, w.customer_notes, w.shop_notes, w.internal_notes,
                   to_char(w.estimated_completion, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'), w.due_date::text,
                   COALESCE(a.email, ''), COALESCE(cc.email, cs.email, ''),
                   to_char(w.submitted_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'), to_char(w.approved_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'),
                   to_char(w.completed_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'), w.closed_reason, w.external_id, w.version::text,
                   to_char(w.created_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'), to_char(w.updated_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')
              FROM work_orders w
              JOIN organizations o ON o.tenant_id = w.tenant_id AND o.id = w.organization_id
              LEFT JOIN staff_users a ON a.tenant_id = w.tenant_id AND a.id = w.assignee_id
              LEFT JOIN customers cc ON cc.tenant_id = w.tenant_id AND cc.id = w.created_by_customer_id
              LEFT JOIN staff_users cs ON cs.tenant_id = w.tenant_id AND cs.id = w.created_by_staff_id
             WHERE w.number > \(Int(cursor ?? "0") ?? 0) AND \(WorkOrderPrivacy.visible(to: nil, alias: "w.")) ORDER BY w.number LIMIT \(size)
            """
        ).map(CSVExport.texts)
        return (rows, rows.count < size ? nil : rows.last?[0])
    }

    static let workOrderHistory = CSVExport(
        kind: "work-order-history", title: "Work-order history",
        description: "Every recorded field change of every work order: who, when, from, to and why.",
        header: ["work_order_number", "changed_at", "field", "old_value", "new_value", "actor_kind", "actor_name", "reason"]
    ) { cursor, size, tx in
        let rows = try await tx.rows(
            """
            SELECT ch.id::text, w.number::text, to_char(ch.created_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'), ch.field, ch.old_value, ch.new_value,
                   ch.actor_kind, ch.actor_name, ch.reason
              FROM work_order_changes ch JOIN work_orders w ON w.tenant_id = ch.tenant_id AND w.id = ch.work_order_id
             WHERE ch.id > \(Int64(cursor ?? "0") ?? 0) AND \(WorkOrderPrivacy.visible(to: nil, alias: "w.")) ORDER BY ch.id LIMIT \(size)
            """
        ).map(CSVExport.texts)
        return (rows.map { Array($0.dropFirst()) }, rows.count < size ? nil : rows.last?[0])
    }

    static let appointments = CSVExport(
        kind: "appointments", title: "Appointments",
        description: "Visits with their time window (with the time zone offset), status, technician and notes.",
        header: [
            "starts_at", "ends_at", "account_number", "organization_name", "work_order_number", "kind", "status", "technician",
            "address", "notes", "reschedule_note", "id", "created_at", "updated_at",
        ]
    ) { cursor, size, tx in
        // The cursor is the last row's exact start time (PostgreSQL's own text) and id.
        let parts = cursor?.split(separator: "|", maxSplits: 1).map(String.init) ?? []
        let after = parts.count == 2 ? parts[0] : "-infinity"
        let zero = UUID(uuidString: "00000000-0000-0000-0000-000000000000")!
        let afterId = parts.count == 2 ? (UUID(uuidString: parts[1]) ?? zero) : zero
        let rows = try await tx.rows(
            """
            SELECT to_char(a.starts_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'), to_char(a.ends_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'),
                   o.account_number, o.name, w.number::text, a.kind, a.status, COALESCE(t.email, ''), a.address, a.notes, a.reschedule_note,
                   a.id::text, to_char(a.created_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'), to_char(a.updated_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'),
                   a.starts_at::text
              FROM appointments a
              JOIN organizations o ON o.tenant_id = a.tenant_id AND o.id = a.organization_id
              LEFT JOIN work_orders w ON w.tenant_id = a.tenant_id AND w.id = a.work_order_id
              LEFT JOIN staff_users t ON t.tenant_id = a.tenant_id AND t.id = a.technician_id
             WHERE (a.starts_at, a.id) > (\(after)::timestamptz, \(afterId))
             ORDER BY a.starts_at, a.id LIMIT \(size)
            """
        ).map(CSVExport.texts)
        let cursor = rows.count < size ? nil : rows.last.map { "\($0[14])|\($0[11])" }
        return (rows.map { Array($0.prefix(14)) }, cursor)
    }
}
