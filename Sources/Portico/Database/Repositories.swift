/// The storage seams of tenant-owned data, each a `Sendable` protocol; `postgres` is the
/// production set. Every method takes a `TenantTransaction`, so none can run without a tenant.
public struct Repositories: Sendable {
    public let organizations: any OrganizationRepository
    public let customers: any CustomerRepository
    public let staff: any StaffRepository
    public let workOrders: any WorkOrderRepository
    public let appointments: any AppointmentRepository
    public let tasks: any TaskRepository
    public let notes: any NoteRepository
    public let audit: any AuditRepository
    public let settings: any TenantSettingsRepository
    public let branding: any BrandingRepository
    public let apiTokens: any SubscriberTokenStore
    public let apiKeys: any APIKeyStore
    public var webhooks: any WebhookRepository = PostgresWebhookRepository()
    public var deletedCustomers: any DeletedCustomerRepository = PostgresDeletedCustomerRepository()
    public var calendarFeeds: any CalendarFeedRepository = PostgresCalendarFeedRepository()
    public var outbox: any OutboxRepository = PostgresOutboxRepository()

    public static let postgres = Repositories(
        organizations: PostgresOrganizationRepository(),
        customers: PostgresCustomerRepository(),
        staff: PostgresStaffRepository(),
        workOrders: PostgresWorkOrderRepository(),
        appointments: PostgresAppointmentRepository(),
        tasks: PostgresTaskRepository(),
        notes: PostgresNoteRepository(),
        audit: PostgresAuditRepository(),
        settings: PostgresTenantSettingsRepository(),
        branding: PostgresBrandingRepository(),
        apiTokens: PostgresSubscriberTokenStore(),
        apiKeys: PostgresAPIKeyStore()
    )
}
