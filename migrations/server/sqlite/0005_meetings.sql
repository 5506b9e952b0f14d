-- A video appointment's meeting room, made when the appointment is confirmed: 128 random bits,
-- never derived from the appointment. Only the appointment's doctor and patient are told it.
CREATE TABLE meeting (
    appointment_id TEXT PRIMARY KEY,
    room           TEXT NOT NULL UNIQUE,
    created_at     BIGINT NOT NULL
);
