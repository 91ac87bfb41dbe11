import Foundation
import Hummingbird
import MultipartKit

/// The import page's `multipart/form-data` upload, read whole (at most `limit` bytes) with
/// multipart-kit's parser: the text fields (`csrf_token`) and the one file.
///
/// The CSRF middleware does not look inside multipart bodies: the handler verifies
/// `fields["csrf_token"]` itself before it does anything with the file.
struct ImportUploadForm {
    var fields: [String: String] = [:]
    var fileName: String?
    var file: [UInt8]?

    /// Largest CSV file accepted.
    static let maximumFileBytes = 20 * 1024 * 1024
    /// The body may be a little larger than the file (boundaries, headers, other fields).
    static let maximumBodyBytes = maximumFileBytes + 64 * 1024

    static func read(_ request: Request) async throws -> ImportUploadForm {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("multipart/form-data"), let boundary = boundary(of: contentType) else {
            throw AppError(.unsupportedMediaType, code: "multipart_required", L10n.t("console.import.multipartRequired"))
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maximumBodyBytes {
            throw CSVFileProblem.tooLarge(limitMegabytes: maximumFileBytes / 1_048_576).appError
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maximumBodyBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw CSVFileProblem.tooLarge(limitMegabytes: maximumFileBytes / 1_048_576).appError
        }
        // Up to 20 MB of copying: off the cooperative pool.
        return try await CSVImporter.offloadThrowing { try parse(body, boundary: boundary) }
    }

    static func parse(_ body: ByteBuffer, boundary: String) throws -> ImportUploadForm {
        var form = ImportUploadForm()
        var headers: [String: String] = [:]
        var content: [UInt8] = []
        var fileSeen = false
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in headers[name.lowercased()] = value }
        parser.onBody = { chunk in content.append(contentsOf: chunk.readableBytesView) }
        parser.onPartComplete = {
            let disposition = parameters(of: headers["content-disposition"] ?? "")
            if let name = disposition["name"] {
                if let fileName = disposition["filename"] {
                    // The first file wins; a form has one file input.
                    if !fileSeen {
                        fileSeen = true
                        form.fileName = fileName
                        form.file = content
                    }
                } else if form.fields[name] == nil, content.count <= 4_096 {
                    form.fields[name] = String(decoding: content, as: UTF8.self)
                }
            }
            headers = [:]
            content = []
        }
        do {
            try parser.execute(body)
        } catch {
            throw AppError(.badRequest, code: "malformed_upload", L10n.t("console.import.malformedUpload"))
        }
        return form
    }

    /// `multipart/form-data; boundary="abc"` → `abc`.
    static func boundary(of contentType: String) -> String? {
        let value = parameters(of: contentType)["boundary"]
        guard let value, !value.isEmpty, value.count <= 200 else { return nil }
        return value
    }

    /// The `key=value` parameters of a header value (quoted or not), keys lower-cased.
    static func parameters(of header: String) -> [String: String] {
        var result: [String: String] = [:]
        var index = header.startIndex
        // Skip the leading token (`form-data`, `multipart/form-data`).
        while index < header.endIndex, header[index] != ";" { index = header.index(after: index) }
        while index < header.endIndex {
            index = header.index(after: index)  // past ';'
            while index < header.endIndex, header[index] == " " { index = header.index(after: index) }
            var key = ""
            while index < header.endIndex, header[index] != "=", header[index] != ";" {
                key.append(header[index]); index = header.index(after: index)
            }
            guard index < header.endIndex, header[index] == "=" else { continue }
            index = header.index(after: index)
            var value = ""
            if index < header.endIndex, header[index] == "\"" {
                index = header.index(after: index)
                while index < header.endIndex, header[index] != "\"" {
                    if header[index] == "\\", header.index(after: index) < header.endIndex { index = header.index(after: index) }
                    value.append(header[index])
                    index = header.index(after: index)
                }
                if index < header.endIndex { index = header.index(after: index) }
                while index < header.endIndex, header[index] != ";" { index = header.index(after: index) }
            } else {
                while index < header.endIndex, header[index] != ";" { value.append(header[index]); index = header.index(after: index) }
            }
            result[key.trimmingCharacters(in: .whitespaces).lowercased()] = value.trimmingCharacters(in: .whitespaces)
        }
        return result
    }
}
