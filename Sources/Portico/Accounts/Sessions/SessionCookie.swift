import Foundation
import Hummingbird

/// The session and anonymous-CSRF cookies: `HttpOnly`, `SameSite=Lax`, no `Domain` (so they
/// never reach a sibling tenant's subdomain), and under https `Secure` with the `__Host-`
/// prefix, which browsers refuse to let any other host set.
public struct SessionCookies: Sendable {
    public let https: Bool

    public init(https: Bool) { self.https = https }

    public var sessionName: String { https ? "__Host-portico_session" : "portico_session" }
    public var csrfName: String { https ? "__Host-portico_csrf" : "portico_csrf" }
    public var operatorName: String { https ? "__Host-portico_operator" : "portico_operator" }
    /// A signed-out visitor's pick in the footer's language switcher (signed-in people's is stored).
    public var languageName: String { https ? "__Host-portico_lang" : "portico_lang" }

    public func language(_ language: Language) -> Cookie {
        Cookie(name: languageName, value: language.code, maxAge: 365 * 24 * 3600, path: "/", secure: https, httpOnly: true, sameSite: .lax)
    }

    public func operatorSession(_ token: String) -> Cookie {
        Cookie(name: operatorName, value: token, path: "/", secure: https, httpOnly: true, sameSite: .strict)
    }

    public func clearOperatorSession() -> Cookie {
        Cookie(name: operatorName, value: "", maxAge: 0, path: "/", secure: https, httpOnly: true, sameSite: .strict)
    }

    public func session(_ token: String, persistentFor lifetime: Duration?) -> Cookie {
        Cookie(
            name: sessionName, value: token, maxAge: lifetime.map { Int($0.components.seconds) }, path: "/",
            secure: https, httpOnly: true, sameSite: .lax
        )
    }

    public func clearSession() -> Cookie {
        Cookie(name: sessionName, value: "", maxAge: 0, path: "/", secure: https, httpOnly: true, sameSite: .lax)
    }

    public func anonymousCSRF(_ token: String) -> Cookie {
        Cookie(name: csrfName, value: token, path: "/", secure: https, httpOnly: true, sameSite: .strict)
    }
}
