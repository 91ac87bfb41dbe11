import Foundation
import Hummingbird
import NIOCore
import PorticoCrypto
import Testing

@testable import Portico

/// What the multipart suites share besides `UploadFixture` (a blob store in a temporary
/// directory): limits small enough that "one byte over" stays a small body.
protocol UploadMultipartScenario {}

extension UploadMultipartScenario {
    /// A 4 KB limit keeps "one byte over" tests small.
    static var small: UploadLimits { UploadLimits(maxFileSize: 4096, maxFiles: 10, maxTotalSize: 1024 * 1024) }
}
