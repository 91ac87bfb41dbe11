import Foundation

/// An sRGB colour with WCAG 2.1 contrast arithmetic, so illegible colour pairs can be refused.
public struct Color: Sendable, Equatable {
    public let red: UInt8
    public let green: UInt8
    public let blue: UInt8

    public struct InvalidColor: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "\"\(text)\" is not a colour: use six hex digits like #1f5fbf" }
    }

    /// Parses `#rrggbb` (case-insensitive; `#rgb` is expanded).
    public init(hex text: String) throws {
        var digits = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard digits.hasPrefix("#") else { throw InvalidColor(text: text) }
        digits.removeFirst()
        if digits.count == 3 { digits = digits.map { "\($0)\($0)" }.joined() }
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else { throw InvalidColor(text: text) }
        red = UInt8((value >> 16) & 0xff)
        green = UInt8((value >> 8) & 0xff)
        blue = UInt8(value & 0xff)
    }

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public var hex: String { String(format: "#%02x%02x%02x", red, green, blue) }

    /// WCAG relative luminance.
    public var luminance: Double {
        func channel(_ value: UInt8) -> Double {
            let c = Double(value) / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    }

    /// WCAG contrast ratio, 1…21.
    public func contrast(with other: Color) -> Double {
        let (lighter, darker) = luminance > other.luminance ? (luminance, other.luminance) : (other.luminance, luminance)
        return (lighter + 0.05) / (darker + 0.05)
    }

    /// Black or white, whichever reads better on this colour.
    public var bestTextColor: Color {
        let white = Color(red: 255, green: 255, blue: 255)
        let black = Color(red: 17, green: 24, blue: 39)
        return contrast(with: white) >= contrast(with: black) ? white : black
    }

    /// WCAG AA for normal text.
    public static let minimumTextContrast = 4.5
}
