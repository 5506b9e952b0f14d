//! The appointment book on the server: bookings, lifecycle steps and messages judged by the core's
//! judges (`clinic_core::booking::judge_booking`, `appointment::judge_step`, `chat::judge_message`),
//! written in the push's transaction (which holds the change-log head, so bookings are judged one
//! after another), with the database's partial unique index as the last word on a slot.

use chrono::{DateTime, Utc};
use clinic_core::appointment::{AppointmentRecord, Status};
use clinic_core::availability::Busy;
use clinic_core::{Actor, UserId};

use crate::storage::StorageError;

/// The statuses that hold a slot, as the index's predicate lists them (a macro, so queries stay
/// string literals). Must match `clinic_core::appointment::Status::holds_slot`.
macro_rules! slot_holding {
    () => {
        "('requested', 'confirmed', 'checked_in', 'in_consultation')"
    };
}
pub(crate) use slot_holding;

/// The record of an appointment moved by a replacement: it ends `rescheduled`.
pub(crate) fn rescheduled(
    old: &AppointmentRecord,
    by: Actor,
    at: DateTime<Utc>,
) -> AppointmentRecord {
    old.clone().moved_to(
        Status::Rescheduled,
        at,
        by.user().unwrap_or(old.doctor),
        None,
    )
}

/// Whether the step just taken put the patient in the queue (and so needs a token).
pub(crate) fn needs_token(record: &AppointmentRecord) -> bool {
    record.status == Status::CheckedIn && record.token.is_none()
}

pub(crate) fn read_record<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, StorageError> {
    serde_json::from_str(text).map_err(|e| StorageError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn write_record<T: serde::Serialize>(record: &T) -> Result<String, StorageError> {
    serde_json::to_string(record).map_err(|e| StorageError::Corrupt(e.to_string()))
}

pub(crate) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> Result<DateTime<Utc>, StorageError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StorageError::Corrupt(format!("time {ms}")))
}

/// How far either side of a booking's start its doctor's bookings are read: a day and a half
/// covers the clinic's local day (for the daily cap) and the buffers.
pub(crate) const AROUND_MS: i64 = 36 * 3_600_000;

/// The slot-holding times of the doctors a group of pushes books, read once for the whole group
/// (one query) and kept current as the group writes appointments, so judging a booking needs no
/// query of its own.
#[derive(Default)]
pub(crate) struct GroupBusy {
    /// Per doctor, the range of starts `[from, to)` read.
    covered: std::collections::HashMap<UserId, (i64, i64)>,
    /// Per doctor: (appointment id, slot start, slot end).
    rows: std::collections::HashMap<UserId, Vec<(String, i64, i64)>>,
}

impl GroupBusy {
    /// The range each doctor's bookings in the group need read.
    pub(crate) fn wanted<'a>(
        bookings: impl Iterator<Item = (UserId, DateTime<Utc>)> + 'a,
    ) -> std::collections::HashMap<UserId, (i64, i64)> {
        let mut out: std::collections::HashMap<UserId, (i64, i64)> = Default::default();
        for (doctor, start) in bookings {
            let (from, to) = (millis(start) - AROUND_MS, millis(start) + AROUND_MS);
            let range = out.entry(doctor).or_insert((from, to));
            range.0 = range.0.min(from);
            range.1 = range.1.max(to);
        }
        out
    }

    /// What was read for `doctor` over `range`.
    pub(crate) fn cover(&mut self, doctor: UserId, range: (i64, i64)) {
        self.covered.insert(doctor, range);
        self.rows.entry(doctor).or_default();
    }

    pub(crate) fn add_row(&mut self, doctor: UserId, id: String, start: i64, end: i64) {
        self.rows.entry(doctor).or_default().push((id, start, end));
    }

    /// The doctor's slot-holding times starting in `[from, to)` (leaving out `skip`), if the
    /// group read that range; `None` means ask the database.
    pub(crate) fn around(
        &self,
        doctor: UserId,
        from: i64,
        to: i64,
        skip: Option<&str>,
    ) -> Result<Option<Vec<Busy>>, StorageError> {
        match self.covered.get(&doctor) {
            Some(&(lo, hi)) if lo <= from && to <= hi => {
                let mut out = Vec::new();
                for (id, s, e) in self.rows.get(&doctor).into_iter().flatten() {
                    if *s >= from && *s < to && skip != Some(id.as_str()) {
                        out.push(Busy {
                            doctor,
                            start: from_millis(*s)?,
                            end: from_millis(*e)?,
                        });
                    }
                }
                Ok(Some(out))
            }
            _ => Ok(None),
        }
    }

    /// An appointment as just written: it holds its slot or no longer does.
    pub(crate) fn written(&mut self, record: &AppointmentRecord) {
        if !self.covered.contains_key(&record.doctor) {
            return;
        }
        let id = record.id.to_string();
        let rows = self.rows.entry(record.doctor).or_default();
        rows.retain(|(held, _, _)| *held != id);
        if let (true, Some(slot)) = (record.status.holds_slot(), record.slot) {
            rows.push((id, millis(slot.start), millis(slot.end)));
        }
    }
}

