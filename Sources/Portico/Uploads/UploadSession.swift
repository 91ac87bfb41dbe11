import Foundation
import Logging
import MultipartKit
import NIOCore

/// The state of one upload request. Used by one task, start to end.
final class UploadSession {
    let limits: UploadLimits
    let store: any BlobStore
    let tenant: TenantID
    let scanner: any VirusScanner
    let policy: FileTypePolicy
    let logger: Logger?
    private let beforeFiles: MultipartUpload.BeforeFiles?

    private let parser: MultipartParser
    private let events = PartEvents()
    /// `--boundary--`: the body must end with it (then optional whitespace) to be complete.
    private let closingDelimiter: [UInt8]
    private var tail: [UInt8] = []
    private var totalBytes = 0
    /// Bytes fed to the parser since it last reported anything: headers or preamble growing.
    private var quietBytes = 0

    var part = Part.between
    var fields: [UploadedForm.Field] = []
    private var fieldsBeforeFirstFile: [UploadedForm.Field]?
    var files: [UploadedFile] = []
    var partNames: [String] = []
    private var fieldCount = 0
    var fileCount = 0
    /// Every blob this request has stored, including ones not yet accepted: the cleanup list.
    var storedKeys: [BlobKey] = []

    enum Part {
        /// Before the first part, or after a part ended.
        case between
        /// Headers so far, and their size in bytes.
        case headers([(name: String, value: String)], size: Int)
        case field(FieldInProgress)
        case emptyFileInput
        case file(FileInProgress)
    }

    final class FieldInProgress {
        let name: String
        var value = ByteBuffer()
        init(name: String) { self.name = name }
    }

    final class FileInProgress {
        let fieldName: String
        let fileName: String
        let claimed: FileKind
        var size = 0
        /// The first bytes, held back until the content check has seen them.
        var head: [UInt8] = []
        var writer: (any BlobWriter)?

        init(fieldName: String, fileName: String, claimed: FileKind) {
            self.fieldName = fieldName
            self.fileName = fileName
            self.claimed = claimed
        }
    }

    init(
        boundary: String, limits: UploadLimits, store: any BlobStore, tenant: TenantID, scanner: any VirusScanner,
        policy: FileTypePolicy, logger: Logger?, beforeFiles: MultipartUpload.BeforeFiles?
    ) {
        self.limits = limits
        self.store = store
        self.tenant = tenant
        self.scanner = scanner
        self.policy = policy
        self.logger = logger
        self.beforeFiles = beforeFiles
        self.closingDelimiter = Array("--\(boundary)--".utf8)
        self.parser = MultipartParser(boundary: boundary)
        let events = events
        parser.onHeader = { name, value in events.list.append(.header(name, value)) }
        parser.onBody = { buffer in events.appendBody(&buffer) }
        parser.onPartComplete = { events.list.append(.partComplete) }
    }

    func run(_ body: some AsyncSequence<ByteBuffer, any Error>) async throws -> UploadedForm {
        var iterator = body.makeAsyncIterator()
        while let chunk = try await nextChunk(&iterator) {
            totalBytes += chunk.readableBytes
            guard totalBytes <= limits.maxTotalSize else { throw Self.totalTooLarge(limits) }
            remember(chunk)
            do {
                try parser.execute(chunk)
            } catch {
                throw Self.malformed
            }
            let batch = events.take()
            if batch.isEmpty {
                quietBytes += chunk.readableBytes
                guard quietBytes <= limits.maxPartHeaderSize else { throw Self.malformed }
            } else {
                quietBytes = 0
            }
            for event in batch {
                try await handle(event)
            }
        }
        guard case .between = part, endsWithClosingDelimiter else {
            throw AppError(
                .badRequest, code: "upload_incomplete",
                L10n.t("uploads.incomplete"))
        }
        try await runBeforeFilesOnce()
        return UploadedForm(fields: fields, files: files, partNames: partNames, fieldsBeforeFirstFile: fieldsBeforeFirstFile ?? fields)
    }

    /// Deletes whatever this request stored; after a failure nothing of it stays behind.
    func discardEverything() async {
        if case .file(let file) = part, let writer = file.writer {
            file.writer = nil
            await writer.abort()
        }
        for key in storedKeys {
            do {
                try await store.delete(tenant: tenant, key: key)
            } catch {
                logger?.error("Could not delete a refused upload", metadata: ["key": "\(key)", "error": "\(error)"])
            }
        }
        storedKeys = []
        files = []
    }

    // MARK: Helpers

    func runBeforeFilesOnce() async throws {
        guard fieldsBeforeFirstFile == nil else { return }
        fieldsBeforeFirstFile = fields
        try await beforeFiles?(fields)
    }

    func countField() throws {
        fieldCount += 1
        guard fieldCount <= limits.maxFields else {
            throw AppError(
                .payloadTooLarge, code: "upload_too_many_fields",
                L10n.t("uploads.tooManyFields", ["max": "\(limits.maxFields)"]))
        }
    }

    private func nextChunk<I: AsyncIteratorProtocol>(_ iterator: inout I) async throws -> ByteBuffer? where I.Element == ByteBuffer {
        do {
            return try await iterator.next()
        } catch let error as CancellationError {
            throw error
        } catch let error as AppError {
            throw error
        } catch {
            logger?.debug("Upload body ended with an error", metadata: ["error": "\(error)"])
            throw AppError(
                .badRequest, code: "upload_interrupted",
                L10n.t("uploads.interrupted"))
        }
    }

    private func remember(_ chunk: ByteBuffer) {
        let keep = closingDelimiter.count + 64
        tail.append(contentsOf: chunk.readableBytesView.suffix(keep))
        if tail.count > keep { tail.removeFirst(tail.count - keep) }
    }

    /// Whether the body ended with the closing delimiter, allowing trailing line breaks.
    private var endsWithClosingDelimiter: Bool {
        var end = tail[...]
        while let last = end.last, last == 0x0D || last == 0x0A || last == 0x20 || last == 0x09 { end = end.dropLast() }
        return end.count >= closingDelimiter.count && Array(end.suffix(closingDelimiter.count)) == closingDelimiter
    }

    static func totalTooLarge(_ limits: UploadLimits) -> AppError {
        AppError(
            .payloadTooLarge, code: "upload_too_large",
            L10n.t("uploads.totalTooLarge", ["size": ByteCountText.describe(limits.maxTotalSize)]))
    }

    /// Computed, not stored: the message is in the language of the request that meets it.
    static var malformed: AppError { AppError(.badRequest, code: "upload_malformed", L10n.t("uploads.malformed")) }

    /// The same error, also attached to the form field it concerns.
    static func about(field: String, _ error: AppError) -> AppError {
        var error = error
        error.fields[field] = error.message
        return error
    }
}
