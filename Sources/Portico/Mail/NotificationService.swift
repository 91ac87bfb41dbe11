import Postgres
import ServiceLifecycle

/// Runs the `LISTEN` connection for as long as the application runs and feeds its events to
/// whoever follows them (the tenant cache; live updates later).
struct NotificationService: Service {
    let directory: TenantDirectory
    let listener: NotificationListener

    func run() async throws {
        let events = listener.subscribe()
        listener.start()
        await withGracefulShutdownHandler {
            await directory.followChanges(events)
        } onGracefulShutdown: {
            Task { await listener.stop() }
        }
    }
}
