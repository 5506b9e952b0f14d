-- Files doctors upload: credentials for the admins who verify them, and a photo for the
-- directory (postgres). The content's type was decided from its bytes before it was stored; the file
-- name is the server's own. Credentials are not health data: they are kept in the database.
CREATE TABLE doctor_document (
    id          TEXT PRIMARY KEY,
    doctor_id   TEXT NOT NULL REFERENCES account(id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('credential', 'photo')),
    kind        TEXT NOT NULL CHECK (kind IN ('pdf', 'jpeg', 'png')),
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    content     BYTEA NOT NULL,
    uploaded_at BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES account(id)
);
CREATE INDEX doctor_document_doctor ON doctor_document(doctor_id, purpose, uploaded_at);
