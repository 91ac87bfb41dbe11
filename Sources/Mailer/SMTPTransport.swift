import Logging
import NIOPosix

/// Delivers mail to an SMTP relay with libcurl, one connection per message.
///
/// libcurl's easy interface blocks, so each delivery runs on a dedicated `NIOThreadPool`
/// with `concurrency` threads: at most that many deliveries run at once, and neither
/// Swift's cooperative executor nor an event loop ever waits on the network.
/// Call `shutdown()` before dropping the transport.
public final class SMTPTransport: MailTransport {
    public let configuration: SMTPConfiguration
    private let threadPool: NIOThreadPool
    private let logger: Logger

    public init(configuration: SMTPConfiguration, concurrency: Int = 2, logger: Logger = Logger(label: "portico.mailer")) {
        self.configuration = configuration
        self.logger = logger
        threadPool = NIOThreadPool(numberOfThreads: max(1, concurrency))
        threadPool.start()
    }

    public func send(_ message: MailMessage) async throws {
        let bytes = try MIMEBuilder.deliveryBytes(message)
        let delivery = SMTPDelivery(
            configuration: configuration, from: message.from.address, recipient: message.to.address, bytes: bytes
        )
        // Cancelling the task stops the conversation (shutdown): the relay may or may not have
        // the message by then, which the error says (transient before the whole message went,
        // uncertain after).
        let abort = CurlAbortFlag()
        do {
            try await withTaskCancellationHandler {
                try await threadPool.runIfActive { try delivery.perform(abort: abort) }
            } onCancel: {
                abort.raise()
            }
            logger.debug("mail delivered", metadata: ["message-id": "\(message.messageID)", "relay": "\(configuration.host)"])
        } catch let error as MailDeliveryError {
            logger.debug("mail not delivered", metadata: ["message-id": "\(message.messageID)", "error": "\(error)"])
            throw error
        } catch is CancellationError where Task.isCancelled {
            // Cancelled while waiting for a thread: nothing was sent.
            throw MailDeliveryError.transient(code: nil, message: "delivery stopped before it started (the worker is shutting down)")
        } catch {
            // runIfActive refuses work once the pool is shut down.
            throw MailDeliveryError.transient(code: nil, message: "the SMTP transport is shut down")
        }
    }

    /// Waits for deliveries in progress, then stops the threads. Later sends fail (transient).
    public func shutdown() async {
        try? await threadPool.shutdownGracefully()
    }
}
