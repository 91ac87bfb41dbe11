import Foundation
import Logging
import MultipartKit
import NIOCore

/// The state of one upload request. Used by one task, start to end.
final class UploadSession {
    private let limits: UploadLimits
    private let store: any BlobStore
    private let tenant: TenantID
    private let scanner: any VirusScanner
    private let policy: FileTypePolicy
    private let logger: Logger?
    private let beforeFiles: MultipartUpload.BeforeFiles?

    private let parser: MultipartParser
    private let events = PartEvents()
    /// `--boundary--`: the body must end with it (then optional whitespace) to be complete.
    private let closingDelimiter: [UInt8]
    private var tail: [UInt8] = []
    private var totalBytes = 0
    /// Bytes fed to the parser since it last reported anything: headers or preamble growing.
    private var quietBytes = 0

    private var part = Part.between
    private var fields: [UploadedForm.Field] = []
    private var fieldsBeforeFirstFile: [UploadedForm.Field]?
    private var files: [UploadedFile] = []
    private var partNames: [String] = []
    private var fieldCount = 0
    private var fileCount = 0
    /// Every blob this request has stored, including ones not yet accepted: the cleanup list.
    private var storedKeys: [BlobKey] = []

    private enum Part {
        /// Before the first part, or after a part ended.
        case between
        /// Headers so far, and their size in bytes.
        case headers([(name: String, value: String)], size: Int)
        case field(FieldInProgress)
        case emptyFileInput
        case file(FileInProgress)
    }

    private final class FieldInProgress {
        let name: String
        var value = ByteBuffer()
        init(name: String) { self.name = name }
    }

    private final class FileInProgress {
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

    // MARK: Parser events

    private func handle(_ event: PartEvents.Event) async throws {
        switch event {
        case .header(let name, let value):
            var headers: [(name: String, value: String)]
            var size: Int
            switch part {
            case .between: (headers, size) = ([], 0)
            case .headers(let existing, let existingSize): (headers, size) = (existing, existingSize)
            default: throw Self.malformed  // the parser reports headers only between parts
            }
            headers.append((name, value))
            size += name.utf8.count + value.utf8.count
            guard size <= limits.maxPartHeaderSize else { throw Self.malformed }
            part = .headers(headers, size: size)
        case .body(let buffer):
            try await beginPartIfNeeded()
            try await append(buffer)
        case .partComplete:
            try await beginPartIfNeeded()
            try await completePart()
        }
    }

    /// Content or the end of a part means its headers are complete: decide what it is.
    private func beginPartIfNeeded() async throws {
        let headers: [(name: String, value: String)]
        switch part {
        case .between: headers = []
        case .headers(let existing, _): headers = existing
        default: return
        }
        let dispositions = headers.filter { $0.name.lowercased() == "content-disposition" }
        guard dispositions.count == 1, let disposition = PartDisposition.parse(dispositions[0].value) else {
            throw AppError(
                .badRequest, code: "upload_unnamed_part",
                L10n.t("uploads.unnamedPart"))
        }
        partNames.append(disposition.name)
        guard let rawFileName = disposition.fileName else {
            try countField()
            part = .field(FieldInProgress(name: disposition.name))
            return
        }
        // A file input with nothing chosen: browsers still send it, with an empty name.
        if rawFileName.isEmpty {
            try countField()
            part = .emptyFileInput
            return
        }
        let fileName = FileNames.sanitize(rawFileName)
        // The hook (a CSRF check) decides first: a forged request learns nothing of the limits.
        try await runBeforeFilesOnce()
        fileCount += 1
        guard fileCount <= limits.maxFiles else {
            let message = L10n.texts.plural("uploads.tooManyFiles", count: limits.maxFiles)
            throw AppError(.payloadTooLarge, code: "upload_too_many_files", message, fields: [disposition.name: message])
        }
        let claimed: FileKind
        do {
            claimed = try policy.checkName(fileName)
        } catch let error as AppError {
            throw Self.about(field: disposition.name, error)
        }
        part = .file(FileInProgress(fieldName: disposition.name, fileName: fileName, claimed: claimed))
    }

    private func append(_ buffer: ByteBuffer) async throws {
        switch part {
        case .field(let field):
            guard field.value.readableBytes + buffer.readableBytes <= limits.maxFieldSize else {
                throw AppError(
                    .payloadTooLarge, code: "upload_field_too_large",
                    L10n.t("uploads.fieldTooLong", ["field": field.name, "size": ByteCountText.describe(limits.maxFieldSize)]),
                    fields: [field.name: L10n.t("uploads.longerThan", ["size": ByteCountText.describe(limits.maxFieldSize)])])
            }
            field.value.writeImmutableBuffer(buffer)
        case .emptyFileInput:
            throw AppError(
                .badRequest, code: "upload_file_without_name",
                L10n.t("uploads.fileWithoutName"))
        case .file(let file):
            file.size += buffer.readableBytes
            guard file.size <= limits.maxFileSize else {
                let message = L10n.t("uploads.fileTooLarge", ["file": file.fileName, "size": ByteCountText.describe(limits.maxFileSize)])
                throw AppError(.payloadTooLarge, code: "upload_file_too_large", message, fields: [file.fieldName: message])
            }
            if let writer = file.writer {
                try await storing(file) { try await writer.write(buffer) }
            } else {
                file.head.append(contentsOf: buffer.readableBytesView)
                if file.head.count >= FileTypePolicy.sniffLength {
                    try await startStoring(file)
                }
            }
        case .between, .headers:
            throw Self.malformed
        }
    }

    private func completePart() async throws {
        switch part {
        case .field(let field):
            guard let value = String(validating: field.value.readableBytesView, as: UTF8.self) else {
                throw AppError(
                    .badRequest, code: "upload_field_not_text",
                    L10n.t("uploads.fieldNotText", ["field": field.name]))
            }
            fields.append(UploadedForm.Field(name: field.name, value: value))
        case .emptyFileInput:
            break
        case .file(let file):
            if file.writer == nil { try await startStoring(file) }
            let writer = file.writer!
            file.writer = nil
            // finish() cleans up after itself when it fails.
            let blob = try await storing(file) { try await writer.finish() }
            storedKeys.append(blob.key)
            if scanner.isEnabled { try await scan(blob, file) }
            files.append(
                UploadedFile(
                    fieldName: file.fieldName, fileName: file.fileName, kind: file.claimed,
                    size: blob.size, sha256: blob.sha256, key: blob.key
                ))
        case .between, .headers:
            throw Self.malformed
        }
        part = .between
    }

    // MARK: Files

    /// Content check on the first bytes, then the blob is opened and they are written. A file
    /// that fails the check never touches the disk.
    private func startStoring(_ file: FileInProgress) async throws {
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

    private func scan(_ blob: StoredBlob, _ file: FileInProgress) async throws {
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
    private func storing<T>(_ file: FileInProgress, _ body: () async throws -> T) async throws -> T {
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

    // MARK: Helpers

    private func runBeforeFilesOnce() async throws {
        guard fieldsBeforeFirstFile == nil else { return }
        fieldsBeforeFirstFile = fields
        try await beforeFiles?(fields)
    }

    private func countField() throws {
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
