import Foundation
import Mustache

/// The "Where you're signed in" section, as the `partials/devices` template reads it, for the
/// profile page and the staff account page alike (each passes the routes its forms post to).
@MustacheView
struct DeviceListView: Sendable {
    @MustacheView
    struct Device: Sendable {
        let id: String
        let label: String
        let kind: String
        let ip: String
        let signedIn: String
        let lastSeen: String
        let current: Bool
        let waitingForCode: Bool
        let signOutAction: String
    }

    let devices: [Device]
    let hasOthers: Bool
    let signOutOthersAction: String
    /// What ends sessions without this list (shown so nobody wonders).
    let explanation: String

    init(_ devices: [SignedInDevice], signOut: Route1<UUID>, signOutOthers: Route, explanation: String) {
        self.devices = devices.map { device in
            Device(
                id: device.id.uuidString.lowercased(), label: device.agent.label,
                kind: L10n.t(device.kind == .app ? "devices.kind.app" : "devices.kind.browser"),
                ip: device.ip.isEmpty ? L10n.t("devices.unknownAddress") : device.ip,
                signedIn: DisplayDate.dateTime(device.signedInAt), lastSeen: DisplayDate.dateTime(device.lastSeenAt),
                current: device.isCurrent, waitingForCode: device.waitingForSecondFactor,
                signOutAction: signOut(device.id))
        }
        self.hasOthers = devices.contains { !$0.isCurrent }
        self.signOutOthersAction = signOutOthers.path
        self.explanation = explanation
    }
}
