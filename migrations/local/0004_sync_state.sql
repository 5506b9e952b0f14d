-- Sync state: what the server has confirmed, what it refused, and where this desk is in the
-- server's change log. The local `patient` table is always the confirmed record with this
-- desk's pending commands replayed on top.
-- The shown registry gains email and account, and loses the UNIQUE on the number: the server
-- decides who holds a number, and a pulled record must never be refused here because a pending
-- local registration (say, from a restored backup's desk code) claims the same number.
CREATE TABLE patient_shown (
    id                TEXT PRIMARY KEY,
    patient_number    TEXT NOT NULL,
    full_name         TEXT NOT NULL,
    sex               TEXT,
    date_of_birth     TEXT,
    phone             TEXT,
    address           TEXT,
    emergency_contact TEXT,
    updated_at        TEXT NOT NULL,
    email             TEXT,
    account_id        TEXT
) STRICT;
INSERT INTO patient_shown (id, patient_number, full_name, sex, date_of_birth, phone, address,
                           emergency_contact, updated_at)
SELECT id, patient_number, full_name, sex, date_of_birth, phone, address, emergency_contact,
       updated_at FROM patient;
DROP TABLE patient;
ALTER TABLE patient_shown RENAME TO patient;
CREATE INDEX patient_number ON patient(patient_number);

CREATE TABLE patient_confirmed (
    id                TEXT PRIMARY KEY,
    patient_number    TEXT NOT NULL,
    account_id        TEXT,
    full_name         TEXT NOT NULL,
    sex               TEXT,
    date_of_birth     TEXT,
    phone             TEXT,
    email             TEXT,
    address           TEXT,
    emergency_contact TEXT,
    seq               INTEGER NOT NULL
) STRICT;

ALTER TABLE outbox ADD COLUMN patient_id TEXT;
UPDATE outbox SET patient_id = json_extract(envelope, '$.command.patient');
CREATE INDEX outbox_patient ON outbox(patient_id);

-- A command the server refused, kept with its reason until a person has seen it.
CREATE TABLE rejected_command (
    command_id  TEXT PRIMARY KEY,
    envelope    TEXT NOT NULL,
    status      INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    message     TEXT NOT NULL,
    fields      TEXT NOT NULL,
    rejected_at TEXT NOT NULL
) STRICT;

-- One row: this device's id (made here, once), its desk code from the server (for patient
-- numbers made offline), the next serial, and the change-log cursor.
CREATE TABLE sync_state (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    device_id      TEXT NOT NULL,
    desk_code      INTEGER,
    next_serial    INTEGER NOT NULL DEFAULT 1,
    cursor         INTEGER NOT NULL DEFAULT 0,
    last_synced_at TEXT,
    -- The server the replica came from: pointed at another, the desk starts its replica afresh.
    server_url     TEXT
) STRICT;
INSERT INTO sync_state (id, device_id) VALUES (1, lower(hex(randomblob(16))));
