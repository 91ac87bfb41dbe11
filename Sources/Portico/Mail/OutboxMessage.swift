import Foundation
import Postgres

public enum OutboxStatus: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    case queued
    case sending
    case sent
    /// Refused for good (5xx reply, bad address): never retried automatically.
    case failed
    /// Gave up after the maximum number of attempts; staff can retry.
    case dead
}

/// A row of the outbox.
public struct OutboxMessage: Sendable, Decodable {
    public let tenantId: TenantID
    public let id: UUID
    public let kind: String
    public let recipient: String
    public let recipientName: String
    public let subject: String
    public let textBody: String
    public let htmlBody: String?
    public let fromName: String
    public let replyTo: String?
    public let listUnsubscribe: String?
    /// The one-time link's token while the message still has to go out (nil after).
    public let linkToken: String?
    public let messageId: String
    /// The language the bodies are written in (`Content-Language`).
    public let contentLanguage: String
    public let status: OutboxStatus
    public let attempts: Int
    public let nextAttemptAt: Date
    public let uncertain: Bool
    public let lastError: String?
    public let createdAt: Date
    public let sentAt: Date?

    /// The bodies hold a one-time link whose token was cleared (the message stopped being
    /// delivered): sending it now would send a dead link.
    public var lostItsLink: Bool {
        linkToken == nil && (textBody.contains(Outbox.linkTokenPlaceholder) || htmlBody?.contains(Outbox.linkTokenPlaceholder) == true)
    }
}
