-- Conversations: the messages of the appointments this device's user is part of (shown at once
-- when written here: confirmed = 0 until the server's copy arrives), and how far each
-- conversation has been read on this device.
CREATE TABLE message (
    id             TEXT PRIMARY KEY,
    appointment_id TEXT NOT NULL,
    sent_at        TEXT NOT NULL,
    record         TEXT NOT NULL,
    confirmed      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX message_appointment ON message(appointment_id, sent_at);
CREATE TABLE message_read (
    appointment_id TEXT PRIMARY KEY,
    read_up_to     TEXT NOT NULL
);
-- Earlier versions skipped changes of kinds they did not know: pull again from the start so the
-- messages they skipped arrive (every change applies idempotently).
UPDATE sync_state SET cursor = 0 WHERE id = 1;
