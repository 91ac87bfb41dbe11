import Foundation

/// The kinds of file Portico accepts: site photos and the drawings and documents that go
/// with a work order (`attachments`), and the logo and favicon formats of branding.
public enum FileKind: String, Sendable, CaseIterable, Codable {
    case jpeg, png, heic, webp, pdf, dxf, dwg, svg, ico

    /// What a work order may carry.
    public static let attachments: [FileKind] = [.jpeg, .png, .heic, .webp, .pdf, .dxf, .dwg]

    /// The canonical `Content-Type`, whatever the client claimed.
    public var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .heic: "image/heic"
        case .webp: "image/webp"
        case .pdf: "application/pdf"
        case .dxf: "image/vnd.dxf"
        case .dwg: "image/vnd.dwg"
        case .svg: "image/svg+xml"
        case .ico: "image/x-icon"
        }
    }

    public init?(contentType: String) {
        let bare = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard let kind = FileKind.allCases.first(where: { $0.contentType == bare }) else { return nil }
        self = kind
    }

    /// Lower-case extensions, without the dot.
    public var extensions: [String] {
        switch self {
        case .jpeg: ["jpg", "jpeg"]
        case .png: ["png"]
        case .heic: ["heic", "heif"]
        case .webp: ["webp"]
        case .pdf: ["pdf"]
        case .dxf: ["dxf"]
        case .dwg: ["dwg"]
        case .svg: ["svg"]
        case .ico: ["ico"]
        }
    }

    /// The name people know the format by.
    public var displayName: String {
        switch self {
        case .jpeg: "JPEG"
        case .png: "PNG"
        case .heic: "HEIC"
        case .webp: "WebP"
        case .pdf: "PDF"
        case .dxf: "DXF"
        case .dwg: "DWG"
        case .svg: "SVG"
        case .ico: "ICO"
        }
    }

    /// "a PNG image", in the current language: for "its contents look like …".
    var describedContent: String { L10n.t("uploads.content.\(rawValue)") }

    /// Images every browser renders safely in an `<img>`; everything else is served as a
    /// download. HEIC is a photo but most browsers cannot show it.
    public var isInlineImage: Bool {
        switch self {
        case .jpeg, .png, .webp: true
        // SVG can carry script; icons are branding only: neither opens inline as an attachment.
        case .heic, .pdf, .dxf, .dwg, .svg, .ico: false
        }
    }

    var isPhoto: Bool {
        switch self {
        case .jpeg, .png, .heic, .webp: true
        case .pdf, .dxf, .dwg, .svg, .ico: false
        }
    }

    var isDrawing: Bool { self == .dxf || self == .dwg }
}
