import Foundation
import Logging

/// A configuration problem, reported as one line naming the variable.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let variable: String
    public let message: String

    public init(variable: String, message: String) {
        self.variable = variable
        self.message = message
    }

    public var description: String { "Configuration error: \(variable) \(message)" }
}
