import Mustache

/// A value of an email written when the email is rendered, in the recipient's language.
///
/// Senders build an email's values in the language of the request that caused it (a staff
/// member's console, say), but each recipient reads their own: a status name, a visit's
/// kind or its window goes in as `MailText { order.status.label }`, and `Outbox.enqueue`
/// renders it under the recipient's `Texts.current` (and so its dates in their locale).
/// Tenant-entered data (titles, notes, addresses) stays a plain string, as entered.
public struct MailText: Sendable, CustomStringConvertible, MustacheParent {
    let text: @Sendable () -> String

    public init(_ text: @escaping @Sendable () -> String) { self.text = text }

    /// A catalog text with values filled in, in the recipient's language.
    public init(key: String, _ values: [String: String] = [:]) { self.init { L10n.t(key, values) } }

    public var description: String { text() }

    /// Nothing inside: a section over the value (`{{#eta}}…{{/eta}}`) reads its neighbours.
    public func child(named name: String) -> Any? { nil }
}
