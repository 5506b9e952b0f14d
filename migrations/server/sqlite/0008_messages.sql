-- Conversations: each message of an appointment, and the change log's audience — a clinical
-- row (a message) goes, among staff, only to the appointment's doctor; NULL is everyone the
-- scope allows (patients' rows still go only to their own patient).
CREATE TABLE message (
    id             TEXT PRIMARY KEY,
    appointment_id TEXT NOT NULL,
    patient_id     TEXT NOT NULL,
    doctor_id      TEXT NOT NULL,
    record         TEXT NOT NULL,
    received_at    BIGINT NOT NULL
);
CREATE INDEX message_appointment ON message(appointment_id, received_at);
ALTER TABLE change_log ADD COLUMN audience TEXT;
