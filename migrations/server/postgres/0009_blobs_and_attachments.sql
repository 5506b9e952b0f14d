-- Files kept by content: each distinct content once, named by its SHA-256 and sealed with the
-- server's blob key (see sync-server/src/blobs.rs) — the database holds no file in the clear.
CREATE TABLE blob (
    sha256     TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    sealed     BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
-- Files sent in an appointment's conversation: who sent which blob, under the server's name.
CREATE TABLE attachment (
    id             TEXT PRIMARY KEY,
    appointment_id TEXT NOT NULL,
    patient_id     TEXT NOT NULL,
    sha256         TEXT NOT NULL REFERENCES blob(sha256),
    record         TEXT NOT NULL,
    uploaded_at    BIGINT NOT NULL
);
CREATE INDEX attachment_appointment ON attachment(appointment_id);
