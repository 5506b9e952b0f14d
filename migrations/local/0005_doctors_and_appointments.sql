-- The clinic's doctors and appointment book, as this desk holds them.

-- Doctors as the server confirmed them (profile, verification, working pattern): the directory
-- and free slots work offline from here.
CREATE TABLE doctor (
    id     TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    seq    INTEGER NOT NULL
) STRICT;

-- Appointments as the server confirmed them.
CREATE TABLE appointment_confirmed (
    id     TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    seq    INTEGER NOT NULL
) STRICT;

-- The appointment book shown: the confirmed records with this desk's pending commands replayed
-- on top (like `patient`). slot_start is Unix milliseconds, NULL for a walk-in.
CREATE TABLE appointment (
    id         TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    doctor_id  TEXT NOT NULL,
    status     TEXT NOT NULL,
    slot_start INTEGER,
    local_day  TEXT NOT NULL,
    record     TEXT NOT NULL
) STRICT;
CREATE INDEX appointment_doctor_day ON appointment(doctor_id, local_day);
CREATE INDEX appointment_day ON appointment(local_day);

ALTER TABLE outbox ADD COLUMN appointment_id TEXT;
CREATE INDEX outbox_appointment ON outbox(appointment_id);

-- The whole refusal as the server sent it (with the slots it offered instead, and when a slot
-- was taken); the older columns stay for refusals kept before.
ALTER TABLE rejected_command ADD COLUMN detail TEXT;

-- The clinic's time zone, from the sign-in grant: a booking's clinic day is read on its clock.
ALTER TABLE sync_state ADD COLUMN clinic_time_zone TEXT;
