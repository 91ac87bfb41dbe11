import NIOCore

/// What multipart-kit's parser reported during one `execute`. Its callbacks cannot suspend,
/// so events are collected and handled (with awaits) after each chunk.
final class PartEvents {
    enum Event {
        case header(String, String)
        case body(ByteBuffer)
        case partComplete
    }

    var list: [Event] = []

    /// The parser splits content at every CR; consecutive pieces are joined into one write.
    func appendBody(_ buffer: inout ByteBuffer) {
        if case .body(var last)? = list.last {
            list.removeLast()
            last.writeBuffer(&buffer)
            list.append(.body(last))
        } else {
            list.append(.body(buffer))
        }
    }

    func take() -> [Event] {
        defer { list = [] }
        return list
    }
}
