import Foundation
import NIOCore
import ZIPFoundation

/// Writes a subscriber's records as a ZIP anyone can open: `data.json` (everything, for a
/// program), readable text and CSV files (for a person and a spreadsheet), the files they may
/// see under `attachments/`, and a `README.txt` that says what is where.
///
/// The archive is built in a private scratch folder on a GCD thread (ZIPFoundation blocks);
/// attachments are first copied there from the blob store, chunk by chunk, so memory stays
/// small whatever the files weigh.
struct SubscriberDataArchive: Sendable {
    let blobStore: any BlobStore

    /// Writes the archive to `output` (inside `scratch`) and returns the names of its entries.
    func write(_ records: SubscriberDataRecords, tenant: TenantID, scratch: Scratch, to output: URL) async throws -> [String] {
        var records = records
        var files: [(path: String, source: URL)] = []
        let copies = scratch.url.appendingPathComponent("files", isDirectory: true)
        try await offThread { try FileManager.default.createDirectory(at: copies, withIntermediateDirectories: true) }
        for orderIndex in records.workOrders.indices {
            let number = records.workOrders[orderIndex].number
            for fileIndex in records.workOrders[orderIndex].attachments.indices {
                let attachment = records.workOrders[orderIndex].attachments[fileIndex]
                guard let key = BlobKey(attachment.storageKey) else { continue }
                let path = "attachments/\(number)/\(attachment.id.uuidString.prefix(8).lowercased())-\(FileNames.sanitize(attachment.fileName))"
                let source = copies.appendingPathComponent(UUID().uuidString)
                do {
                    try await copy(key, tenant: tenant, to: source)
                } catch BlobStoreError.notFound(_) {
                    continue  // listed without a path: the file itself is gone
                }
                records.workOrders[orderIndex].attachments[fileIndex].path = path
                files.append((path, source))
            }
        }
        let texts = try Self.texts(records)
        let filesToAdd = files
        return try await offThread {
            let archive = try Archive(url: output, accessMode: .create)
            var names: [String] = []
            for (path, data) in texts {
                try archive.addEntry(
                    with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
                    provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
                names.append(path)
            }
            for file in filesToAdd {
                // Photos and PDFs are compressed already: stored as they are.
                try archive.addEntry(with: file.path, fileURL: file.source, compressionMethod: .none)
                names.append(file.path)
            }
            chmod(output.path, 0o600)
            return names
        }
    }

    func copy(_ key: BlobKey, tenant: TenantID, to url: URL) async throws {
        let content = try await blobStore.open(tenant: tenant, key: key)
        let file = try await StagedFile.create(url)
        defer { file.close() }
        for try await chunk in content {
            try await file.append(Data(chunk.readableBytesView))
        }
    }

    // MARK: The files

    static func texts(_ records: SubscriberDataRecords) throws -> [(String, Data)] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var texts: [(String, Data)] = [
            ("README.txt", Data(readme(records).utf8)),
            ("data.json", try encoder.encode(records)),
            ("profile.txt", Data(profile(records).utf8)),
            (
                "work-orders.csv",
                Data(
                    csv(
                        ["number", "title", "status", "category", "priority", "submitted", "approved", "completed", "due"],
                        records.workOrders.map {
                            [
                                "\($0.number)", $0.title, $0.status, $0.category, $0.priority, stamp($0.submittedAt),
                                stamp($0.approvedAt), stamp($0.completedAt), $0.dueDate ?? "",
                            ]
                        }
                    ).utf8)
            ),
            (
                "appointments.csv",
                Data(
                    csv(
                        ["kind", "starts", "ends", "status", "address", "notes", "work_order", "reschedule_note", "cancel_reason"],
                        records.appointments.map {
                            [
                                $0.kind, stamp($0.startsAt), stamp($0.endsAt), $0.status, $0.address, $0.notes,
                                $0.workOrderNumber.map { "#\($0)" } ?? "", $0.rescheduleNote, $0.cancelReason,
                            ]
                        }
                    ).utf8)
            ),
            (
                "tasks.csv",
                Data(
                    csv(
                        ["title", "details", "status", "due", "done", "done_note", "work_order"],
                        records.tasks.map {
                            [
                                $0.title, $0.details, $0.status, $0.dueDate ?? "", stamp($0.doneAt), $0.doneNote,
                                $0.workOrderNumber.map { "#\($0)" } ?? "",
                            ]
                        }
                    ).utf8)
            ),
            ("notes.txt", Data(notes(records).utf8)),
            (
                "activity.csv",
                Data(
                    csv(
                        ["time", "action", "ip_address", "browser"],
                        records.activity.map {
                            [stamp($0.at), $0.action, $0.ip, $0.userAgent]
                        }
                    ).utf8)
            ),
            (
                "emails.csv",
                Data(
                    csv(
                        ["queued", "kind", "subject", "status", "sent"],
                        records.emails.map {
                            [stamp($0.createdAt), $0.kind, $0.subject, $0.status, stamp($0.sentAt)]
                        }
                    ).utf8)
            ),
        ]
        for order in records.workOrders {
            texts.append(("work-orders/\(order.number).txt", Data(workOrder(order).utf8)))
        }
        return texts
    }

