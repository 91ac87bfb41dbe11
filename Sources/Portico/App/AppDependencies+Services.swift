/// The domain services, each made from only the dependencies it uses. `buildApplication` and
/// the background jobs pick them here and hand each controller the few it needs, so a
/// controller's stored properties say what it can touch.
extension AppDependencies {
    public var staffNotices: StaffNotices { StaffNotices(outbox: outbox, repositories: repositories) }

    public var customerTasks: CustomerTasks { CustomerTasks(pool: pool, repositories: repositories, notices: staffNotices) }

    public var staffTasks: StaffTasks { StaffTasks(pool: pool, repositories: repositories, outbox: outbox) }

    var staffSubscriberAccounts: StaffSubscriberAccounts {
        StaffSubscriberAccounts(pool: pool, repositories: repositories, sessions: sessions)
    }

    public var customerAppointments: CustomerAppointments {
        CustomerAppointments(pool: pool, repositories: repositories, notices: staffNotices)
    }

    public var staffAppointments: StaffAppointments { StaffAppointments(pool: pool, repositories: repositories, outbox: outbox) }

    public var customerWorkOrders: CustomerWorkOrders {
        CustomerWorkOrders(pool: pool, repositories: repositories, outbox: outbox, notices: staffNotices, rateLimiter: rateLimiter)
    }

    public var staffWorkOrders: StaffWorkOrders { StaffWorkOrders(pool: pool, repositories: repositories, outbox: outbox) }

    public var signedInDevices: SignedInDevices { SignedInDevices(pool: pool, repositories: repositories, sessions: sessions) }
}

extension AppDependencies {
    public var customerAccounts: CustomerAccounts {
        CustomerAccounts(
            pool: pool, repositories: repositories, sessions: sessions, devices: signedInDevices, rateLimiter: rateLimiter,
            hasher: hasher, passwordPolicy: passwordPolicy, outbox: outbox)
    }

    public var staffAccounts: StaffAccounts {
        StaffAccounts(
            pool: pool, repositories: repositories, sessions: sessions, rateLimiter: rateLimiter, hasher: hasher,
            passwordPolicy: passwordPolicy, outbox: outbox)
    }
}

extension AppDependencies {
    public var appointmentReminders: AppointmentReminders {
        AppointmentReminders(directory: directory, outbox: outbox, pool: pool, repositories: repositories, tenants: tenants)
    }

    public var customerInvitations: CustomerInvitations {
        CustomerInvitations(pool: pool, repositories: repositories, accounts: customerAccounts)
    }

    public var integrationSync: IntegrationSync {
        IntegrationSync(
            pool: pool, repositories: repositories, sessions: sessions, workOrders: staffWorkOrders, appointments: staffAppointments,
            customerAccounts: customerAccounts)
    }

    public var operatorAccounts: OperatorAccounts {
        OperatorAccounts(hasher: hasher, passwordPolicy: passwordPolicy, pool: pool, rateLimiter: rateLimiter)
    }

    var customDomains: CustomDomains {
        CustomDomains(
            configuration: configuration, directory: directory, dnsResolver: dnsResolver, pool: pool, rateLimiter: rateLimiter,
            repositories: repositories)
    }

    var attachmentReceiver: AttachmentReceiver { AttachmentReceiver(blobStore: blobStore, logger: logger, virusScanner: virusScanner) }
}

extension AppDependencies {
    /// `batchSize` rows of a kind per transaction (tests pass small ones to see batching).
    public func retentionJob(batchSize: Int = 500) -> RetentionJob {
        RetentionJob(pool: pool, blobStore: blobStore, logger: logger, batchSize: batchSize)
    }

    /// `interval` between passes inside `portico serve` (tests call `sweep()` directly).
    public func maintenanceService(interval: Duration = .seconds(300)) -> MaintenanceService {
        MaintenanceService(
            pool: pool, repositories: repositories, rateLimiter: rateLimiter, blobStore: blobStore, logger: logger,
            imports: ImportFiles(dataDirectory: configuration.dataDirectory), retention: retentionJob(), reminders: appointmentReminders,
            interval: interval)
    }
}
