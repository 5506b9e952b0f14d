-- E-prescriptions: every version of an appointment's prescription (a draft, issued, or issued
-- and superseded by a newer version); the verification code is unique once issued.
CREATE TABLE prescription (
    id             TEXT PRIMARY KEY,
    appointment_id TEXT NOT NULL,
    patient_id     TEXT NOT NULL,
    doctor_id      TEXT NOT NULL,
    version        INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'issued', 'superseded')),
    code           TEXT UNIQUE,
    record         TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (appointment_id, version)
);
CREATE INDEX prescription_patient ON prescription(patient_id, status);
-- A patient's clinical summary (allergies, conditions), kept by the doctors who care for them.
CREATE TABLE clinical_summary (
    patient_id TEXT PRIMARY KEY,
    record     TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
