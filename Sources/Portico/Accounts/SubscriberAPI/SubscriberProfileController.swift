import Foundation
import Hummingbird
import Postgres

/// `GET|PUT /api/v1/me`: the signed-in subscriber and their organization.
struct SubscriberProfileController {
    let pool: ConnectionPool
    let repositories: Repositories
    let accounts: CustomerAccounts

    func addRoutes(to group: RouterGroup<SubscriberAPIContext>) {
        group.get(SubscriberAPIRoutes.me, use: show)
        group.put(SubscriberAPIRoutes.me, use: replace)
    }

    struct OrganizationResource: Encodable, Sendable {
        let id: String
        let name: String
        let accountNumber: String
        let kind: String
    }

    struct MeResource: Encodable, Sendable {
        let id: String
        let name: String
        let email: String
        let emailVerified: Bool
        let phone: String
        let role: String
        let organization: OrganizationResource
    }

    func load(_ context: SubscriberAPIContext) async throws -> MeResource {
        let (customer, organization) = try await pool.withTenant(context.tenant.id) { tx in
            (
                try await repositories.customers.find(id: context.customer.id, in: tx),
                try await repositories.organizations.find(id: context.customer.organizationId, in: tx)
            )
        }
        guard let customer, let organization else { throw APIAuthError.invalidToken }
        return MeResource(
            id: customer.id.apiString, name: customer.name, email: customer.email, emailVerified: customer.isEmailVerified,
            phone: customer.phone, role: customer.role.rawValue,
            organization: OrganizationResource(
                id: organization.id.apiString, name: organization.name,
                accountNumber: organization.accountNumber, kind: organization.kind.rawValue))
    }

    @Sendable func show(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        try APIJSON.response(try await load(context))
    }

    /// Both editable fields, every time (`phone` may be ""). The email changes only through
    /// the confirmation link flow of the portal, so it is not a field here.
    struct ProfileBody: APIRequestBody {
        static let fields: Set<String> = ["name", "phone"]
        let name: String
        let phone: String
    }

    @Sendable func replace(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let body = try await APIBody.decode(ProfileBody.self, from: request)
        try await accounts.updateProfile(
            customer: context.customer, name: body.name, phone: body.phone, tenant: context.tenant,
            origin: SubscriberAuthController.origin(request, ip: context.clientIP))
        return try APIJSON.response(try await load(context))
    }
}
