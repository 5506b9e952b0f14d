-- The patient registry and the change log devices sync from (postgres).
-- A patient may have an account of their own (patient build): then account_id links it.
CREATE TABLE patient (
    id                TEXT PRIMARY KEY,
    patient_number    TEXT NOT NULL UNIQUE,
    account_id        TEXT UNIQUE REFERENCES account(id),
    full_name         TEXT NOT NULL,
    sex               TEXT,
    date_of_birth     TEXT,
    phone             TEXT,
    email             TEXT,
    address           TEXT,
    emergency_contact TEXT,
    updated_at        BIGINT NOT NULL
);

-- Patients who signed themselves up move into the registry (their patient id is their account id,
-- numbered with the server's desk code 1). Their first change-log entries are written at start-up.
INSERT INTO patient (id, patient_number, account_id, full_name, sex, date_of_birth, phone, email,
                     address, emergency_contact, updated_at)
SELECT p.account_id, '1-' || lpad((row_number() OVER (ORDER BY a.created_at, a.id))::text,
              greatest(4, length((row_number() OVER (ORDER BY a.created_at, a.id))::text)), '0'), p.account_id, p.full_name, p.sex, p.date_of_birth, p.phone, a.email,
       p.address, p.emergency_contact, p.updated_at
FROM patient_profile p JOIN account a ON a.id = p.account_id;

DROP TABLE patient_profile;

-- One row. Every transaction that appends to the change log updates it first, so appends are
-- serialised and commit in sequence order: a device that pulled up to N never misses a change
-- below N that commits later (on PostgreSQL a plain sequence would allow exactly that).
CREATE TABLE change_head (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    seq                BIGINT NOT NULL,
    next_server_serial BIGINT NOT NULL
);
INSERT INTO change_head (id, seq, next_server_serial)
VALUES (1, 0, (SELECT count(*) + 1 FROM patient));

CREATE TABLE change_log (
    seq        BIGINT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    body       TEXT NOT NULL,
    command_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX change_log_patient ON change_log(patient_id, seq);

-- Every command ever answered, with its answer: a command pushed twice is applied once.
CREATE TABLE applied_command (
    command_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Devices (one encrypted store each) and the desk code each numbers its patients with.
CREATE TABLE device (
    id         TEXT PRIMARY KEY,
    desk_code  BIGINT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
