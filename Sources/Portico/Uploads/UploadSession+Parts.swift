import Foundation
import NIOCore

/// The parser's events, part by part: headers, then a field's value or a file's bytes, then
/// the end of the part.
extension UploadSession {
    func handle(_ event: PartEvents.Event) async throws {
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
}