/// Judge and write one appointment command inside `apply_pushes`'s transaction. Expands to an
/// expression of type `Result<CommandOutcome, StorageError>`.
macro_rules! schedule_command {
    ($tx:ident, $batch:ident, $lookup:ident, $envelope:ident, $doctors:ident, $appointments:ident, $busy:ident, $pending:ident, $tz:expr, $now:expr) => {
        async {
            use clinic_core::sync::{ChangeBody, Command, CommandResult, Rejection, RejectionReason};
            use $crate::schedule::*;
            if let Some(outcome) = $batch.answered_before(&$lookup, &$envelope) {
                return Ok::<_, StorageError>(outcome);
            }
            // Anything but a booking of a slot reads or changes appointments in the database:
            // the bookings judged so far are written first.
            if !matches!(&$envelope.command, Command::BookAppointment { start: Some(_), replaces: None, .. }) {
                flush_bookings!($tx, $pending, $batch.at);
            }
            let tz: chrono_tz::Tz = $tz;
            let now: chrono::DateTime<chrono::Utc> = $now;
            // A start beyond the horizon is refused before anything is worked out from it.
            if let Command::BookAppointment { start: Some(start), .. } = &$envelope.command {
                if let Err(problem) = clinic_core::booking::check_start_in_range(*start, now) {
                    return $batch.answer(
                        &mut $lookup,
                        &$envelope,
                        CommandResult::Rejected(Rejection::new(RejectionReason::Invalid, vec![problem])),
                    );
                }
            }
            let id = $envelope.command.appointment().map(|a| a.to_string()).unwrap_or_default();
            let stored = appointment_in!($tx, $appointments, &id);
            // The doctor a command concerns, read once per push.
            let doctor_id = match (&$envelope.command, &stored) {
                (Command::BookAppointment { doctor, .. }, _) => Some(*doctor),
                (_, Some(record)) => Some(record.doctor),
                _ => None,
            };
            if let Some(doctor) = doctor_id {
                if !$doctors.contains_key(&doctor) {
                    let row: Option<(String,)> =
                        sqlx::query_as("SELECT record FROM doctor WHERE id = $1")
                            .bind(doctor.to_string())
                            .fetch_optional(&mut *$tx)
                            .await?;
                    let record: Option<clinic_core::doctor::DoctorRecord> = row
                        .map(|(text,)| read_record("doctor", &text))
                        .transpose()?;
                    $doctors.insert(doctor, record);
                }
            }
            let doctor = doctor_id.and_then(|d| $doctors.get(&d).cloned().flatten());
            let mut changed: Vec<clinic_core::appointment::AppointmentRecord> = Vec::new();
            let mut taken_at: Option<i64> = None;
            let judged: Result<clinic_core::appointment::AppointmentRecord, Rejection> =
                match &$envelope.command {
                    Command::BookAppointment {
                        patient,
                        doctor: doctor_id,
                        start,
                        replaces,
                        ..
                    } => {
                        let patient_known = match $lookup.patient_account(patient) {
                            Some(account) => Some(account),
                            None => {
                                let row: Option<(Option<String>,)> = sqlx::query_as(
                                    "SELECT account_id FROM patient WHERE id = $1",
                                )
                                .bind(patient.to_string())
                                .fetch_optional(&mut *$tx)
                                .await?;
                                row.map(|(account,)| account.and_then(|a| a.parse().ok()))
                            }
                        };
                        let replaced: Option<clinic_core::appointment::AppointmentRecord> =
                            match replaces {
                                Some(old) => appointment_in!($tx, $appointments, &old.to_string()),
                                None => None,
                            };
                        // The doctor's slot-holding times around the start (a day and a half
                        // either side covers the local day and the buffer).
                        let mut busy = Vec::new();
                        let known = match start {
                            Some(start) => $busy.around(
                                *doctor_id,
                                millis(*start) - AROUND_MS,
                                millis(*start) + AROUND_MS,
                                replaces.map(|r| r.to_string()).as_deref(),
                            )?,
                            None => None,
                        };
                        if let Some(known) = known {
                            busy = known;
                        } else if let Some(start) = start {
                            let around = chrono::Duration::milliseconds(AROUND_MS);
                            let rows: Vec<(String, i64, i64)> = sqlx::query_as(concat!(
                                "SELECT id, slot_start, slot_end FROM appointment
                                 WHERE doctor_id = $1 AND slot_start >= $2 AND slot_start < $3
                                   AND status IN ",
                                $crate::schedule::slot_holding!()
                            ))
                            .bind(doctor_id.to_string())
                            .bind(millis(*start - around))
                            .bind(millis(*start + around))
                            .fetch_all(&mut *$tx)
                            .await?;
                            for (holder, s, e) in rows {
                                if replaces.is_some_and(|r| r.to_string() == holder) {
                                    continue;
                                }
                                busy.push(clinic_core::availability::Busy {
                                    doctor: *doctor_id,
                                    start: from_millis(s)?,
                                    end: from_millis(e)?,
                                });
                            }
                        }
                        // A doctor books only follow-ups: whether they treat the patient already.
                        let booker_treats = match $batch.actor() {
                            clinic_core::Actor::User { id: booker, role: clinic_core::Role::Doctor } => {
                                flush_bookings!($tx, $pending, $batch.at);
                                let rows: Vec<(String,)> = sqlx::query_as(
                                    "SELECT record FROM appointment WHERE doctor_id = $1 AND patient_id = $2",
                                )
                                .bind(booker.to_string())
                                .bind(patient.to_string())
                                .fetch_all(&mut *$tx)
                                .await?;
                                let mut theirs = Vec::with_capacity(rows.len());
                                for (text,) in rows {
                                    theirs.push(read_record("appointment", &text)?);
                                }
                                clinic_core::care::treats(booker, &theirs)
                            }
                            _ => false,
                        };
                        let facts = clinic_core::booking::BookingFacts {
                            patient: patient_known,
                            doctor: doctor.as_ref(),
                            appointment_exists: stored.is_some(),
                            replaced: replaced.as_ref(),
                            busy: &busy,
                            booker_treats,
                        };
                        match clinic_core::booking::judge_booking($batch.actor(), &$envelope, &facts, tz, now) {
                            Err(mut rejection) => {
                                if !rejection.alternatives.is_empty() {
                                    // The offers were worked out from the bookings around the
                                    // start only: look again with two weeks of bookings.
                                    if let (Some(start), Some(d)) = (start, doctor.as_ref()) {
                                        flush_bookings!($tx, $pending, $batch.at);
                                        let from = (*start).max(now);
                                        let rows: Vec<(i64, i64)> = sqlx::query_as(concat!(
                                            "SELECT slot_start, slot_end FROM appointment
                                             WHERE doctor_id = $1 AND slot_start >= $2
                                               AND slot_start < $3 AND status IN ",
                                            $crate::schedule::slot_holding!()
                                        ))
                                        .bind(doctor_id.to_string())
                                        .bind(millis(from - chrono::Duration::days(1)))
                                        .bind(millis(from + chrono::Duration::days(16)))
                                        .fetch_all(&mut *$tx)
                                        .await?;
                                        let mut wide = Vec::with_capacity(rows.len());
                                        for (s, e) in rows {
                                            wide.push(clinic_core::availability::Busy {
                                                doctor: *doctor_id,
                                                start: from_millis(s)?,
                                                end: from_millis(e)?,
                                            });
                                        }
                                        if let Some(Command::BookAppointment { consultation, .. }) =
                                            Some(&$envelope.command)
                                        {
                                            rejection.alternatives = clinic_core::booking::alternatives(
                                                &d.pattern, tz, *consultation, from, &wide, 3,
                                            );
                                        }
                                        if rejection.reason != RejectionReason::SlotTaken {
                                            return $batch.answer(
                                                &mut $lookup,
                                                &$envelope,
                                                CommandResult::Rejected(rejection),
                                            );
                                        }
                                        let holder: Option<(i64,)> = sqlx::query_as(concat!(
                                            "SELECT booked_at FROM appointment
                                             WHERE doctor_id = $1 AND slot_start = $2 AND status IN ",
                                            $crate::schedule::slot_holding!()
                                        ))
                                        .bind(doctor_id.to_string())
                                        .bind(millis(*start))
                                        .fetch_optional(&mut *$tx)
                                        .await?;
                                        taken_at = holder.map(|(t,)| t);
                                    }
                                }
                                Err(rejection)
                            }
                            Ok(mut record) => {
                                if let Some(old) = &replaced {
                                    let moved = rescheduled(old, $batch.actor(), record.history[0].at);
                                    sqlx::query(
                                        "UPDATE appointment SET status = $1, record = $2, updated_at = $3
                                         WHERE id = $4",
                                    )
                                    .bind(moved.status.as_str())
                                    .bind(write_record(&moved)?)
                                    .bind($batch.at)
                                    .bind(moved.id.to_string())
                                    .execute(&mut *$tx)
                                    .await?;
                                    $appointments.insert(moved.id.to_string(), Some(moved.clone()));
                                    $busy.written(&moved);
                                    changed.push(moved);
                                }
                                if needs_token(&record) {
                                    flush_bookings!($tx, $pending, $batch.at);
                                    record.token = Some(
                                        next_token!($tx, record.doctor, record.day),
                                    );
                                }
                                // A slot judged free against the group's copy of the doctor's
                                // bookings is written with the group's other bookings in one
                                // statement (the slot index checks them all again there).
                                // Anything else is written now, and an insert the slot index
                                // refuses is a slot taken.
                                let inserted = if record.slot.is_some() && replaced.is_none() {
                                    $pending.push(record.clone());
                                    true
                                } else {
                                sqlx::query(
                                    "INSERT INTO appointment (id, patient_id, doctor_id, status,
                                       slot_start, slot_end, local_day, token, record, booked_at,
                                       updated_at)
                                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                                     ON CONFLICT DO NOTHING",
                                )
                                .bind(record.id.to_string())
                                .bind(record.patient.to_string())
                                .bind(record.doctor.to_string())
                                .bind(record.status.as_str())
                                .bind(record.slot.map(|s| millis(s.start)))
                                .bind(record.slot.map(|s| millis(s.end)))
                                .bind(record.day.to_string())
                                .bind(record.token.map(i64::from))
                                .bind(write_record(&record)?)
                                .bind($batch.at)
                                .bind($batch.at)
                                .execute(&mut *$tx)
                                .await?
                                .rows_affected()
                                    == 1
                                };
                                if inserted {
                                    $appointments.insert(record.id.to_string(), Some(record.clone()));
                                    $busy.written(&record);
                                    changed.push(record.clone());
                                    Ok(record)
                                } else {
                                    // Undo the move of the replaced appointment, if any: it
                                    // keeps its slot when the new one cannot be had.
                                    if let Some(old) = &replaced {
                                        sqlx::query(
                                            "UPDATE appointment SET status = $1, record = $2
                                             WHERE id = $3",
                                        )
                                        .bind(old.status.as_str())
                                        .bind(write_record(old)?)
                                        .bind(old.id.to_string())
                                        .execute(&mut *$tx)
                                        .await?;
                                        $appointments.insert(old.id.to_string(), Some(old.clone()));
                                        $busy.written(old);
                                        changed.clear();
                                    }
                                    Err(Rejection::new(RejectionReason::SlotTaken, vec![]))
                                }
                            }
                        }
                    }
                    Command::StepAppointment { .. } => {
                        let account = match &stored {
                            Some(record) => match $lookup.patient_account(&record.patient) {
                                Some(account) => account,
                                None => {
                                    let row: Option<(Option<String>,)> = sqlx::query_as(
                                        "SELECT account_id FROM patient WHERE id = $1",
                                    )
                                    .bind(record.patient.to_string())
                                    .fetch_optional(&mut *$tx)
                                    .await?;
                                    row.and_then(|(a,)| a).and_then(|a| a.parse().ok())
                                }
                            },
                            None => None,
                        };
                        match clinic_core::appointment::judge_step($batch.actor(), &$envelope, stored.as_ref(), account, now) {
                            Err(rejection) => Err(rejection),
                            Ok(mut record) => {
                                if needs_token(&record) {
                                    record.token = Some(
                                        next_token!($tx, record.doctor, record.day),
                                    );
                                }
                                sqlx::query(
                                    "UPDATE appointment SET status = $1, token = $2, record = $3,
                                       updated_at = $4
                                     WHERE id = $5",
                                )
                                .bind(record.status.as_str())
                                .bind(record.token.map(i64::from))
                                .bind(write_record(&record)?)
                                .bind($batch.at)
                                .bind(record.id.to_string())
                                .execute(&mut *$tx)
                                .await?;
                                $appointments.insert(record.id.to_string(), Some(record.clone()));
                                $busy.written(&record);
                                changed.push(record.clone());
                                Ok(record)
                            }
                        }
                    }
                    _ => Err(Rejection::new(RejectionReason::Malformed, vec![])),
                };
            let result = match judged {
                Err(mut rejection) => {
                    rejection.taken_at = taken_at.map(from_millis).transpose()?;
                    CommandResult::Rejected(rejection)
                }
                Ok(_) => {
                    let mut seq = 0;
                    for record in &changed {
                        if record.status == clinic_core::appointment::Status::Confirmed
                            && record.consultation
                                == clinic_core::availability::ConsultationType::Video
                        {
                            $batch.meetings.push(record.id.to_string());
                        }
                        seq = $batch.append(
                            record.patient.to_string(),
                            write_record(&ChangeBody::Appointment(record.clone()))?,
                            $envelope.id.to_string(),
                        );
                    }
                    CommandResult::Applied { seq: seq as u64 }
                }
            };
            $batch.answer(&mut $lookup, &$envelope, result)
        }
        .await
    };
}
pub(crate) use schedule_command;

