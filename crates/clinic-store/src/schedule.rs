//! The desk's copy of the clinic's doctors and appointment book, from pulls: the directory, free
//! slots and the day's appointments work offline from here.
//!
//! Invariant: `appointment` (shown) equals `appointment_confirmed` with this desk's pending
//! appointment commands replayed on top; `doctor` is only ever what the server confirmed.

use chrono::NaiveDate;
use chrono_tz::Tz;
use clinic_core::appointment::{Appointment, AppointmentRecord, Origin, Status};
use clinic_core::booking::slot_at;
use clinic_core::doctor::DoctorRecord;
use clinic_core::sync::{Command, CommandEnvelope};
use clinic_core::{AppointmentId, UserId};
use rusqlite::{OptionalExtension, Transaction};

use crate::recording::RecordError;
use crate::{Store, StoreError};

fn encode<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Encoding(e.to_string()))
}

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Encoding(e.to_string()))
}

/// The JSON records a query selects (its first column), decoded, in the query's order.
fn records<T: serde::de::DeserializeOwned>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<T>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement.query_map(params, |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(decode(&row?)?);
    }
    Ok(out)
}

/// The statuses that hold a slot, as the `status` column stores them (must match
/// `Status::holds_slot`; tested).
const SLOT_HOLDING: &str = "('requested', 'confirmed', 'checked_in', 'in_consultation')";

pub(crate) fn confirm_doctor(
    tx: &Transaction<'_>,
    record: &DoctorRecord,
    seq: u64,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO doctor (id, record, seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET record = excluded.record, seq = excluded.seq",
    )?
    .execute((record.id.to_string(), encode(record)?, seq as i64))?;
    Ok(())
}

/// Keep an appointment as the server confirmed it, and show it as it is when `shown` (when this
/// desk has commands about it still pending, the caller rebuilds it from both instead).
pub(crate) fn confirm_appointment(
    tx: &Transaction<'_>,
    record: &AppointmentRecord,
    seq: u64,
    shown: bool,
) -> Result<(), StoreError> {
    let text = encode(record)?;
    tx.prepare_cached(
        "INSERT INTO appointment_confirmed (id, record, seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET record = excluded.record, seq = excluded.seq",
    )?
    .execute((record.id.to_string(), &text, seq as i64))?;
    if shown {
        show(tx, record, &text)?;
    }
    Ok(())
}

