import Foundation
import HTTPPost
import NIOPosix
import PorticoCrypto

/// The POST itself: the signed request, built after the scheme and address checks, and what
/// the receiver's answer means.
extension WebhookDelivery {
    /// The signature header value for `body` at `timestamp`.
    public static func signature(secret: String, timestamp: Int, body: String) -> String {
        let mac = Digest.hmacSHA256(key: Array(secret.utf8), message: Array("\(timestamp).\(body)".utf8))
        return "t=\(timestamp),v1=\(Hex.encode(mac))"
    }

    func post(_ delivery: Claimed) async -> Outcome {
        do {
            let request = try await prepare(delivery)
            let response = try await poster.post(request)
            if (200..<300).contains(response.statusCode) {
                return .delivered(response.statusCode)
            }
            let excerpt = String(decoding: response.body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return .failed(
                status: response.statusCode,
                error: DeliveryDiagnostic.receiverAnswered(status: response.statusCode, excerpt: excerpt).stored)
        } catch let error as HTTPPostError where error.stopped {
            return .released
        } catch let error as HTTPPostError {
            return .failed(status: nil, error: error.timedOut ? DeliveryDiagnostic.timedOut(error.message).stored : error.message)
        } catch {
            return .failed(status: nil, error: "\(error)")
        }
    }

    /// The request, after the scheme and address checks. The address checked is the one
    /// libcurl connects to (`CURLOPT_RESOLVE`), so a DNS answer that changes in between
    /// (rebinding) cannot reach a private address.
    func prepare(_ delivery: Claimed) async throws -> HTTPPostRequest {
        guard let components = URLComponents(string: delivery.url), let scheme = components.scheme?.lowercased(),
            let rawHost = components.host, !rawHost.isEmpty
        else {
            throw WebhookAddressError(message: DeliveryDiagnostic.invalidEndpoint.stored)
        }
        guard scheme == "https" || (scheme == "http" && policy.allowHTTP) else {
            throw WebhookAddressError(message: DeliveryDiagnostic.schemeRefused(scheme).stored)
        }
        var resolve: [String] = []
        if !policy.allowPrivate {
            let host = rawHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            let port = components.port ?? (scheme == "https" ? 443 : 80)
            switch AddressGuard.HostForm(host) {
            case .address(let bytes, _):
                // Any notation (`[::127.0.0.1]`, `0x7f.1`, `2130706433`): judged as the address it is.
                if AddressGuard.isForbidden(bytes: bytes) { throw WebhookAddressError(message: DeliveryDiagnostic.privateAddress(host).stored) }
            case .invalidNumeric:
                throw WebhookAddressError(message: DeliveryDiagnostic.invalidAddress(host).stored)
            case .name(let name):
                // Whatever the resolver says (RFC 6761), also for `LOCALHOST.`.
                if AddressGuard.isLocalName(name) { throw WebhookAddressError(message: DeliveryDiagnostic.localName(host).stored) }
                let addresses = try await NIOThreadPool.singleton.runIfActive { try AddressGuard.resolve(host) }
                if let bad = addresses.first(where: AddressGuard.isForbidden) {
                    throw WebhookAddressError(message: DeliveryDiagnostic.resolvesToPrivate(host: host, address: bad).stored)
                }
                let address = addresses[0]
                resolve = ["\(host):\(port):\(address.contains(":") ? "[\(address)]" : address)"]
            }
        }
        let timestamp = Int(Date().timeIntervalSince1970)
        return HTTPPostRequest(
            url: delivery.url,
            headers: [
                (name: "Content-Type", value: "application/json"),
                (name: "User-Agent", value: "Portico-Webhooks/1"),
                (name: "Portico-Event", value: delivery.eventType),
                (name: "Portico-Delivery", value: delivery.id.uuidString.lowercased()),
                (name: "Portico-Signature", value: Self.signature(secret: delivery.secret, timestamp: timestamp, body: delivery.payload)),
            ],
            body: Array(delivery.payload.utf8), resolve: resolve, protocols: policy.allowHTTP ? "http,https" : "https",
            connectTimeout: policy.connectTimeout, totalTimeout: policy.totalTimeout, maximumResponseBytes: policy.maximumResponseBytes)
    }
}
