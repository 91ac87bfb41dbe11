import Foundation
import Logging
import NIOCore

/// A file part's bytes on their way to the blob store: the content check, the virus scan,
/// and the store's failures reported as ours.
extension UploadSession {
    /// Content check on the first bytes, then the blob is opened and they are written. A file
    /// that fails the check never touches the disk.
    func startStoring(_ file: FileInProgress) async throws {
        if file.head.isEmpty {
            let message = L10n.t("uploads.emptyFile", ["file": file.fileName])
            throw AppError(.validation, code: "upload_empty_file", message, fields: [file.fieldName: message])
        }
        do {
            _ = try policy.check(fileName: file.fileName, head: file.head)
        } catch let error as AppError {
            throw Self.about(field: file.fieldName, error)
        }
        let writer = try await storing(file) { try await store.makeWriter(tenant: tenant) }
        file.writer = writer
        let head = ByteBuffer(bytes: file.head)
        file.head = []
        try await storing(file) { try await writer.write(head) }
    }

    func scan(_ blob: StoredBlob, _ file: FileInProgress) async throws {
        let content = try await storing(file) { try await store.open(tenant: tenant, key: blob.key) }
        let verdict: ScanVerdict
        do {
            verdict = try await scanner.scan(content)
        } catch {
            logger?.error("Virus scan failed; upload refused", metadata: ["file": "\(file.fileName)", "error": "\(error)"])
            let message = L10n.t("uploads.scanUnavailable", ["file": file.fileName])
            throw AppError(.unavailable, code: "upload_scan_unavailable", message, fields: [file.fieldName: message], retryAfter: 60)
        }
        if case .infected(let signature) = verdict {
            logger?.warning("Upload refused: virus found", metadata: ["file": "\(file.fileName)", "signature": "\(signature)"])
            let message = L10n.t("uploads.virusFound", ["file": file.fileName, "signature": signature])
            throw AppError(.validation, code: "upload_virus_found", message, fields: [file.fieldName: message])
        }
    }

    /// Runs a blob store call; its failures are ours, not the client's, and say so.
    func storing<T>(_ file: FileInProgress, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AppError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            logger?.error("Could not store an upload", metadata: ["file": "\(file.fileName)", "error": "\(error)"])
            let message = L10n.t("uploads.storageUnavailable", ["file": file.fileName])
            throw AppError(.unavailable, code: "upload_storage_unavailable", message, fields: [file.fieldName: message], retryAfter: 60)
        }
    }
}