fn shown_record(tx: &Transaction<'_>, id: &str) -> Result<Option<AppointmentRecord>, StoreError> {
    let text: Option<String> = tx
        .prepare_cached("SELECT record FROM appointment WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    text.map(|t| decode(&t)).transpose()
}

fn clinic_time_zone(tx: &Transaction<'_>) -> Result<Option<Tz>, StoreError> {
    let name: Option<String> = tx
        .prepare_cached("SELECT clinic_time_zone FROM sync_state WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    Ok(name.and_then(|n| n.parse().ok()))
}

/// Apply one of this desk's appointment commands to the shown book, as the server would if it
/// accepts it: a booking appears provisionally (no token yet: the server gives tokens), a step
/// moves the appointment on. Whether the desk may make the command, and whether the slot is
/// free, was decided when it was made; the server decides again.
pub(crate) fn apply_appointment(
    tx: &Transaction<'_>,
    envelope: &CommandEnvelope,
) -> Result<(), RecordError> {
    let at = envelope.issued_at;
    match &envelope.command {
        Command::BookAppointment {
            appointment,
            doctor,
            consultation,
            origin,
            start,
            replaces,
            ..
        } => {
            if shown_record(tx, &appointment.to_string())?.is_some() {
                return Err(RecordError::AlreadyBooked);
            }
            let text: Option<String> = tx
                .prepare_cached("SELECT record FROM doctor WHERE id = ?1")?
                .query_row([doctor.to_string()], |r| r.get(0))
                .optional()?;
            let record: DoctorRecord = match text {
                Some(t) => decode(&t)?,
                None => return Err(RecordError::UnknownDoctor),
            };
            let tz = clinic_time_zone(tx)?.ok_or(RecordError::NoClinicTimeZone)?;
            let slot = match (origin, start) {
                (Origin::WalkIn, _) | (_, None) => None,
                (_, Some(start)) => Some(slot_at(&record.pattern, *consultation, *start)),
            };
            let day = slot.map_or(at, |s| s.start).with_timezone(&tz).date_naive();
            if let Some(old) = replaces {
                if let Some(moved) = shown_record(tx, &old.to_string())? {
                    let moved = moved.moved_to(Status::Rescheduled, at, envelope.issued_by, None);
                    show(tx, &moved, &encode(&moved)?)?;
                }
            }
            let booked = envelope
                .command
                .booked_record(slot, day, at, envelope.issued_by)
                .ok_or(RecordError::UnknownAppointment)?;
            show(tx, &booked, &encode(&booked)?)?;
        }
        Command::StepAppointment {
            appointment,
            step,
            reason,
        } => {
            let record = shown_record(tx, &appointment.to_string())?
                .ok_or(RecordError::UnknownAppointment)?;
            let next = Appointment {
                status: record.status,
            }
            .after(*step)
            .map_err(|refused| RecordError::StepNotPossible(refused.to_string()))?;
            let record = record.moved_to(next.status, at, envelope.issued_by, reason.clone());
            show(tx, &record, &encode(&record)?)?;
        }
        _ => return Err(RecordError::UnknownAppointment),
    }
    Ok(())
}

/// Show an appointment as the server confirmed it with this desk's pending commands about it
/// replayed on top (after a refusal, or news from the server while commands were pending).
pub(crate) fn rebuild_appointment(tx: &Transaction<'_>, id: &str) -> Result<(), StoreError> {
    tx.execute("DELETE FROM appointment WHERE id = ?1", [id])?;
    let confirmed: Option<String> = tx
        .prepare_cached("SELECT record FROM appointment_confirmed WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    if let Some(text) = confirmed {
        let record: AppointmentRecord = decode(&text)?;
        show(tx, &record, &text)?;
    }
    let pending: Vec<String> = {
        let mut statement = tx.prepare(
            "SELECT envelope FROM outbox WHERE appointment_id = ?1 OR replaces_id = ?1
                 ORDER BY seq",
        )?;
        let rows = statement.query_map([id], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for text in pending {
        let envelope: CommandEnvelope = decode(&text)?;
        if let Command::BookAppointment {
            appointment,
            replaces: Some(old),
            ..
        } = &envelope.command
        {
            if old.to_string() == id && appointment.to_string() != id {
                // A pending move of this appointment: it shows as moved.
                if let Some(moved) = shown_record(tx, id)? {
                    let moved = moved.moved_to(
                        Status::Rescheduled,
                        envelope.issued_at,
                        envelope.issued_by,
                        None,
                    );
                    show(tx, &moved, &encode(&moved)?)?;
                }
                continue;
            }
        }
        match apply_appointment(tx, &envelope) {
            Ok(()) => {}
            Err(RecordError::Store(e)) => return Err(e),
            Err(skipped) => tracing::debug!(%skipped, "a pending change no longer applies here"),
        }
    }
    Ok(())
}

fn show(tx: &Transaction<'_>, record: &AppointmentRecord, text: &str) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO appointment (id, patient_id, doctor_id, status, slot_start, local_day, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status,
           slot_start = excluded.slot_start, local_day = excluded.local_day,
           record = excluded.record",
    )?
    .execute((
        record.id.to_string(),
        record.patient.to_string(),
        record.doctor.to_string(),
        record.status.as_str(),
        record.slot.map(|s| s.start.timestamp_millis()),
        record.day.to_string(),
        text,
    ))?;
    Ok(())
}

/// How a desk trusts its sync server's TLS certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerTrust {
    /// Never reached over https yet.
    Unknown,
    /// Reached with a certificate this computer's authorities vouch for.
    Authority,
    /// This certificate (DER), pinned at the first contact.
    Pinned(Vec<u8>),
}

const AUTHORITY: &str = "authority";

impl Store {
    /// The clinic's time zone, as the server said at sign-in.
    pub fn clinic_time_zone(&self) -> Result<Option<Tz>, StoreError> {
        let name: Option<String> = self.conn.query_row(
            "SELECT clinic_time_zone FROM sync_state WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        Ok(name.and_then(|n| n.parse().ok()))
    }

    pub fn set_clinic_time_zone(&mut self, name: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sync_state SET clinic_time_zone = ?1 WHERE id = 1",
            [name],
        )?;
        Ok(())
    }

    /// The clinic's video server this desk trusts (see `clinic_core::meeting::JitsiServer::trusted`).
    pub fn video_server(&self) -> Result<Option<String>, StoreError> {
        Ok(self.conn.query_row(
            "SELECT video_server FROM sync_state WHERE id = 1",
            [],
            |r| r.get(0),
        )?)
    }

    pub fn set_video_server(&mut self, base_url: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sync_state SET video_server = ?1 WHERE id = 1",
            [base_url],
        )?;
        Ok(())
    }

    /// How this desk trusts the sync server's certificate.
    pub fn server_trust(&self) -> Result<ServerTrust, StoreError> {
        let text: Option<String> = self.conn.query_row(
            "SELECT server_certificate FROM sync_state WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        Ok(match text.as_deref() {
            None => ServerTrust::Unknown,
            Some(AUTHORITY) => ServerTrust::Authority,
            Some(pinned) => ServerTrust::Pinned(
                hex::decode(pinned)
                    .map_err(|_| StoreError::Encoding("server certificate".into()))?,
            ),
        })
    }

    /// The server's certificate (DER) is the one this desk trusts from now on.
    pub fn pin_server_certificate(&mut self, der: &[u8]) -> Result<(), StoreError> {
        self.set_server_trust(&hex::encode(der))
    }

    /// The server was reached with a certificate this computer's authorities vouch for: never
    /// pin another on trust later.
    pub fn trust_server_by_authority(&mut self) -> Result<(), StoreError> {
        self.set_server_trust(AUTHORITY)
    }

    fn set_server_trust(&mut self, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sync_state SET server_certificate = ?1 WHERE id = 1",
            [value],
        )?;
        Ok(())
    }

    /// Whether the user allowed calls on `base_url` this computer's camera and microphone.
    pub fn media_allowed(&self, base_url: &str) -> Result<bool, StoreError> {
        let allowed: Option<String> = self.conn.query_row(
            "SELECT media_allowed_for FROM sync_state WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        Ok(allowed.as_deref() == Some(base_url))
    }

    pub fn allow_media(&mut self, base_url: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sync_state SET media_allowed_for = ?1 WHERE id = 1",
            [base_url],
        )?;
        Ok(())
    }

    /// Appointments with changes made here that the server has not answered yet.
    pub fn pending_appointments(
        &self,
    ) -> Result<std::collections::HashSet<AppointmentId>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT DISTINCT appointment_id FROM outbox WHERE appointment_id IS NOT NULL",
        )?;
        let rows = statement.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = std::collections::HashSet::new();
        for row in rows {
            let text = row?;
            out.insert(
                text.parse()
                    .map_err(|_| StoreError::Encoding(format!("appointment id {text:?}")))?,
            );
        }
        Ok(out)
    }

    /// Every appointment in the shown book (confirmed, with this desk's pending changes).
    pub fn appointment_records(&self) -> Result<Vec<AppointmentRecord>, StoreError> {
        records(&self.conn, "SELECT record FROM appointment ORDER BY id", [])
    }

    /// Every appointment of `patient` with `doctor` in the shown book (for
    /// [`clinic_core::care::treats`]).
    pub fn appointments_between(
        &self,
        doctor: UserId,
        patient: clinic_core::PatientId,
    ) -> Result<Vec<AppointmentRecord>, StoreError> {
        records(
            &self.conn,
            "SELECT record FROM appointment WHERE doctor_id = ?1 AND patient_id = ?2 ORDER BY id",
            (doctor.to_string(), patient.to_string()),
        )
    }

    /// A doctor's appointments with a slot starting at or after `from`, in time order.
    pub fn doctor_appointments_from(
        &self,
        doctor: UserId,
        from: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<AppointmentRecord>, StoreError> {
        records(
            &self.conn,
            "SELECT record FROM appointment WHERE doctor_id = ?1 AND slot_start >= ?2
             ORDER BY slot_start",
            (doctor.to_string(), from.timestamp_millis()),
        )
    }

    /// Slot-holding appointments whose slots start in `[from, to)` (for free slots): one
    /// doctor's, or every doctor's — grouped by doctor in id order, then by time.
    pub fn busy(
        &self,
        doctor: Option<UserId>,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<clinic_core::availability::Busy>, StoreError> {
        let held: Vec<AppointmentRecord> = records(
            &self.conn,
            &format!(
                "SELECT record FROM appointment
                 WHERE (?1 IS NULL OR doctor_id = ?1) AND slot_start >= ?2 AND slot_start < ?3
                   AND status IN {SLOT_HOLDING}"
            ),
            (
                doctor.map(|d| d.to_string()),
                from.timestamp_millis(),
                to.timestamp_millis(),
            ),
        )?;
        let mut busy: Vec<clinic_core::availability::Busy> = held
            .into_iter()
            .filter_map(|a| {
                a.slot.map(|slot| clinic_core::availability::Busy {
                    doctor: a.doctor,
                    start: slot.start,
                    end: slot.end,
                })
            })
            .collect();
        busy.sort_unstable_by_key(|b| (b.doctor, b.start));
        Ok(busy)
    }

    /// Every doctor this desk knows, by name.
    pub fn doctors(&self) -> Result<Vec<DoctorRecord>, StoreError> {
        let mut doctors: Vec<DoctorRecord> = records(&self.conn, "SELECT record FROM doctor", [])?;
        doctors.sort_by(|a, b| a.profile.display_name.cmp(&b.profile.display_name));
        Ok(doctors)
    }

    pub fn doctor(&self, id: UserId) -> Result<Option<DoctorRecord>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT record FROM doctor WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| decode(&t)).transpose()
    }

    /// The appointments of a clinic day (all doctors, or one), in slot order, walk-ins last.
    pub fn appointments_on(
        &self,
        day: NaiveDate,
        doctor: Option<UserId>,
    ) -> Result<Vec<AppointmentRecord>, StoreError> {
        records(
            &self.conn,
            "SELECT record FROM appointment WHERE local_day = ?1
               AND (?2 IS NULL OR doctor_id = ?2)
             ORDER BY slot_start IS NULL, slot_start, id",
            (day.to_string(), doctor.map(|d| d.to_string())),
        )
    }

    pub fn appointment(&self, id: AppointmentId) -> Result<Option<AppointmentRecord>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT record FROM appointment WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| decode(&t)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use clinic_core::appointment::Status;

    #[test]
    fn the_busy_query_lists_exactly_the_statuses_that_hold_a_slot() {
        use Status::*;
        for status in [
            Requested,
            Confirmed,
            Rejected,
            CheckedIn,
            InConsultation,
            Completed,
            Cancelled,
            NoShow,
            Rescheduled,
        ] {
            let listed = super::SLOT_HOLDING.contains(&format!("'{}'", status.as_str()));
            assert_eq!(listed, status.holds_slot(), "{status:?}");
        }
    }
}
