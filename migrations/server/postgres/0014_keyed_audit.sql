-- The audit chain keyed (HMAC-SHA256 under a key outside the database): each entry says how it
-- is sealed (1: SHA-256 alone, as before; 2: keyed), and the newest entry is signed (the head),
-- moved in the transaction that appends an entry, so dropping the newest entries is found.
ALTER TABLE audit_entry ADD COLUMN chain_version BIGINT NOT NULL DEFAULT 1;
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL,
    mac  TEXT NOT NULL
);
-- Where the admins' viewer last found the whole chain intact (signed): a view checks from the
-- newest such checkpoint on, not from the first entry (a full check is one click away).
CREATE TABLE audit_checkpoint (
    seq  BIGINT PRIMARY KEY,
    hash TEXT NOT NULL,
    mac  TEXT NOT NULL,
    at   BIGINT NOT NULL
);
-- Which audit key the chain is sealed with (a fingerprint, not the key): a server started with
-- another key refuses to start instead of sealing a chain no one can check.
CREATE TABLE audit_key_check (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL
);
-- The charts a reader was given on a device (checked for each offline-read report).
CREATE INDEX audit_entry_reader ON audit_entry(actor, device, action);
