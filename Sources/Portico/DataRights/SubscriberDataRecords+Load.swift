import Foundation
import Postgres

extension SubscriberDataRecords {
    /// Reads the records of `customer` in one read-only snapshot of the tenant.
    static func load(customer id: UUID, tenant: ResolvedTenant, pool: ConnectionPool) async throws -> SubscriberDataRecords {
        try await pool.withTenantSnapshot(tenant.id) { tx in
            guard
                let profile = try await tx.first(
                    """
                    SELECT id, name, email, email_verified_at, phone, role, status, created_at, last_sign_in_at, notification_preferences,
                           organization_id
                      FROM customers WHERE id = \(id)
                    """)
            else { throw AppError.notFound("account") }
            let organizationID = try profile.decode("organization_id", as: UUID.self)
            let person = Profile(
                id: try profile.decode("id"), name: try profile.decode("name"), email: try profile.decode("email"),
                emailVerifiedAt: try profile.decode("email_verified_at"), phone: try profile.decode("phone"), role: try profile.decode("role"),
                status: try profile.decode("status"), createdAt: try profile.decode("created_at"),
                lastSignInAt: try profile.decode("last_sign_in_at"),
                notificationPreferences: try profile.decodeJSON("notification_preferences", as: NotificationPreferences.self))
            guard
                let organization = try await tx.first(
                    """
                    SELECT account_number, name, kind, service_address, service_plan, service_status, created_at
                      FROM organizations WHERE id = \(organizationID)
                    """)?.decode(OrganizationRecord.self)
            else { throw AppError.notFound("account") }

            let visible = WorkOrderPrivacy.visible(to: id, alias: "w.")
            let scope: SQL = "w.organization_id = \(organizationID) AND \(visible)"
            var orders = try await tx.rows(
                """
                SELECT w.id, w.number, w.title, w.description, w.category, w.priority, w.quantity, w.service_location, w.preferred_dates,
                       w.customer_notes, w.shop_notes, w.status, w.progress, w.estimated_completion, w.due_date::text AS due_date,
                       w.submitted_at, w.approved_at, w.completed_at, w.closed_reason, w.created_at, w.updated_at
                  FROM work_orders w WHERE \(scope) ORDER BY w.number
                """
            ).map { try $0.decode(WorkOrderRecord.self) }
            // The subscriber's own changes read "you" in the portal; here, their name.
            let history = try await tx.rows(
                """
                SELECT c.work_order_id, c.created_at AS at, c.field, c.old_value AS "from", c.new_value AS "to",
                       CASE WHEN c.actor_kind = 'system' THEN 'System' WHEN c.actor_name = '' THEN initcap(c.actor_kind) ELSE c.actor_name END AS by,
                       c.reason
                  FROM work_order_changes c JOIN work_orders w ON w.tenant_id = c.tenant_id AND w.id = c.work_order_id
                 WHERE \(scope) AND c.field <> \(WorkOrderFieldChange.Field.internalNotes.rawValue)
                 ORDER BY c.created_at, c.id
                """
            ).map { try $0.decode(ChangeRecord.self) }
            let comments = try await tx.rows(
                """
                SELECT c.work_order_id, c.created_at AS at, CASE WHEN c.author_name = '' THEN initcap(c.author_kind) ELSE c.author_name END AS author,
                       c.body
                  FROM work_order_comments c JOIN work_orders w ON w.tenant_id = c.tenant_id AND w.id = c.work_order_id
                 WHERE \(scope) AND c.visibility = 'shared'
                 ORDER BY c.created_at, c.id
                """
            ).map { try $0.decode(CommentRecord.self) }
            let attachments = try await tx.rows(
                """
                SELECT a.id, a.work_order_id, a.file_name, a.content_type, a.size_bytes, a.sha256, a.storage_key, a.created_at
                  FROM attachments a JOIN work_orders w ON w.tenant_id = a.tenant_id AND w.id = a.work_order_id
                 WHERE \(scope) \(PostgresWorkOrderRepository.attachmentVisibility(includeInternal: false))
                 ORDER BY a.created_at, a.id
                """
            ).map { try $0.decode(AttachmentEntry.self) }
            for index in orders.indices {
                let order = orders[index].id
                orders[index].history = history.filter { $0.workOrderId == order }
                orders[index].comments = comments.filter { $0.workOrderId == order }
                orders[index].attachments = attachments.filter { $0.workOrderId == order }
            }

            return SubscriberDataRecords(
                exportedAt: Date(), portal: tenant.branding.companyName, profile: person, organization: organization,
                equipment: try await tx.rows(
                    """
                    SELECT model, serial, mac, installed_on::text AS installed_on FROM equipment
                     WHERE organization_id = \(organizationID) ORDER BY created_at, id
                    """
                ).map { try $0.decode(EquipmentRecord.self) },
                otherMembers: try await tx.rows(
                    """
                    SELECT name, role FROM customers WHERE organization_id = \(organizationID) AND id <> \(id) AND status <> 'pending'
                     ORDER BY role = 'owner' DESC, lower(name)
                    """
                ).map { try $0.decode(MemberRecord.self) },
                workOrders: orders,
                appointments: try await tx.rows(
                    """
                    SELECT a.kind, a.starts_at, a.ends_at, a.status, a.address, a.notes, a.reschedule_note, a.cancel_reason,
                           w.number AS work_order_number
                      FROM appointments a LEFT JOIN work_orders w ON w.tenant_id = a.tenant_id AND w.id = a.work_order_id
                     WHERE a.organization_id = \(organizationID) ORDER BY a.starts_at, a.id
                    """
                ).map { try $0.decode(AppointmentRecord.self) },
                tasks: try await tx.rows(
                    """
                    SELECT t.title, t.details, t.status, t.due_date::text AS due_date, t.done_at, t.done_note, w.number AS work_order_number,
                           t.created_at
                      FROM tasks t LEFT JOIN work_orders w ON w.tenant_id = t.tenant_id AND w.id = t.work_order_id
                     WHERE t.organization_id = \(organizationID) ORDER BY t.created_at, t.id
                    """
                ).map { try $0.decode(TaskRecord.self) },
                notes: try await tx.rows(
                    """
                    SELECT body, author_name AS author, customer_id IS NOT NULL AS about_you, created_at FROM notes
                     WHERE organization_id = \(organizationID) AND visibility = 'shared' AND (customer_id IS NULL OR customer_id = \(id))
                     ORDER BY created_at, id
                    """
                ).map { try $0.decode(NoteRecord.self) },
                activity: try await tx.rows(
                    """
                    SELECT occurred_at AS at, action, ip, user_agent FROM audit_events
                     WHERE actor_kind = 'customer' AND actor_id = \(id) ORDER BY occurred_at, id
                    """
                ).map { try $0.decode(ActivityRecord.self) },
                emails: try await tx.rows(
                    """
                    SELECT created_at, kind, subject, status, sent_at FROM outbox WHERE recipient = \(person.email) ORDER BY created_at, id
                    """
                ).map { try $0.decode(EmailRecord.self) },
                sessions: try await tx.rows(
                    """
                    SELECT created_at, last_seen_at, expires_at, ip, user_agent FROM sessions
                     WHERE principal_kind = 'customer' AND principal_id = \(id) AND expires_at > now()
                     ORDER BY created_at
                    """
                ).map { try $0.decode(SessionRecordEntry.self) },
                deletionRequests: try await tx.rows(
                    """
                    SELECT requested_at, status, reason FROM deletion_requests WHERE customer_id = \(id) ORDER BY requested_at
                    """
                ).map { try $0.decode(DeletionRequestRecord.self) })
        }
    }
}
