-- Reports and documents in a patient's chart (their content is a sealed blob), and uploads in
-- progress: each received chunk sealed on its own until the last one arrives.
CREATE TABLE patient_document (
    id                 TEXT PRIMARY KEY,
    patient_id         TEXT NOT NULL,
    sha256             TEXT NOT NULL REFERENCES blob(sha256),
    record             TEXT NOT NULL,
    uploaded_at        BIGINT NOT NULL,
    seen_by_patient_at BIGINT
);
CREATE INDEX patient_document_patient ON patient_document(patient_id, uploaded_at);
CREATE TABLE upload (
    id          TEXT PRIMARY KEY,
    patient_id  TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    start       TEXT NOT NULL,
    size        BIGINT NOT NULL,
    received    BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    -- Set when the whole file arrived: a sender who missed the answer asks again and hears it.
    document_id TEXT
);
CREATE TABLE upload_chunk (
    upload_id TEXT NOT NULL REFERENCES upload(id) ON DELETE CASCADE,
    "offset"  BIGINT NOT NULL,
    sealed    BLOB NOT NULL,
    PRIMARY KEY (upload_id, "offset")
);
