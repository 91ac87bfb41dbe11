import Foundation

/// `README.md` inside a tenant export: the format, for whoever opens the archive without
/// Portico at hand. Kept in step with `TenantExport.formatVersion`.
enum TenantExportReadme {
    static func text(_ manifest: TenantExport.Manifest) -> String {
        let tables = manifest.tables.map { table in
            "| `\(table.file)` | \(table.rows) | \(table.omittedColumns.map { "`\($0)`" }.joined(separator: ", ")) |"
        }
        let csv = manifest.csv.map { "| `\($0.file)` | \($0.title) | \($0.rows) |" }
        return """
            # Data export of \(manifest.tenant.name) (`\(manifest.tenant.slug)`)

            Made by Portico \(manifest.porticoVersion) on \(DateFormats.iso.format(manifest.createdAt)).
            Format: `\(TenantExport.formatName)`, `format_version` \(manifest.formatVersion) (database migration level \(manifest.migrationLevel)).

            Everything this tenant held in Portico at that moment: every row of every table that
            belongs to it, read from one consistent snapshot, and every file it stored. Nothing of
            any other tenant is in here. Treat the archive as confidential: it holds personal data
            of your subscribers and staff.

            ## What is where

            - `manifest.json` — machine-readable summary: the tenant, each file with its row count,
              each stored file with its size and SHA-256. Keys are snake_case. Check it first.
            - `data/<table>.jsonl` — JSON Lines: one JSON object per row, keys are the column names.
              Times are ISO 8601 in UTC, ids are UUIDs. Rows point at each other by these ids
              (`organization_id`, `work_order_id`, …), exactly as in the database.
            - `csv/*.csv` — the same data a spreadsheet opens: UTF-8, comma-separated, CRLF line
              ends, a header row. Cells that a spreadsheet would run as a formula start with an
              apostrophe. Column names match Portico's CSV import, so these files import back.
            - `files/<key>` — uploaded files: work-order attachments and branding assets (logo,
              favicon). `<key>` is the value of `attachments.storage_key`,
              `tenant_branding.logo_key` or `tenant_branding.favicon_key`; the original file name
              and type are in those rows (`attachments.file_name`, `content_type`).

            ## Row files

            | File | Rows | Columns left out |
            |---|---|---|
            \(tables.joined(separator: "\n"))

            Left out on purpose: credentials (password hashes, token and recovery-code hashes,
            TOTP secrets, webhook signing secrets, CSRF tokens, unsubscribe-link keys) and derived
            search columns. People set new passwords wherever this data goes next.

            ## Spreadsheet files

            | File | Contents | Rows |
            |---|---|---|
            \(csv.joined(separator: "\n"))

            ## Compatibility

            `format_version` changes only when a reader of the previous version could misread the
            archive; new tables or columns may appear without a change (ignore what you do not
            know). A later Portico can import this format.

            """
    }
}
