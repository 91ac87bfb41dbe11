import NIOCore

/// Checks an uploaded file before it is accepted. Implementations fail closed: if they
/// cannot give a verdict they throw, and the upload is refused.
public protocol VirusScanner: Sendable {
    /// False for `NoScanner`: uploads then skip the scan (and the re-read it needs).
    var isEnabled: Bool { get }
    func scan(_ content: BlobContent) async throws -> ScanVerdict
}

public enum ScanVerdict: Sendable, Equatable {
    case clean
    /// The scanner's name for what it found (`Eicar-Test-Signature`).
    case infected(signature: String)
}

public enum ScannerError: Error, Sendable, CustomStringConvertible {
    case unreachable(String)
    case timedOut(after: Duration)
    /// The scanner answered, but with an error or something we do not understand.
    case failed(String)

    public var description: String {
        switch self {
        case .unreachable(let detail): "Virus scanner unreachable: \(detail)"
        case .timedOut(let duration): "Virus scanner did not answer within \(duration)"
        case .failed(let detail): "Virus scanner failed: \(detail)"
        }
    }
}

/// No scanning configured (`CLAMD_SOCKET` unset).
public struct NoScanner: VirusScanner {
    public init() {}
    public var isEnabled: Bool { false }
    public func scan(_ content: BlobContent) async throws -> ScanVerdict { .clean }
}
