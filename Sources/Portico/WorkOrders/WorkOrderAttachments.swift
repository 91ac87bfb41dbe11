import Foundation
import Hummingbird
import Logging
import NIOCore

/// Files attached to work orders: received with the forms that create an order, edit a
/// draft or add a comment; at most `perOrder` per order; downloaded only after the caller
/// has checked that the order is theirs.
public enum WorkOrderAttachments {
    /// Files per order, counting those already attached (the ones the uploader can see).
    public static let perOrder = 10

    /// What a file input says about the files it takes and how many more fit.
    static func hint(slots: Int) -> String {
        L10n.texts.plural("attachments.hint", count: slots)
    }

    static func tooMany(number: Int?, existing: Int) -> AppError {
        let remaining = max(0, perOrder - existing)
        let message: String
        if let number, existing > 0 {
            message =
                remaining == 0
                ? "Work order #\(number) already has \(existing) files, the most one order can have. Send further files in a new work order, or ask us to remove some."
                : "Work order #\(number) already has \(existing) files and can have at most \(perOrder), so you can add \(remaining) more. Please choose fewer files."
        } else {
            message = "A work order can have at most \(perOrder) files. Please choose \(perOrder) or fewer."
        }
        return AppError(.validation, code: "too_many_attachments", message, fields: ["attachments": message])
    }

    /// Checks, under a lock on the order, that `adding` more files keep it within the limit.
    static func checkRoom(
        for order: WorkOrder, adding: Int, includeInternal: Bool, repositories: Repositories,
        in tx: TenantTransaction
    ) async throws {
        guard adding > 0 else { return }
        let existing = try await repositories.workOrders.lockAndCountAttachments(of: order.id, includeInternal: includeInternal, in: tx)
        if existing + adding > perOrder { throw tooMany(number: order.number, existing: existing) }
    }

    /// The file as a download: streamed from the blob store chunk by chunk (file reads run on
    /// the blocking-I/O pool), with the stored type, `nosniff`, and `attachment` for all but
    /// the images a browser can show.
    static func download(_ record: AttachmentRecord, store: any BlobStore, tenant: TenantID, logger: Logger) async throws -> Response {
        guard let key = BlobKey(record.storageKey) else { throw AppError.notFound("file") }
        let content: BlobContent
        do {
            content = try await store.open(tenant: tenant, key: key)
        } catch BlobStoreError.notFound {
            logger.error("An attachment's file is missing from the blob store", metadata: ["attachment": "\(record.id)", "key": "\(key)"])
            throw AppError.notFound("file")
        }
        let kind = FileKind(contentType: record.contentType)
        let inline = kind?.isInlineImage == true
        return Response(
            status: .ok,
            headers: [
                .contentType: kind?.contentType ?? "application/octet-stream",
                .contentLength: String(content.size),
                .contentDisposition: FileNames.contentDisposition(inline ? .inline : .attachment, fileName: record.fileName),
                .xContentTypeOptions: "nosniff",
                .cacheControl: "private, no-store",
                // Even opened directly, the file can run nothing.
                .contentSecurityPolicy: "default-src 'none'; img-src 'self'; sandbox",
            ], body: ResponseBody(asyncSequence: content))
    }
}

/// A posted form: url-encoded, or multipart with its files already in the blob store.
/// Whoever receives one either records its files or calls `discard`.
struct PostedForm: Sendable {
    let fields: FormFields
    let files: [UploadedFile]

    var attachments: [UploadedAttachment] {
        files.map {
            UploadedAttachment(
                fileName: $0.fileName, contentType: $0.contentType, sizeBytes: Int64($0.size), sha256: $0.sha256,
                storageKey: $0.key.rawValue)
        }
    }

    /// Deletes the stored files: the form's action failed, so nothing may keep them.
    func discard(from store: any BlobStore, tenant: TenantID, logger: Logger) async {
        for file in files {
            do {
                try await store.delete(tenant: tenant, key: file.key)
            } catch {
                logger.error("Could not delete an unused upload", metadata: ["key": "\(file.key)", "error": "\(error)"])
            }
        }
    }

    /// Runs `body`; if it throws, the files are deleted first.
    func using<T>(_ store: any BlobStore, tenant: TenantID, logger: Logger, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            await discard(from: store, tenant: tenant, logger: logger)
            throw error
        }
    }
}

/// Reads a form that may carry attachments.
struct AttachmentReceiver {
    let blobStore: any BlobStore
    let logger: Logger
    let virusScanner: any VirusScanner

    enum Outcome {
        case received(PostedForm)
        /// The upload was refused (type, size, count, virus, scanner down…): nothing is stored.
        /// `fields` are the text fields that arrived before the first file, to show the form again.
        case refused(AppError, FormFields)
    }

    /// A url-encoded body is read as before (the CSRF middleware has checked it). A multipart
    /// body cannot be read by the middleware, which checks only `Origin` and `Sec-Fetch-Site`
    /// for it: here its `csrf_token` field is verified before the first file is stored (the
    /// forms put it first), so a forged upload never writes a byte.
    ///
    /// - Parameters:
    ///   - existing: attachments the order already has, to refuse the one file too many while streaming.
    ///   - number: the order's number for messages (nil for a new order).
    func receive(_ request: Request, csrf: TenantRequestContext, tenant: TenantID, existing: Int = 0, number: Int? = nil) async throws -> Outcome {
        let contentType = (request.headers[.contentType] ?? "").lowercased()
        guard contentType.hasPrefix("multipart/form-data") else {
            return .received(PostedForm(fields: try await FormFields.read(request), files: []))
        }
        var limits = UploadLimits.standard
        limits.maxFiles = max(0, WorkOrderAttachments.perOrder - existing)
        let seen = SeenFields()
        do {
            let form = try await MultipartUpload.receive(
                request: request, limits: limits, blobStore: blobStore, tenant: tenant,
                scanner: virusScanner, logger: logger
            ) { fields in
                seen.fields = fields
                try CSRF.verify(token: fields.first { $0.name == "csrf_token" }?.value, context: csrf)
            }
            return .received(PostedForm(fields: FormFields(form.fields), files: form.files))
        } catch let error as AppError where error.code.hasPrefix("upload_") {
            let refusal = error.code == "upload_too_many_files" ? WorkOrderAttachments.tooMany(number: number, existing: existing) : error
            return .refused(refusal, FormFields(seen.fields))
        }
    }

    /// The text fields seen by the time the first file began.
    private final class SeenFields: @unchecked Sendable {
        var fields: [UploadedForm.Field] = []
    }
}
