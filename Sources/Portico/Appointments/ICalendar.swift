import Foundation

/// iCalendar (RFC 5545) documents for appointments: one event for the `.ics` download, all of
/// an organization's for its calendar feed. CRLF line ends, lines folded at 75 octets, text
/// escaped.
enum ICalendar {
    /// Times are UTC instants (`…Z`), exact in every calendar without a VTIMEZONE; the
    /// tenant's zone goes in `X-WR-TIMEZONE`, the hint calendar apps use to show the feed.
    static func document(_ events: [String], name: String, timeZone: TimeZone) -> String {
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Portico//Customer portal//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
            "X-WR-CALNAME:\(escape(name))", "X-WR-TIMEZONE:\(timeZone.identifier)",
        ]
        for event in events { lines.append(event) }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    static func event(_ appointment: Appointment, tenant: ResolvedTenant, host: String) -> String {
        let status: String
        switch appointment.status {
        case .confirmed, .completed: status = "CONFIRMED"
        case .cancelled: status = "CANCELLED"
        case .proposed, .rescheduleRequested: status = "TENTATIVE"
        }
        let description = [appointment.notes, "Details: \(tenant.url(PortalRoutes.appointment(appointment.id)))"]
            .filter { !$0.isEmpty }.joined(separator: "\n")
        return [
            "BEGIN:VEVENT",
            "UID:\(appointment.id.uuidString.lowercased())@\(host)",
            "DTSTAMP:\(stamp(appointment.updatedAt))",
            "DTSTART:\(stamp(appointment.startsAt))",
            "DTEND:\(stamp(appointment.endsAt))",
            "SEQUENCE:\(appointment.version)",
            "STATUS:\(status)",
            "SUMMARY:\(escape("\(appointment.kind.label) visit — \(tenant.branding.companyName)"))",
            "LOCATION:\(escape(appointment.address))",
            "DESCRIPTION:\(escape(description))",
            "END:VEVENT",
        ].map(fold).joined(separator: "\r\n")
    }

    static func stamp(_ date: Date) -> String {
        DateFormats.stamp.format(date)
    }

    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\\": result += "\\\\"
            case ";": result += "\\;"
            case ",": result += "\\,"
            // A textarea submits CRLF, and Swift reads "\r\n" as one Character: without its own
            // case it passed through raw and ended the content line mid-note.
            case "\n", "\r\n": result += "\\n"
            case "\r": continue
            default: result.append(character)
            }
        }
        return result
    }

    /// Folds a content line into 75-octet pieces (continuations start with a space), never
    /// splitting a UTF-8 character. Already-folded multi-line strings pass through per line.
    static func fold(_ line: String) -> String {
        if line.contains("\r\n") { return line }
        var pieces: [String] = []
        var current = ""
        var octets = 0
        for character in line {
            let size = String(character).utf8.count
            let limit = pieces.isEmpty ? 75 : 74
            if octets + size > limit {
                pieces.append(current)
                current = ""
                octets = 0
            }
            current.append(character)
            octets += size
        }
        pieces.append(current)
        return pieces.enumerated().map { $0.offset == 0 ? $0.element : " " + $0.element }.joined(separator: "\r\n")
    }
}