/// Judge and gather one `SendMessage` inside `apply_pushes`'s transaction (written with the
/// group). Expands to an expression of type `Result<CommandOutcome, StorageError>`.
macro_rules! message_command {
    ($tx:ident, $batch:ident, $lookup:ident, $envelope:ident, $appointments:ident, $now:expr, $desk_allowed:expr) => {
        async {
            use clinic_core::sync::{ChangeBody, Command, CommandResult};
            use $crate::schedule::*;
            if let Some(outcome) = $batch.answered_before(&$lookup, &$envelope) {
                return Ok::<_, StorageError>(outcome);
            }
            let id = match &$envelope.command {
                Command::SendMessage { appointment, .. } => appointment.to_string(),
                _ => String::new(),
            };
            let appointment = appointment_in!($tx, $appointments, &id);
            let account = match &appointment {
                Some(a) => match $lookup.patient_account(&a.patient) {
                    Some(account) => account,
                    None => {
                        let row: Option<(Option<String>,)> =
                            sqlx::query_as("SELECT account_id FROM patient WHERE id = $1")
                                .bind(a.patient.to_string())
                                .fetch_optional(&mut *$tx)
                                .await?;
                        row.and_then(|(a,)| a).and_then(|a| a.parse().ok())
                    }
                },
                None => None,
            };
            let attachment = match &$envelope.command {
                Command::SendMessage {
                    attachment: Some(file),
                    ..
                } => {
                    let row: Option<(String,)> =
                        sqlx::query_as("SELECT record FROM attachment WHERE id = $1")
                            .bind(file.to_string())
                            .fetch_optional(&mut *$tx)
                            .await?;
                    row.map(|(text,)| read_record("attachment", &text))
                        .transpose()?
                }
                _ => None,
            };
            let result = match clinic_core::chat::judge_message(
                $batch.actor(),
                &$envelope,
                appointment.as_ref(),
                account,
                attachment,
                $desk_allowed,
                $now,
            ) {
                Err(rejection) => CommandResult::Rejected(rejection),
                Ok(message) => {
                    let seq = $batch.append_for(
                        message.patient.to_string(),
                        write_record(&ChangeBody::Message(message.clone()))?,
                        $envelope.id.to_string(),
                        Some(if $desk_allowed {
                            format!("desk:{}", message.doctor)
                        } else {
                            message.doctor.to_string()
                        }),
                    );
                    $batch.messages.push(message);
                    CommandResult::Applied { seq: seq as u64 }
                }
            };
            $batch.answer(&mut $lookup, &$envelope, result)
        }
        .await
    };
}
pub(crate) use message_command;