    static func stamp(_ date: Date?) -> String { date.map(DisplayDate.dateTime) ?? "" }

    static func csv(_ header: [String], _ rows: [[String]]) -> String {
        CSVWriter.bom + CSVWriter.row(header) + rows.map(CSVWriter.row).joined()
    }

    static func readme(_ r: SubscriberDataRecords) -> String {
        """
        Your data at \(r.portal)
        \(String(repeating: "=", count: 13 + r.portal.count))

        Exported \(DisplayDate.dateTime(r.exportedAt)) for \(r.profile.name) (\(r.profile.email)),
        member of account \(r.organization.accountNumber) (\(r.organization.name)).

        This archive holds everything the customer portal keeps about you and your membership
        of this account: what you see in the portal, and what it records about your own use of it.
        Notes and comments that staff keep for themselves are not part of what the portal shows
        you, and are not included.

          profile.txt        you, your account, its equipment and the other people on it
          work-orders.csv    every work order of the account you can see, one per line
          work-orders/N.txt  one work order: its details, every change, the comments, its files
          attachments/N/     the files of work order N that you can open in the portal
          appointments.csv   visits booked for the account
          tasks.csv          things the account was asked to do
          notes.txt          notes shared with the account or with you
          activity.csv       your sign-ins and other actions, with the address and browser used
          emails.csv         emails the portal sent to you (subject and delivery, not the text)
          data.json          all of the above in one file a program can read (UTF-8 JSON;
                             times in UTC, ISO 8601; files by their place in this archive)

        Times in the text and CSV files are in the portal's time zone (\(DisplayDate.current.zone.identifier)),
        each with the zone's short name. The CSV files open in any spreadsheet; a
        cell that begins with an apostrophe was text that a spreadsheet would otherwise run as
        a formula.

        Counts: \(r.workOrders.count) work order(s), \(r.workOrders.reduce(0) { $0 + $1.attachments.count }) file(s), \
        \(r.appointments.count) appointment(s), \(r.tasks.count) task(s), \(r.notes.count) note(s).

        """.replacingOccurrences(of: "\n", with: "\r\n")
    }

