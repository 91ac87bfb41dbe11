import Hummingbird

/// When the tenant requires two-factor sign-in for staff, a staff member without it is sent to
/// enrol (`/admin/account`) before anything else in the console answers. Nothing they post
/// elsewhere takes effect until then.
struct StaffTwoFactorRequirement: RouterMiddleware {
    typealias Context = StaffRequestContext

    static let enrolPath = ConsoleRoutes.account.path

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let session = context.auth.session
        if session.staffTotpRequired, !session.staffTotpEnabled, !Self.allowed(request.uri.path) {
            return Redirect(to: Self.enrolPath).response
        }
        return try await next(request, context)
    }

    /// The enrolment page and its forms stay open (signing out is outside the console).
    static func allowed(_ path: String) -> Bool {
        path == enrolPath || path.hasPrefix(enrolPath + "/")
    }
}
