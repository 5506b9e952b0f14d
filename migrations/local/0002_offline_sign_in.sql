-- Offline sign-in: a workstation keeps an argon2id verifier of the password of each user who
-- signed in here online, and a session may exist without a server token (signed in offline).
-- Auto-lock: a locked session stays locked across restarts until the password is given.
ALTER TABLE known_account ADD COLUMN password_verifier TEXT;

DROP TABLE current_session;
CREATE TABLE current_session (
    slot       INTEGER PRIMARY KEY CHECK (slot = 1),
    user_id    TEXT NOT NULL REFERENCES known_account(user_id),
    token      TEXT,
    expires_at TEXT NOT NULL,
    locked     INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1))
) STRICT;
