-- Doctors as the directory shows them, and the appointment book (sqlite).

-- A doctor's profile, verification and working pattern, as one JSON record (clinic_core's
-- DoctorRecord): the server reads it whole, devices receive it whole. Doctors of the first
-- schema (doctor_profile) are moved in at start-up, where their hours become a working pattern.
CREATE TABLE doctor (
    id         TEXT PRIMARY KEY REFERENCES account(id),
    record     TEXT NOT NULL,
    verified   BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Every appointment, with its record (clinic_core's AppointmentRecord) and the columns the rules
-- need. slot_start/slot_end are Unix milliseconds; NULL for a walk-in (a queue place, no slot).
CREATE TABLE appointment (
    id         TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    doctor_id  TEXT NOT NULL REFERENCES account(id),
    status     TEXT NOT NULL,
    slot_start BIGINT,
    slot_end   BIGINT,
    local_day  TEXT NOT NULL,
    token      BIGINT,
    record     TEXT NOT NULL,
    booked_at  BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Never a double booking: one appointment that holds its slot per doctor and start. The rule is
-- the database's, so no two transactions can both pass it.
CREATE UNIQUE INDEX appointment_one_per_slot ON appointment (doctor_id, slot_start)
    WHERE status IN ('requested', 'confirmed', 'checked_in', 'in_consultation');
-- One token per doctor and day.
CREATE UNIQUE INDEX appointment_token ON appointment (doctor_id, local_day, token);
CREATE INDEX appointment_doctor_day ON appointment (doctor_id, local_day);
CREATE INDEX appointment_patient ON appointment (patient_id);
