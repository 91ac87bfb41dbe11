import CCurl

/// The message bytes libcurl reads through CURLOPT_READFUNCTION, and how far it got.
///
/// Passed to libcurl as CURLOPT_READDATA through an unretained `Unmanaged` pointer: the
/// delivery keeps the object alive until `curl_easy_perform` has returned.
final class UploadSource {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// libcurl has taken every byte of the message. After that, a failure may come after
    /// the server accepted the message.
    var deliveredEverything: Bool { offset == bytes.count }

    /// Copies the next bytes into libcurl's buffer; 0 means the message is complete.
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBufferPointer { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }

    /// The C read callback: `userdata` is the `UploadSource` (CURLOPT_READDATA).
    static let callback: ccurl_io_callback = { buffer, size, count, userdata in
        guard let buffer, let userdata else { return Int(CURL_READFUNC_ABORT) }
        let source = Unmanaged<UploadSource>.fromOpaque(userdata).takeUnretainedValue()
        return source.read(into: buffer, capacity: size * count)
    }
}
