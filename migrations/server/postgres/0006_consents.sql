-- Patients' consents: who agreed to what, when, and who recorded it (the patient, or a member of
-- staff noting spoken consent, with how). Never updated: a later consent is a new row.
CREATE TABLE consent (
    id          TEXT PRIMARY KEY,
    patient_id  TEXT NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('video_consultation', 'store_uploaded_records')),
    given       TEXT NOT NULL CHECK (given IN ('by_the_patient', 'spoken')),
    recorded_by TEXT NOT NULL REFERENCES account(id),
    recorded_at BIGINT NOT NULL,
    note        TEXT
);
CREATE INDEX consent_patient ON consent(patient_id, purpose);
