import Foundation
import Postgres

extension StaffWorkOrders {
    /// Assigns or moves several orders; each succeeds or fails on its own.
    public func bulk(_ numbers: [Int], update: Update, staff: SignedInStaff, tenant: ResolvedTenant) async -> [BulkResult] {
        var results: [BulkResult] = []
        for number in numbers.prefix(200) {
            do {
                let current = try await pool.withTenant(tenant.id) { tx in try await find(number, staff: staff, in: tx) }
                let updated = try await self.update(number, update, version: current.version, staff: staff, tenant: tenant)
                results.append(
                    BulkResult(
                        number: number, ok: true,
                        message: L10n.t("console.workOrders.bulkNow", ["status": updated.status.label.lowercased(with: L10n.texts.locale)])))
            } catch let error as AppError {
                results.append(BulkResult(number: number, ok: false, message: error.message))
            } catch {
                results.append(BulkResult(number: number, ok: false, message: L10n.t("console.workOrders.bulkFailed")))
            }
        }
        return results
    }
}
