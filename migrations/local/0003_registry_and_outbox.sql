-- The patient registry as this desk knows it, and the outbox of commands not yet accepted by the
-- server. A local change and its outbox entry are always written in one transaction.
CREATE TABLE patient (
    id                TEXT PRIMARY KEY,
    patient_number    TEXT NOT NULL UNIQUE,
    full_name         TEXT NOT NULL,
    sex               TEXT,
    date_of_birth     TEXT,
    phone             TEXT,
    address           TEXT,
    emergency_contact TEXT,
    updated_at        TEXT NOT NULL
) STRICT;

CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    command_id TEXT NOT NULL UNIQUE,
    envelope   TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
