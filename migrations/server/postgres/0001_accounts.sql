-- Accounts, profiles and sessions (PostgreSQL). Times are Unix milliseconds (UTC).
CREATE TABLE account (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE patient_profile (
    account_id        TEXT PRIMARY KEY REFERENCES account(id),
    full_name         TEXT NOT NULL,
    sex               TEXT,
    date_of_birth     TEXT,
    phone             TEXT,
    address           TEXT,
    emergency_contact TEXT,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE doctor_profile (
    account_id   TEXT PRIMARY KEY REFERENCES account(id),
    specialty    TEXT NOT NULL,
    weekly_hours TEXT NOT NULL
);

CREATE TABLE session (
    token_hash  TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES account(id),
    device_name TEXT,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX session_account ON session(account_id);
