import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/portal/service`: the organization's service plan, address, equipment and installations.
struct PortalServiceController {
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(PortalRoutes.service, use: service)
    }

    @MustacheView
    struct ServiceView {
        let layout: LayoutModel
        let plan: String
        let status: String
        let statusLabel: String
        let address: String
        let accountNumber: String
        let name: String
        let equipment: [EquipmentView]
        let installs: [InstallationHistory.Entry]
        @MustacheView
        struct EquipmentView { let model: String; let serial: String; let mac: String; let installedOn: String? }
    }

    @Sendable func service(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let service = try await SubscriberService.load(
            organization: context.customer.organizationId, tenant: context.tenant.id, pool: pool, repositories: repositories)
        let (organization, equipment, installs) = (service.organization, service.equipment, service.installs)
        return try renderer.render(
            .portalService, theme: context.tenant.theme,
            ServiceView(
                layout: context.layout(title: L10n.t("portal.service.heading"), current: PortalRoutes.service.path),
                plan: organization.servicePlan, status: organization.serviceStatus.rawValue, statusLabel: organization.serviceStatus.label,
                address: organization.serviceAddress, accountNumber: organization.accountNumber, name: organization.name,
                equipment: equipment.map { .init(model: $0.model, serial: $0.serial, mac: $0.mac, installedOn: $0.installedOn) },
                installs: installs))
    }
}
