import Foundation
import Hummingbird

extension Scratch {
    /// The response body of a download built in this folder: `file` streamed in 256 KiB chunks,
    /// then the folder removed — also when the client goes away mid-download.
    func streaming(_ file: URL, size: Int) -> ResponseBody {
        ResponseBody(contentLength: size) { writer in
            do {
                let reader = try await FileChunks.open(file)
                defer { reader.close() }
                while true {
                    let chunk = try await reader.next(256 * 1024)
                    if chunk.isEmpty { break }
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
                await discard()
            } catch {
                await discard()
                throw error
            }
        }
    }
}