/// Write the bookings a group judged free, in one statement per few hundred. The slot index
/// has the last word: a booking it refuses here means the group's copy of the book was wrong,
/// and the whole group is undone (nothing is answered; the devices push again).
macro_rules! flush_bookings {
    ($tx:ident, $pending:ident, $at:expr) => {
        if !$pending.is_empty() {
            for chunk in $pending.chunks(250) {
                let texts = chunk
                    .iter()
                    .map($crate::schedule::write_record)
                    .collect::<Result<Vec<_>, _>>()?;
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO appointment (id, patient_id, doctor_id, status, slot_start,
                       slot_end, local_day, token, record, booked_at, updated_at) ",
                );
                q.push_values(chunk.iter().zip(texts), |mut row, (record, text)| {
                    row.push_bind(record.id.to_string())
                        .push_bind(record.patient.to_string())
                        .push_bind(record.doctor.to_string())
                        .push_bind(record.status.as_str())
                        .push_bind(record.slot.map(|s| $crate::schedule::millis(s.start)))
                        .push_bind(record.slot.map(|s| $crate::schedule::millis(s.end)))
                        .push_bind(record.day.to_string())
                        .push_bind(record.token.map(i64::from))
                        .push_bind(text)
                        .push_bind($at)
                        .push_bind($at);
                });
                q.push(" ON CONFLICT DO NOTHING RETURNING id");
                let written = q.build_query_as::<(String,)>().fetch_all(&mut *$tx).await?;
                if written.len() != chunk.len() {
                    return Err(StorageError::Invariant(format!(
                        "{} of {} bookings judged free were refused by the slot index",
                        chunk.len() - written.len(),
                        chunk.len()
                    )));
                }
            }
            $pending.clear();
        }
    };
}
pub(crate) use flush_bookings;

