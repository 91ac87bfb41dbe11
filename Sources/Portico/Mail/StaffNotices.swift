import Foundation
import Postgres

/// Tells the tenant's active admins and agents about something a subscriber did (a new work
/// order, a reschedule request, a task done), unless the tenant switched these notices off.
public struct StaffNotices: Sendable {
    let dependencies: AppDependencies

    public init(dependencies: AppDependencies) { self.dependencies = dependencies }

    public func send(subject: String, message: String, link: String, tenant: ResolvedTenant, in tx: TenantTransaction) async throws {
        let staff = try await dependencies.repositories.staff.all(in: tx).filter { $0.status == .active && $0.role >= .agent }
        for member in staff {
            try await dependencies.outbox.enqueue(
                .staffNotice, to: member.email, name: member.displayName, tenant: tenant,
                values: ["subjectLine": subject, "message": message, "actionUrl": link], in: tx)
        }
    }
}
