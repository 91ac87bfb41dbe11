import Foundation
import Postgres

/// Counts of an import (or of its dry run).
struct ImportTotals: Codable, Sendable, Equatable {
    var rows = 0
    var created = 0
    var updated = 0
    var duplicates = 0
    var errors = 0
    var organizationsCreated = 0
    var organizationsUpdated = 0
    var customersCreated = 0
    var customersUpdated = 0
    var equipmentAdded = 0
    var equipmentUpdated = 0

    mutating func count(_ outcome: ImportOutcome) {
        rows += 1
        switch outcome {
        case .created: created += 1
        case .updated: updated += 1
        case .duplicate: duplicates += 1
        case .error: errors += 1
        }
    }

    /// For the audit event's details.
    var details: [String: String] {
        [
            "rows": "\(rows)", "created": "\(created)", "updated": "\(updated)", "duplicates": "\(duplicates)", "errors": "\(errors)",
            "organizations_created": "\(organizationsCreated)", "organizations_updated": "\(organizationsUpdated)",
            "customers_created": "\(customersCreated)", "customers_updated": "\(customersUpdated)",
            "equipment_added": "\(equipmentAdded)", "equipment_updated": "\(equipmentUpdated)",
        ]
    }
}
