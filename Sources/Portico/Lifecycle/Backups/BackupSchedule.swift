import Foundation

/// When scheduled backups run: every day at a UTC time, or at a fixed interval. Interval
/// slots are aligned to the Unix epoch, so every instance computes the same slots.
public enum BackupSchedule: Sendable, Equatable, CustomStringConvertible {
    case daily(hour: Int, minute: Int)
    case every(seconds: Int)

    /// `daily 02:30`, `02:30` (both UTC) or `every 6h` / `every 30m` (at least 5 minutes).
    public static func parse(_ text: String) -> BackupSchedule? {
        let words = text.lowercased().split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        switch words.count {
        case 1: return time(words[0])
        case 2 where words[0] == "daily": return time(words[1])
        case 2 where words[0] == "every":
            let unit = words[1].last
            guard let number = Int(words[1].dropLast()), number > 0 else { return nil }
            let seconds: Int
            switch unit {
            case "m": seconds = number * 60
            case "h": seconds = number * 3600
            case "d": seconds = number * 86_400
            default: return nil
            }
            guard (300...(30 * 86_400)).contains(seconds) else { return nil }
            return .every(seconds: seconds)
        default: return nil
        }
    }

    private static func time(_ text: String) -> BackupSchedule? {
        let parts = text.split(separator: ":").map { Int($0) }
        guard parts.count == 2, let hour = parts[0], let minute = parts[1], (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        return .daily(hour: hour, minute: minute)
    }

    /// The latest scheduled time at or before `date`.
    public func slot(containing date: Date) -> Date {
        switch self {
        case .every(let seconds):
            let now = date.timeIntervalSince1970
            return Date(timeIntervalSince1970: (now / Double(seconds)).rounded(.down) * Double(seconds))
        case .daily(let hour, let minute):
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let today = calendar.date(bySettingHour: hour, minute: minute, second: 0, of: date)!
            return today <= date ? today : calendar.date(byAdding: .day, value: -1, to: today)!
        }
    }

    /// The first scheduled time strictly after `date`.
    public func next(after date: Date) -> Date {
        let current = slot(containing: date)
        switch self {
        case .every(let seconds): return current.addingTimeInterval(Double(seconds))
        case .daily:
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            return calendar.date(byAdding: .day, value: 1, to: current)!
        }
    }

    public var description: String {
        switch self {
        case .daily(let hour, let minute): String(format: "daily at %02d:%02d UTC", hour, minute)
        case .every(let seconds) where seconds % 86_400 == 0: "every \(seconds / 86_400) day(s)"
        case .every(let seconds) where seconds % 3600 == 0: "every \(seconds / 3600) hour(s)"
        case .every(let seconds): "every \(seconds / 60) minute(s)"
        }
    }
}

/// `PORTICO_BACKUP_*`: where backups go and, when a schedule is set, how often `serve`
/// takes them and how many it keeps.
public struct BackupSettings: Sendable, Equatable {
    /// `PORTICO_BACKUP_DIR`: also the default folder of `portico backup create` and `list`.
    public var directory: URL?
    /// `PORTICO_BACKUP_SCHEDULE`; nil: no scheduled backups (the default).
    public var schedule: BackupSchedule?
    /// `PORTICO_BACKUP_KEEP`: at most this many scheduled backups are kept (default 7).
    public var keep: Int = 7
    /// `PORTICO_BACKUP_MAX_AGE_DAYS`: older ones go, except the newest (default 30).
    public var maxAgeDays: Int = 30

    public init(directory: URL? = nil, schedule: BackupSchedule? = nil, keep: Int = 7, maxAgeDays: Int = 30) {
        self.directory = directory
        self.schedule = schedule
        self.keep = keep
        self.maxAgeDays = maxAgeDays
    }

    public static func fromEnvironment(_ value: (String) -> String?) throws -> BackupSettings {
        var settings = BackupSettings()
        if let directory = value("PORTICO_BACKUP_DIR") {
            settings.directory = URL(fileURLWithPath: directory)
        }
        if let text = value("PORTICO_BACKUP_SCHEDULE") {
            guard let schedule = BackupSchedule.parse(text) else {
                throw ConfigurationError(
                    variable: "PORTICO_BACKUP_SCHEDULE",
                    message: "must be 'daily HH:MM' (UTC) or 'every N' with N in m, h or d (at least 5 minutes), got '\(text)'")
            }
            guard settings.directory != nil else {
                throw ConfigurationError(
                    variable: "PORTICO_BACKUP_DIR", message: "must name the folder for scheduled backups (PORTICO_BACKUP_SCHEDULE is set)")
            }
            settings.schedule = schedule
        }
        if let keep = value("PORTICO_BACKUP_KEEP") {
            guard let parsed = Int(keep), (1...1000).contains(parsed) else {
                throw ConfigurationError(variable: "PORTICO_BACKUP_KEEP", message: "must be a whole number from 1 to 1000, got '\(keep)'")
            }
            settings.keep = parsed
        }
        if let age = value("PORTICO_BACKUP_MAX_AGE_DAYS") {
            guard let parsed = Int(age), (1...3650).contains(parsed) else {
                throw ConfigurationError(
                    variable: "PORTICO_BACKUP_MAX_AGE_DAYS", message: "must be a whole number of days from 1 to 3650, got '\(age)'")
            }
            settings.maxAgeDays = parsed
        }
        return settings
    }
}