/// An appointment as the group knows it: from the group's copy (read with the group and kept
/// current by its writes), else from the database (and kept).
macro_rules! appointment_in {
    ($tx:ident, $appointments:ident, $id:expr) => {{
        let id: &str = $id;
        match $appointments.get(id) {
            Some(known) => known.clone(),
            None => {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT record FROM appointment WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *$tx)
                        .await?;
                let record: Option<clinic_core::appointment::AppointmentRecord> = row
                    .map(|(text,)| $crate::schedule::read_record("appointment", &text))
                    .transpose()?;
                $appointments.insert(id.to_owned(), record.clone());
                record
            }
        }
    }};
}
pub(crate) use appointment_in;

/// The next token in a doctor's queue for a day (inside the push's transaction).
macro_rules! next_token {
    ($tx:ident, $doctor:expr, $day:expr) => {{
        let (last,): (Option<i64>,) = sqlx::query_as(
            "SELECT MAX(token) FROM appointment WHERE doctor_id = $1 AND local_day = $2",
        )
        .bind($doctor.to_string())
        .bind($day.to_string())
        .fetch_one(&mut *$tx)
        .await?;
        u32::try_from(last.unwrap_or(0) + 1).unwrap_or(u32::MAX)
    }};
}
pub(crate) use next_token;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slot_index_lists_exactly_the_statuses_that_hold_a_slot() {
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
            let listed = slot_holding!().contains(&format!("'{}'", status.as_str()));
            assert_eq!(listed, status.holds_slot(), "{status:?}");
        }
        for sql in [
            include_str!("../../migrations/server/sqlite/0003_doctors_and_appointments.sql"),
            include_str!("../../migrations/server/postgres/0003_doctors_and_appointments.sql"),
        ] {
            let predicate = sql.split("WHERE status IN ").nth(1).unwrap();
            assert!(predicate.starts_with(slot_holding!()), "{predicate}");
        }
    }
}
