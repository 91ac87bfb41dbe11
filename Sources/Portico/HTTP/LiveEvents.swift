import Foundation
import Hummingbird
import Postgres
import ServiceLifecycle

/// A change announced on `portico_events` (by database triggers on work orders, comments,
/// appointments and tasks), as the live-update streams see it.
public struct LiveEvent: Sendable, Decodable {
    public let t: UUID
    public let o: UUID?
    public let type: String
    public let n: Int?
    public let s: String?
    public let v: String?
    /// The order is private to the subscriber `c` who wrote it (a draft, or a discarded one).
    public let p: Bool?
    public let c: UUID?
    /// The order's assignee, and the previous one when this change took it from them.
    public let a: UUID?
    public let pa: UUID?
    /// An appointment's technician, and the previous one.
    public let tech: UUID?
    public let ptech: UUID?

    var isPrivateDraft: Bool { p == true }

    public static let channel = "portico_events"

    static func parse(_ payload: String) -> LiveEvent? {
        try? JSONDecoder().decode(LiveEvent.self, from: Data(payload.utf8))
    }
}

/// Server-Sent Events: a stream of `update` events for the changes `include` accepts, with a
/// heartbeat every 15 seconds, ending when the client leaves, after 30 minutes (browsers
/// reconnect by themselves), or when the server shuts down.
enum LiveStream {
    static func response(listener: NotificationListener, include: @escaping @Sendable (LiveEvent) -> Bool) -> Response {
        let events = listener.subscribe()
        let (lines, emit) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let forwarder = Task {
            for await event in events {
                switch event {
                case .notification(let channel, let payload) where channel == LiveEvent.channel:
                    guard let live = LiveEvent.parse(payload), include(live) else { continue }
                    emit.yield("event: update\ndata: {\"type\":\"\(live.type)\",\"number\":\(live.n.map(String.init) ?? "null")}\n\n")
                case .reconnected:
                    // Changes may have been missed: let the page refresh itself.
                    emit.yield("event: update\ndata: {\"type\":\"resync\"}\n\n")
                default:
                    continue
                }
            }
        }
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(15))
                emit.yield(": keep-alive\n\n")
            }
        }
        let body = ResponseBody { writer in
            PorticoMetrics.sseConnections.increment()
            defer {
                PorticoMetrics.sseConnections.decrement()
                forwarder.cancel()
                heartbeat.cancel()
                emit.finish()
            }
            try await writer.write(ByteBuffer(string: "retry: 3000\n: connected\n\n"))
            let deadline = ContinuousClock.now + .seconds(1800)
            try await withGracefulShutdownHandler {
                for await line in lines {
                    try await writer.write(ByteBuffer(string: line))
                    if ContinuousClock.now > deadline { break }
                }
            } onGracefulShutdown: {
                emit.finish()
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", .init("X-Accel-Buffering")!: "no",
            ], body: body)
    }
}

/// `/portal/events`: live updates for the signed-in subscriber's organization (optionally one
/// work order). Internal comments never produce an event here.
struct PortalEventsController {
    let listener: NotificationListener

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(PortalRoutes.events, use: events)
    }

    @Sendable func events(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let tenant = context.tenant.id.rawValue
        let organization = context.customer.organizationId
        let number = request.uri.queryParameters.get("work_order").flatMap { Int($0) }
        let me = context.customer.id
        return LiveStream.response(listener: listener) { event in
            guard event.t == tenant, event.o == organization else { return false }
            // Another member's draft is theirs alone.
            if event.isPrivateDraft && event.c != me { return false }
            if event.type == "comment" && event.v != "shared" { return false }
            if let number, let eventNumber = event.n, event.type != "appointment" { return eventNumber == number }
            return true
        }
    }
}

/// `/admin/events`: live updates of this tenant for the console, optionally for one work
/// order, scoped like the pages: never a subscriber's private draft; technicians hear only of
/// the orders and visits assigned to them (or just taken from them), nothing else.
struct AdminEventsController {
    let listener: NotificationListener

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.events, use: events)
    }

    @Sendable func events(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let tenant = context.tenant.id.rawValue
        let number = request.uri.queryParameters.get("work_order").flatMap { Int($0) }
        let staff = context.staff
        return LiveStream.response(listener: listener) { event in
            guard event.t == tenant, Self.staff(staff, mayHearOf: event) else { return false }
            if let number, let eventNumber = event.n, event.type != "appointment" { return eventNumber == number }
            return true
        }
    }

    static func staff(_ staff: SignedInStaff, mayHearOf event: LiveEvent) -> Bool {
        switch event.type {
        case "work_order", "comment":
            if event.isPrivateDraft { return false }
            return staff.role != .technician || event.a == staff.id || event.pa == staff.id
        case "appointment":
            return staff.role != .technician || event.tech == staff.id || event.ptech == staff.id
        default:
            // Tasks and the outbox are agents' and admins' pages.
            return staff.role != .technician
        }
    }
}
