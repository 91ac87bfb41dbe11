ALTER TABLE outbox DROP COLUMN content_language;
