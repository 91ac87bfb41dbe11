import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/portal/notes`: the notes staff shared with the subscriber's organization.
struct PortalNotesController {
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(PortalRoutes.notes, use: notes)
    }

    @MustacheView
    struct NotesView {
        let layout: LayoutModel
        let notes: [NoteView]
        @MustacheView
        struct NoteView { let body: String; let author: String; let when: String }
    }

    @Sendable func notes(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let notes = try await SharedNotes.load(for: context.customer, tenant: context.tenant.id, pool: pool, repositories: repositories)
        return try renderer.render(
            .portalNotes, theme: context.tenant.theme,
            NotesView(
                layout: context.layout(title: L10n.t("portal.notes.heading"), current: PortalRoutes.notes.path),
                notes: notes.map { .init(body: $0.body, author: $0.authorName, when: DisplayDate.dateTime($0.createdAt)) }))
    }
}
