-- The desk's first schema: preferences of this workstation and the accounts that signed in here.
CREATE TABLE preference (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE known_account (
    user_id           TEXT PRIMARY KEY,
    email             TEXT NOT NULL,
    display_name      TEXT NOT NULL,
    role              TEXT NOT NULL,
    server_url        TEXT NOT NULL,
    last_signed_in_at TEXT NOT NULL
) STRICT;

-- The signed-in session of this workstation (at most one row).
CREATE TABLE current_session (
    slot       INTEGER PRIMARY KEY CHECK (slot = 1),
    user_id    TEXT NOT NULL REFERENCES known_account(user_id),
    token      TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
