import Foundation
import Hummingbird
import Logging
import Mustache
import NIOHTTP1
import Postgres

/// Turns every error into a response a person can act on: a branded page (400, 403, 404,
/// 409, 413, 422, 429, 500, 503), or a redirect to sign-in. It sits on the page routes; the
/// API's routes have `APIErrorMiddleware` instead. Nothing internal (stack, SQL, exception
/// text) reaches the client; unexpected errors are logged with the request id, which the page
/// shows as a reference.
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let renderer: PageRenderer
    let throttle: LogThrottle

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure as LocalizedFailure {
            return try Texts.$current.withValue(failure.texts) { try respond(to: failure.error, context: context) }
        } catch {
            return try respond(to: error, context: context)
        }
    }

    private func respond(to error: any Error, context: Context) throws -> Response {
        switch error {
        case let redirect as Redirect:
            return redirect.response
        case let required as SignInRequired:
            let next =
                required.next.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=?+"))) ?? ""
            return Redirect(to: "\(required.loginPath)?next=\(next)").response
        case let error as HTTPParserError:
            // The request body broke off (the client went away) or is not valid HTTP: the
            // server answers 400 and closes the connection; nothing of ours to report.
            context.logger.debug("Request body incomplete or malformed", metadata: ["error": "\(error)"])
            throw error
        default:
            return render(Self.classify(error, context: context, throttle: throttle), context: context)
        }
    }

    /// Maps any error to what the client is told.
    static func classify(_ error: any Error, context: Context, throttle: LogThrottle) -> AppError {
        switch error {
        case let error as AppError:
            return error
        case is SignInRequired:
            return AppError(.unauthorized, code: "unauthorized", L10n.t("errors.signInFirst"))
        // HTTPError, and NIO's NIOTooManyBytesError from `collect(upTo:)` (a body over its limit).
        case let error as any HTTPResponseError:
            switch error.status {
            case .notFound:
                return .notFound()
            case .contentTooLarge:
                return AppError(.payloadTooLarge, code: "too_large", L10n.t("errors.tooLarge"))
            case .methodNotAllowed:
                return AppError(.badRequest, code: "method_not_allowed", L10n.t("errors.methodNotAllowed"))
            case .badRequest:
                return AppError(.badRequest, code: "bad_request", L10n.t("errors.badRequest"))
            case .unsupportedMediaType:
                return AppError(.unsupportedMediaType, code: "unsupported_media_type", L10n.t("errors.unsupportedMediaType"))
            default:
                context.logger.warning("HTTP error", metadata: ["status": "\(error.status.code)"])
                return AppError(.badRequest, code: "bad_request", L10n.t("errors.notCompleted"))
            }
        case let error as PostgresError where error.isOutage:
            context.logger.throttled(throttle, key: "database_unavailable", level: .error, "Database unavailable", metadata: ["error": "\(error)"])
            return AppError(.unavailable, code: "unavailable", L10n.t("errors.unavailable"), retryAfter: 30)
        case let error as PostgresError where error.kind == .encoding:
            // A NUL character in a query parameter or form field: PostgreSQL text cannot hold it,
            // and nothing was written (the transaction rolled back), so the sender can fix it.
            return AppError(.validation, code: "validation_failed", L10n.t("errors.nulCharacter"))
        case is DecodingError:
            return AppError(.badRequest, code: "malformed_body", L10n.t("errors.malformedBody"))
        default:
            context.logger.error("Unexpected error", metadata: ["error": "\(error)", "type": "\(type(of: error))"])
            return AppError(.unavailable, code: "internal_error", L10n.t("errors.internal", ["reference": context.id]))
        }
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let heading: String
        let message: String
        let status: Int
        let fields: [Field]
        let showSignIn: Bool
        let reference: String
        let link: AppError.Link?
        @MustacheView
        struct Field { let name: String; let message: String }
    }

    func render(_ error: AppError, context: Context) -> Response {
        let heading = error.heading ?? Self.heading(for: error)
        var layout: LayoutModel
        var theme = "default"
        if case .tenant(let tenant) = context.site {
            layout = LayoutModel(tenant: tenant, title: heading)
            // No CSRF token here for the footer's switcher form to carry.
            layout.languages = []
            theme = tenant.theme
        } else {
            layout = LayoutModel(platformTitle: heading)
        }
        layout.title = heading
        let view = View(
            layout: layout, heading: heading, message: error.message, status: Int(error.status.code),
            fields: error.fields.sorted { $0.key < $1.key }.map { View.Field(name: Self.fieldName($0.key), message: $0.value) },
            showSignIn: error.kind == .unauthorized, reference: context.id, link: error.link
        )
        let body =
            (try? renderer.render(.errorsError, theme: theme, view, status: error.status).body)
            ?? "<!doctype html><title>\(error.status.code)</title><p>\(heading)</p>"
        var response = Response(
            status: error.status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
        if let retryAfter = error.retryAfter { response.headers[.retryAfter] = "\(retryAfter)" }
        return response
    }

    /// A form field's name as a person reads it (`errors.field.<name>`), else the name as sent.
    static func fieldName(_ name: String) -> String {
        let key = "errors.field.\(name)"
        return L10n.texts.has(key) ? L10n.t(key) : name
    }

    static func heading(for error: AppError) -> String {
        switch error.kind {
        case .badRequest: L10n.t("errors.heading.badRequest")
        case .unauthorized: L10n.t("errors.heading.unauthorized")
        case .forbidden: L10n.t("errors.heading.forbidden")
        case .notFound: L10n.t("errors.heading.notFound")
        case .conflict: L10n.t("errors.heading.conflict")
        case .preconditionFailed: L10n.t("errors.heading.conflict")
        case .payloadTooLarge: L10n.t("errors.heading.tooLarge")
        case .unsupportedMediaType: L10n.t("errors.heading.unsupported")
        case .validation: L10n.t("errors.heading.validation")
        case .tooManyRequests: L10n.t("errors.heading.tooManyRequests")
        case .unavailable: L10n.t("errors.heading.unavailable")
        }
    }
}

