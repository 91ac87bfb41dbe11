import Foundation
import Hummingbird
import Mustache
import Postgres

extension AdminWorkOrdersController {
    // MARK: New

    @MustacheView
    struct NewView {
        let layout: LayoutModel
        let form: FormView
        let categories: [Option]
        let priorities: [Option]
    }

    func renderNew(_ context: StaffRequestContext, form: FormState = FormState(), status: HTTPResponse.Status = .ok) async throws -> HTML {
        let categories = try await service.activeCategories(tenant: context.tenant.id)
        let current = form.values["category"] ?? ""
        return try renderer.render(
            .adminWorkOrdersNew, theme: context.tenant.theme,
            NewView(
                layout: context.layout(title: L10n.t("console.newWorkOrder.title"), current: ConsoleRoutes.workOrders.path), form: FormView(form),
                categories: [Option(value: "", label: L10n.t("console.newWorkOrder.noCategory"), selected: current.isEmpty)]
                    + categories.map { Option(value: $0.name, label: $0.name, selected: $0.name == current) },
                priorities: WorkOrderPriority.allCases.map {
                    Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == (form.values["priority"] ?? "normal"))
                }
            ), status: status)
    }

    @Sendable func newForm(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        var state = FormState()
        if let account = request.uri.queryParameters.get("account") { state.values["account"] = String(account.prefix(64)) }
        return try await renderNew(context, form: state)
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        let input = WorkOrderInput(form: form)
        do {
            let organization = try await service.organization(accountNumber: form.text("account"), tenant: context.tenant.id)
            guard let organization else {
                throw AppError.validation(["account": L10n.t("console.errors.noSuchAccount", ["account": form.text("account")])])
            }
            let order = try await service.create(
                for: organization.id, input: input, approve: form.text("action") == "approve",
                staff: context.staff, tenant: context.tenant)
            return Redirect(to: ConsoleRoutes.workOrder(order.number)).response
        } catch let error as AppError where error.kind == .validation || error.kind == .forbidden {
            return try await renderNew(context, form: FormState.keeping(form, rejectedBy: error), status: error.status).response(
                from: request, context: context)
        }
    }
}
