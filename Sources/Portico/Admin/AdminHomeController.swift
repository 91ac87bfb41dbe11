import Foundation
import Hummingbird

/// `/admin`: the command centre.
struct AdminHomeController {
    let dependencies: AppDependencies

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get("admin", use: home)
    }

    struct View {
        let layout: LayoutModel
        let staffName: String
        let role: String
        let counts: [Count]
        struct Count { let label: String; let value: Int; let href: String }
    }

    @Sendable func home(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let counts = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            let row = try await tx.first("""
                SELECT (SELECT count(*) FROM work_orders WHERE status = 'submitted')::int AS awaiting,
                       (SELECT count(*) FROM work_orders WHERE due_date < current_date AND status NOT IN ('draft', 'completed', 'rejected', 'cancelled'))::int AS overdue,
                       (SELECT count(*) FROM work_orders WHERE assignee_id IS NULL AND status IN ('approved', 'in_progress', 'waiting'))::int AS unassigned,
                       (SELECT count(*) FROM appointments WHERE starts_at::date = current_date AND status NOT IN ('cancelled'))::int AS today,
                       (SELECT count(*) FROM appointments WHERE status = 'reschedule_requested')::int AS reschedules,
                       (SELECT count(*) FROM outbox WHERE status IN ('dead', 'failed'))::int AS dead_mail
                """)!
            return [
                View.Count(label: "Awaiting approval", value: try row.decode("awaiting"), href: "/admin/work-orders?status=submitted"),
                View.Count(label: "Overdue", value: try row.decode("overdue"), href: "/admin/work-orders?overdue=1"),
                View.Count(label: "Unassigned", value: try row.decode("unassigned"), href: "/admin/work-orders?unassigned=1"),
                View.Count(label: "Appointments today", value: try row.decode("today"), href: "/admin/appointments"),
                View.Count(label: "Reschedule requests", value: try row.decode("reschedules"), href: "/admin/appointments?status=reschedule_requested"),
                View.Count(label: "Undeliverable emails", value: try row.decode("dead_mail"), href: "/admin/outbox"),
            ]
        }
        let view = View(layout: context.layout(title: "Command centre", current: "/admin"), staffName: context.staff.displayName,
                        role: context.staff.role.label, counts: counts)
        return try dependencies.renderer.render("admin/home", theme: context.tenant.theme, view)
    }
}