    static func profile(_ r: SubscriberDataRecords) -> String {
        var lines = [
            "You", "---",
            "Name: \(r.profile.name)",
            "Email: \(r.profile.email)\(r.profile.emailVerifiedAt == nil ? " (not confirmed)" : "")",
            "Phone: \(r.profile.phone.isEmpty ? "—" : r.profile.phone)",
            "Role on the account: \(r.profile.role)",
            "Login status: \(r.profile.status)",
            "Member since: \(stamp(r.profile.createdAt))",
            "Last sign-in: \(r.profile.lastSignInAt.map(DisplayDate.dateTime) ?? "—")",
            "Emails switched off: \(r.profile.notificationPreferences.muted.isEmpty ? "none" : r.profile.notificationPreferences.muted.joined(separator: ", "))",
            "", "Account", "-------",
            "Account number: \(r.organization.accountNumber)",
            "Name: \(r.organization.name) (\(r.organization.kind))",
            "Service address: \(r.organization.serviceAddress.isEmpty ? "—" : r.organization.serviceAddress)",
            "Service plan: \(r.organization.servicePlan.isEmpty ? "—" : r.organization.servicePlan)",
            "Service status: \(r.organization.serviceStatus)",
            "", "Equipment", "---------",
        ]
        lines +=
            r.equipment.isEmpty
            ? ["None recorded."]
            : r.equipment.map {
                "\($0.model)\($0.serial.isEmpty ? "" : ", serial \($0.serial)")\($0.mac.isEmpty ? "" : ", MAC \($0.mac)")\($0.installedOn.map { ", installed \($0)" } ?? "")"
            }
        lines += ["", "Other people on the account", "---------------------------"]
        lines += r.otherMembers.isEmpty ? ["Nobody else."] : r.otherMembers.map { "\($0.name) (\($0.role))" }
        if !r.sessions.isEmpty {
            lines += ["", "Where you are signed in", "-----------------------"]
            lines += r.sessions.map {
                "Since \(stamp($0.createdAt)), last seen \(stamp($0.lastSeenAt)), from \($0.ip.isEmpty ? "unknown address" : $0.ip): \($0.userAgent)"
            }
        }
        if !r.deletionRequests.isEmpty {
            lines += ["", "Requests to delete your login", "-----------------------------"]
            lines += r.deletionRequests.map { "\(stamp($0.requestedAt)): \($0.status)\($0.reason.isEmpty ? "" : " — \($0.reason)")" }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func workOrder(_ o: SubscriberDataRecords.WorkOrderRecord) -> String {
        var lines = [
            "Work order #\(o.number): \(o.title)",
            "Status: \(WorkOrderStatus(rawValue: o.status)?.label ?? o.status), \(o.progress) % done",
            "Category: \(o.category.isEmpty ? "—" : o.category); priority: \(o.priority); quantity: \(o.quantity)",
            "Created: \(stamp(o.createdAt)); submitted: \(stamp(o.submittedAt).isEmpty ? "—" : stamp(o.submittedAt))",
        ]
        if let approved = o.approvedAt { lines.append("Approved: \(stamp(approved))") }
        if let completed = o.completedAt { lines.append("Completed: \(stamp(completed))") }
        if let due = o.dueDate { lines.append("Due: \(due)") }
        if let eta = o.estimatedCompletion { lines.append("Estimated completion: \(stamp(eta))") }
        if !o.closedReason.isEmpty { lines.append("Reason given when it closed: \(o.closedReason)") }
        for (label, text) in [
            ("Description", o.description), ("Service location", o.serviceLocation), ("Preferred dates", o.preferredDates),
            ("Your notes", o.customerNotes), ("Notes from the shop", o.shopNotes),
        ] where !text.isEmpty {
            lines += ["", "\(label):", text]
        }
        lines += ["", "History", "-------"]
        lines += o.history.map { change in
            let values = change.from == nil ? "set to “\(change.to ?? "")”" : "“\(change.from ?? "")” → “\(change.to ?? "")”"
            return "\(stamp(change.at))  \(change.field): \(values) — \(change.by)\(change.reason.isEmpty ? "" : " (\(change.reason))")"
        }
        lines += ["", "Comments", "--------"]
        lines += o.comments.isEmpty ? ["None."] : o.comments.flatMap { ["\(stamp($0.at)), \($0.author):", $0.body, ""] }
        lines += ["", "Files", "-----"]
        lines +=
            o.attachments.isEmpty
            ? ["None."]
            : o.attachments.map {
                "\($0.fileName) (\($0.sizeBytes) bytes): \($0.path.isEmpty ? "the file is no longer stored" : $0.path)"
            }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func notes(_ r: SubscriberDataRecords) -> String {
        guard !r.notes.isEmpty else { return "No notes were shared with you or your account.\r\n" }
        return r.notes.map {
            "\(stamp($0.createdAt)), \($0.author.isEmpty ? "Staff" : $0.author)\($0.aboutYou ? " (about you)" : ""):\r\n\($0.body)\r\n"
        }.joined(separator: "\r\n")
    }
}
