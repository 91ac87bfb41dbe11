import Foundation
import Hummingbird

/// Files on an order: list, upload (multipart, scanned, typed by content) and download.
extension WorkOrderAPIController {
    @Sendable func attachments(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let number = try Self.number(context)
        let (order, files) = try await service.attachments(of: number, customer: context.customer, tenant: context.tenant)
        return try APIJSON.response(AttachmentListResource(items: files.map { AttachmentResource($0, number: order.number) }))
    }

    static let uploadFields: Set<String> = ["file", "comment"]

    static func unknownParts(_ names: [String]) -> AppError {
        let unknown = Set(names).subtracting(uploadFields).sorted()
        var fields: [String: String] = [:]
        for name in unknown.prefix(20) {
            fields[String(name.prefix(100))] = "This part is not recognised here. Send files as parts named `file`, and optionally a `comment`."
        }
        return AppError(
            .badRequest, code: "unknown_fields", "The upload has parts this endpoint does not accept: \(unknown.prefix(20).joined(separator: ", ")).",
            fields: fields)
    }

    /// One or more files as `multipart/form-data` parts named `file`, through the portal's
    /// streamed upload path (per-file and total size while streaming, at most 10 per order,
    /// extension and magic-byte allow-list, virus scan failing closed). With a `comment` part
    /// the files go with a new comment (any order); without, onto a draft or submitted order.
    @Sendable func upload(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let number = try Self.number(context)
        let (order, existing) = try await service.attachments(of: number, customer: context.customer, tenant: context.tenant)
        let contentType = (request.headers[.contentType] ?? "").lowercased()
        guard contentType.hasPrefix("multipart/form-data") else {
            throw AppError(
                .unsupportedMediaType, code: "unsupported_media_type",
                "Send files as multipart/form-data, each in a part named `file`.")
        }
        var limits = UploadLimits.standard
        limits.maxFiles = max(0, WorkOrderAttachments.perOrder - existing.count)
        limits.maxFields = 10
        let form: UploadedForm
        do {
            form = try await MultipartUpload.receive(
                request: request, limits: limits, blobStore: files, tenant: context.tenant.id,
                scanner: scanner, logger: logger
            ) { fields in
                // Unknown text parts before the first file: refuse before a byte is stored.
                if fields.contains(where: { !Self.uploadFields.contains($0.name) }) { throw Self.unknownParts(fields.map(\.name)) }
            }
        } catch let error as AppError where error.code == "upload_too_many_files" {
            throw WorkOrderAttachments.tooMany(number: order.number, existing: existing.count)
        }
        let posted = PostedForm(fields: FormFields(form.fields), files: form.files)
        let names = form.fields.map(\.name) + form.files.map(\.fieldName)
        if names.contains(where: { !Self.uploadFields.contains($0) }) || form.fields.contains(where: { $0.name == "file" }) {
            await posted.discard(from: files, tenant: context.tenant.id, logger: context.logger)
            if form.fields.contains(where: { $0.name == "file" }) && !names.contains(where: { !Self.uploadFields.contains($0) }) {
                throw AppError.validation(["file": "The `file` part must be a file (with a filename), not text."])
            }
            throw Self.unknownParts(names)
        }
        if form.files.isEmpty {
            throw AppError.validation(["file": "Attach at least one file, as a part named `file`."])
        }
        let records: [AttachmentRecord] = try await posted.using(files, tenant: context.tenant.id, logger: context.logger) {
            if let text = posted.fields["comment"] {
                let comment = try await service.comment(
                    number, body: text, customer: context.customer, tenant: context.tenant,
                    attachments: posted.attachments)
                return try await service.attachments(of: number, customer: context.customer, tenant: context.tenant).1
                    .filter { $0.commentId == comment.id }
            }
            return try await service.attach(number, attachments: posted.attachments, customer: context.customer, tenant: context.tenant)
        }
        return try APIJSON.response(AttachmentListResource(items: records.map { AttachmentResource($0, number: order.number) }), status: .created)
    }

    /// The file, with the portal download's headers (`nosniff`, `Content-Disposition`, a
    /// sandboxing CSP). Internal files, files of other organizations or tenants: 404.
    @Sendable func download(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let number = try Self.number(context)
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw AppError.notFound("file") }
        let record = try await service.attachment(id, of: number, customer: context.customer, tenant: context.tenant)
        return try await WorkOrderAttachments.download(record, store: files, tenant: context.tenant.id, logger: context.logger)
    }
}
