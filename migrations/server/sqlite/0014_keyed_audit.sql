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
