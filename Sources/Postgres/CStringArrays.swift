import Foundation

/// C string arrays for libpq calls, alive for the length of one call.
func withArrayOfCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    // libpq's keyword/value arrays end with a NULL entry.
    withArrayOfOptionalCStrings(strings.map { Optional($0) } + [nil], body)
}

/// Calls `body` with C strings for each value (nil stays NULL) that live for the call.
func withArrayOfOptionalCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { value in
        guard let value else { return nil }
        return strdup(value)
    }
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers.map { $0.map { UnsafePointer($0) } })
}