/// The API routes' errors, in the API's JSON shape: API clients sign in with bearer
/// credentials, so "sign in first" is a 401 here, never a redirect to a page.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let throttle: LogThrottle

    // No `LocalizedFailure` arrives here: `LanguageMiddleware` sits on the page routes only, and
    // API errors are JSON with machine-readable codes.
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try respond(to: error, context: context)
        }
    }

    private func respond(to error: any Error, context: Context) throws -> Response {
        do {
            throw error
        } catch let redirect as Redirect {
            return redirect.response
        } catch let error as HTTPParserError {
            context.logger.debug("Request body incomplete or malformed", metadata: ["error": "\(error)"])
            throw error
        } catch {
            return APIError.response(ErrorPageMiddleware.classify(error, context: context, throttle: throttle))
        }
    }
}

/// The API's single error shape: `{"error": {"code": …, "message": …, "fields": {…}}}`.
enum APIError {
    struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
            let fields: [String: String]?
        }
        let error: Detail
    }

    static func response(_ error: AppError) -> Response {
        let body = Body(error: .init(code: error.code, message: error.message, fields: error.fields.isEmpty ? nil : error.fields))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(body)) ?? Data("{\"error\":{\"code\":\"internal_error\",\"message\":\"error\"}}".utf8)
        var response = Response(
            status: error.status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
        if let retryAfter = error.retryAfter { response.headers[.retryAfter] = "\(retryAfter)" }
        if error.kind == .unauthorized {
            // RFC 6750: tell the client which scheme, and whether its token was the problem.
            response.headers[.wwwAuthenticate] = error.code == "invalid_token" ? "Bearer error=\"invalid_token\"" : "Bearer"
        }
        return response
    }
}
