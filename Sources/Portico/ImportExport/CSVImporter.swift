import Foundation
import Postgres

/// What a dry run or an import did, row by row (abridged) and in total.
struct ImportReport: Sendable {
    var totals = ImportTotals()
    /// Errors and duplicates, in row order, at most `problemLimit`.
    var problems: [ImportRowResult] = []
    var moreProblems = 0
    /// The first `previewLimit` rows, whatever became of them.
    var preview: [ImportRowResult] = []
    var seconds: Double = 0

    static let problemLimit = 1_000
    static let previewLimit = 200

    mutating func add(_ results: [ImportRowResult]) {
        for result in results {
            if result.outcome == .error || result.outcome == .duplicate {
                if problems.count < Self.problemLimit { problems.append(result) } else { moreProblems += 1 }
            }
            preview.append(result)
        }
        // Keep the lowest row numbers only (results of a batch arrive in two groups).
        if preview.count > 2 * Self.previewLimit { trimPreview() }
    }

    private mutating func trimPreview() {
        preview.sort { $0.row < $1.row }
        if preview.count > Self.previewLimit { preview.removeLast(preview.count - Self.previewLimit) }
    }

    mutating func finish() {
        problems.sort { $0.row < $1.row }
        trimPreview()
    }
}

/// Runs an import file through the planner and the batch writer: a dry run checks every row
/// against the database and writes nothing; a real run writes each batch of `batchSize` rows
/// in one transaction. A batch the database refuses (a race with another import, say) is
/// reported row by row and the next batches go on; importing the file again finishes the job,
/// since every write is an idempotent upsert.
struct CSVImporter {
    let pool: ConnectionPool
    var batchSize = 1_000

    /// `importId` tags the logins a real run creates, so its result page can invite them.
    func run(
        text: String, delimiter: CSVDelimiter, mapping: ImportMapping, tenant: TenantID, write: Bool,
        importId: String? = nil
    ) async throws -> ImportReport {
        let started = ContinuousClock.now
        let planner = try await Self.offloadThrowing { try ImportPlanner(text: text, delimiter: delimiter, mapping: mapping) }
        var report = ImportReport()
        let size = batchSize
        while let batch = await Self.offload({ planner.nextBatch(size: size) }) {
            report.add(batch.results)
            for result in batch.results { report.totals.count(result.outcome) }
            guard !batch.rows.isEmpty else { continue }
            do {
                let outcome = try await pool.withTenant(tenant) { tx in
                    try await ImportBatchWriter(tx: tx, importId: importId).process(batch.rows, write: write)
                }
                planner.markFailed(outcome.failedAccounts)
                report.add(outcome.results)
                merge(outcome.totals, into: &report.totals)
            } catch let error as PostgresError where Self.isRefusal(error) {
                let first = batch.rows.first!.record.row, last = batch.rows.last!.record.row
                let reason = L10n.t(
                    error.constraint == nil ? "console.import.rowProblem.batchRefusedState" : "console.import.rowProblem.batchRefusedConstraint",
                    [
                        "first": "\(first)", "last": "\(last)", "constraint": error.constraint ?? "",
                        "state": error.sqlState?.rawValue ?? "unknown",
                    ])
                var failed: [String: Int] = [:]
                let results = batch.rows.map { row in
                    if row.carriesOrganization { failed[row.record.accountNumber] = row.record.row }
                    return ImportRowResult(row: row.record.row, outcome: .error, subject: row.subject, message: reason)
                }
                planner.markFailed(failed)
                report.add(results)
                for result in results { report.totals.count(result.outcome) }
            }
        }
        report.finish()
        let elapsed = ContinuousClock.now - started
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return report
    }

    /// Errors that concern the batch's data (a constraint, a bad value, a conflict with a
    /// concurrent transaction), as opposed to the database being unreachable.
    static func isRefusal(_ error: PostgresError) -> Bool {
        guard let state = error.sqlState else { return false }
        return state.isIntegrityViolation || state.isDataException || state == .serializationFailure || state == .deadlockDetected
    }

    private func merge(_ totals: ImportTotals, into sum: inout ImportTotals) {
        sum.rows += totals.rows
        sum.created += totals.created
        sum.updated += totals.updated
        sum.duplicates += totals.duplicates
        sum.errors += totals.errors
        sum.organizationsCreated += totals.organizationsCreated
        sum.organizationsUpdated += totals.organizationsUpdated
        sum.customersCreated += totals.customersCreated
        sum.customersUpdated += totals.customersUpdated
        sum.equipmentAdded += totals.equipmentAdded
        sum.equipmentUpdated += totals.equipmentUpdated
    }

    /// Parsing is CPU work: it runs on a global dispatch queue, not on the cooperative pool
    /// that serves requests. The request's texts go along (a task local does not cross to a
    /// dispatch queue by itself), so the rows' messages are in the console's language.
    static func offloadThrowing<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let texts = Texts.current
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try Texts.$current.withValue(texts) { try work() } })
            }
        }
    }

    static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        let texts = Texts.current
        return await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: Texts.$current.withValue(texts) { work() }) }
        }
    }
}
