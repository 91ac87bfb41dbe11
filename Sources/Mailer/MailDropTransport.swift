import Foundation
import Logging
import NIOPosix

/// Writes each message as an `.eml` file instead of sending it: the default when no
/// `SMTP_URL` is configured, so that a newcomer can read the mail Portico would send.
///
/// Files are `<directory>/<date>-<message-id>.eml` (date in UTC, the Message-ID reduced
/// to safe characters), mode 0600, written to a temporary name and renamed, so a reader
/// never sees half a message. Sending the same message again replaces its file.
public final class MailDropTransport: MailTransport {
    public let directory: URL
    private let logger: Logger

    public init(directory: URL, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    public func send(_ message: MailMessage) async throws {
        let bytes = try MIMEBuilder.deliveryBytes(message)
        let file = directory.appendingPathComponent(Self.fileName(for: message))
        let directory = directory
        do {
            // File system calls block: keep them off the cooperative executor.
            try await NIOThreadPool.singleton.runIfActive {
                try Self.writeAtomically(bytes, to: file, in: directory)
            }
        } catch let error as MailDeliveryError {
            throw error
        } catch {
            throw MailDeliveryError.transient(code: nil, message: "cannot write \(file.path): \(error)")
        }
        logger.info(
            "mail written to file",
            metadata: [
                "to": "\(message.to.address)", "subject": "\(message.subject)", "file": "\(file.path)",
            ])
    }

    static func fileName(for message: MailMessage) -> String {
        let safeID = String(
            message.messageID.unicodeScalars.prefix(120).map { scalar -> Character in
                scalar.isASCIILetter || scalar.isASCIIDigit || "._-@".unicodeScalars.contains(scalar) ? Character(scalar) : "_"
            })
        return "\(MailDate.compact(message.date))-\(safeID).eml"
    }

    private static func writeAtomically(_ bytes: [UInt8], to file: URL, in directory: URL) throws {
        func failure(_ what: String) -> MailDeliveryError {
            .transient(code: nil, message: "cannot \(what): \(String(cString: strerror(errno)))")
        }
        if mkdir(directory.path, 0o700) != 0, errno != EEXIST {
            // A missing parent: create the whole path.
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw MailDeliveryError.transient(code: nil, message: "cannot create mail directory \(directory.path): \(error)")
            }
        }
        let temporary = directory.appendingPathComponent(".\(file.lastPathComponent).\(UInt32.random(in: 0...UInt32.max)).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("create \(temporary.path)") }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else {
                let error = failure("write \(temporary.path)")
                close(descriptor)
                unlink(temporary.path)
                throw error
            }
            written += result
        }
        let synced = fsync(descriptor) == 0
        let syncError = failure("flush \(temporary.path)")
        guard close(descriptor) == 0, synced else {
            let error = synced ? failure("close \(temporary.path)") : syncError
            unlink(temporary.path)
            throw error
        }
        guard rename(temporary.path, file.path) == 0 else {
            let error = failure("rename \(temporary.path) to \(file.path)")
            unlink(temporary.path)
            throw error
        }
    }
}
