-- Patients' records on this device (inside the encrypted store): each chart as last read from
-- the server, so it opens offline; documents as described by the server, with their content
-- once had here; and charts read offline, waiting to be reported to the server's audit.
CREATE TABLE chart (
    patient_id TEXT PRIMARY KEY,
    record     TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE TABLE document (
    id         TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    record     TEXT NOT NULL,
    content    BLOB
);
CREATE TABLE offline_read (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id TEXT NOT NULL,
    read_at    TEXT NOT NULL
);
