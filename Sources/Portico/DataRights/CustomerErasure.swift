import Foundation
import Logging
import Postgres

/// Deletes a subscriber's login for good: the person is gone, the account's history stays.
///
/// One transaction: their private drafts (nobody else ever saw them) and their sessions,
/// tokens and API tokens go; tasks and notes addressed to them go; the orders they raised and
/// the tasks they ticked off stay with the account, no longer pointing at anyone; work-order
/// history, comments and the audit log keep every row with the person replaced by "Deleted
/// customer" (`portico_erase_customer_traces`); the emails written to them are removed; an open
/// deletion request is closed. An owner's account passes to its longest-standing member. A
/// tombstone with the ids (no personal data) tells integrations the login is gone.
struct CustomerErasure: Sendable {
    static let replacement = "Deleted customer"
    let pool: ConnectionPool
    let repositories: Repositories
    let sessions: any SessionStore
    /// Where the deleted drafts' attachments are stored.
    let blobStore: any BlobStore
    let logger: Logger

    struct Outcome: Sendable {
        let name: String
        /// The member who owns the account now, when the deleted person owned it.
        let newOwner: String?
        let removedDrafts: Int
    }

    func erase(customer id: UUID, organization: UUID, by staff: SignedInStaff, tenant: ResolvedTenant, origin: RequestOrigin) async throws -> Outcome
    {
        let (outcome, storageKeys) = try await pool.withTenant(tenant.id) { tx -> (Outcome, [String]) in
            guard
                let person = try await tx.first(
                    """
                    SELECT c.name, c.email, c.role, c.external_id, o.account_number, o.external_id AS organization_external_id
                      FROM customers c JOIN organizations o ON o.tenant_id = c.tenant_id AND o.id = c.organization_id
                     WHERE c.id = \(id) AND c.organization_id = \(organization) FOR UPDATE OF c
                    """)
            else { throw AppError.notFound("customer") }
            let name: String = try person.decode("name")
            let email: String = try person.decode("email")
            let accountNumber: String = try person.decode("account_number")

            var newOwner: String?
            if try person.decode("role", as: String.self) == CustomerRole.owner.rawValue,
                let heir = try await tx.first(
                    """
                    UPDATE customers SET role = 'owner'
                     WHERE id = (SELECT id FROM customers WHERE organization_id = \(organization) AND id <> \(id) AND status <> 'pending'
                                  ORDER BY created_at, id LIMIT 1)
                    RETURNING name
                    """)
            {
                newOwner = try heir.decode("name")
            }

            // Private drafts: their files go too (after the commit, below).
            let privateDrafts: SQL = "created_by_customer_id = \(id) AND NOT \(WorkOrderPrivacy.visible(to: nil))"
            let storageKeys = try await tx.rows(
                """
                SELECT a.storage_key FROM attachments a
                 WHERE a.work_order_id IN (SELECT w.id FROM work_orders w WHERE \(privateDrafts))
                """
            ).map { try $0.decode("storage_key", as: String.self) }
            let removedDrafts = try await tx.execute("DELETE FROM work_orders WHERE \(privateDrafts)")
            try await tx.execute("UPDATE work_orders SET created_by_customer_id = NULL WHERE created_by_customer_id = \(id)")
            try await tx.execute("UPDATE tasks SET done_by_customer_id = NULL WHERE done_by_customer_id = \(id)")

            _ = try await sessions.revokeAll(kind: .customer, principal: id, except: nil, in: tx)
            try await repositories.apiTokens.revokeAll(customer: id, in: tx)
            let erased = try await tx.rows(
                """
                SELECT table_name, changed FROM portico_erase_customer_traces(\(tenant.id.rawValue), \(id), \(email), \(Self.replacement))
                """)
            let request = try await tx.first(
                """
                UPDATE deletion_requests SET status = 'completed', resolved_at = now(), resolved_by = \(staff.email), reason = ''
                 WHERE customer_id = \(id) AND status = 'pending' RETURNING id
                """)
            // Tokens, API tokens, tasks and notes addressed to the person cascade with the row.
            try await tx.execute("DELETE FROM customers WHERE id = \(id)")
            // What a syncing billing system needs to drop its copy: ids only, in this transaction,
            // so the tombstone and the webhook exist if and only if the person is gone.
            let tombstone = try await repositories.deletedCustomers.record(
                customer: id, externalId: try person.decode("external_id"), organization: organization,
                organizationExternalId: try person.decode("organization_external_id"), in: tx)
            try await WebhookEvents(repositories: repositories).customerDeleted(tombstone, tenant: tenant, in: tx)

            var details = ["account": accountNumber, "drafts_removed": "\(removedDrafts)"]
            for row in erased {
                details["\(try row.decode("table_name", as: String.self))_changed"] = "\(try row.decode("changed", as: Int64.self))"
            }
            if let request { details["request"] = try request.decode("id", as: UUID.self).uuidString.lowercased() }
            if newOwner != nil { details["ownership"] = "passed to the longest-standing member" }
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: staff.id, actorLabel: staff.email, action: "customer.deleted", targetKind: "customer",
                    targetId: Self.replacement, ip: origin.ip, userAgent: origin.userAgent, details: details), in: tx)
            return (Outcome(name: name, newOwner: newOwner, removedDrafts: removedDrafts), storageKeys)
        }
        for key in storageKeys.compactMap(BlobKey.init) {
            // A file left behind is unreachable (its row is gone); the next removal retries nothing, so log it.
            do { try await blobStore.delete(tenant: tenant.id, key: key) } catch {
                logger.warning(
                    "Could not remove a deleted customer's draft attachment", metadata: ["tenant": "\(tenant.slug)", "error": "\(error)"])
            }
        }
        return outcome
    }
}
