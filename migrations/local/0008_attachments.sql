-- Files sent in conversations: what the server said each one is (its record) and, once this
-- device has had it, its content — kept here, inside the encrypted store.
CREATE TABLE attachment (
    id      TEXT PRIMARY KEY,
    record  TEXT NOT NULL,
    content BLOB
);
