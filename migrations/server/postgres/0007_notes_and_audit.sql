-- Consultation notes (clinic_core's NoteRecord as JSON: the original, and its amendments once
-- the consultation is completed), one per appointment.
CREATE TABLE consultation_note (
    appointment_id TEXT PRIMARY KEY,
    patient_id     TEXT NOT NULL,
    doctor_id      TEXT NOT NULL REFERENCES account(id),
    record         TEXT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX consultation_note_patient ON consultation_note(patient_id);

-- Every read and change of health data, hash-chained: each entry's hash covers the one before,
-- so an entry removed or edited breaks the chain at that point.
CREATE TABLE audit_entry (
    seq        BIGINT PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    role       TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_entry_patient ON audit_entry(patient_id, seq);
