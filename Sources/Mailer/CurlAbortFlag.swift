import CCurl

/// Stops a libcurl transfer running on another thread (`ccurl_set_abort_flag`): raised from
/// a task-cancellation handler, read by libcurl's progress callback, which ends the transfer
/// within about a second with CURLE_ABORTED_BY_CALLBACK.
final class CurlAbortFlag: @unchecked Sendable {
    // Written and read only with atomic operations in ccurl.c.
    let pointer: UnsafeMutablePointer<Int32>

    init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: 0)
    }

    deinit {
        pointer.deallocate()
    }

    func raise() {
        ccurl_raise_abort_flag(pointer)
    }
}
