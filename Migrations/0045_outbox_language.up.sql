-- Issue 17: each email goes out in its recipient's language and says so (Content-Language).
ALTER TABLE outbox ADD COLUMN content_language text NOT NULL DEFAULT 'en';
