-- Patients' records on this device (inside the encrypted store): each chart as last read from
-- the server by an account, so it opens offline for that account only (a desk is shared by the
-- clinic's staff); documents as described by the server, with their content once had here; and
-- charts read offline — by whom — waiting to be reported to the server's audit.
CREATE TABLE chart (
    patient_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    record     TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (patient_id, account_id)
);
CREATE TABLE document (
    id         TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    record     TEXT NOT NULL,
    content    BLOB
);
CREATE TABLE offline_read (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    read_at    TEXT NOT NULL
);
