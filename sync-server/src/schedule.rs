//! The appointment book on the server: bookings and lifecycle steps judged by the core's rules,
//! written in the push's transaction (which holds the change-log head, so bookings are judged one
//! after another), with the database's partial unique index as the last word on a slot.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use clinic_core::account::{FieldError, FieldProblem};
use clinic_core::appointment::{Appointment, AppointmentRecord, Status, StepRefused};
use clinic_core::availability::Busy;
use clinic_core::booking::{alternatives, check_booking};
use clinic_core::doctor::DoctorRecord;
use clinic_core::sync::{Command, CommandEnvelope, Rejection, RejectionReason};
use clinic_core::{decide, Action, Actor, Role, UserId};

use crate::storage::StorageError;

/// The statuses that hold a slot, as the index's predicate lists them (a macro, so queries stay
/// string literals). Must match `clinic_core::appointment::Status::holds_slot`.
macro_rules! slot_holding {
    () => {
        "('requested', 'confirmed', 'checked_in', 'in_consultation')"
    };
}
pub(crate) use slot_holding;
/// How many other slots a refused booking offers.
const ALTERNATIVES: usize = 3;

/// What the database holds about a booking, read in the push's transaction.
pub(crate) struct BookingFacts<'a> {
    /// `Some(account)` when the patient is registered (with their own account, if any).
    pub patient: Option<Option<UserId>>,
    pub doctor: Option<&'a DoctorRecord>,
    pub appointment_exists: bool,
    /// The appointment this booking moves, with its patient's account.
    pub replaced: Option<&'a AppointmentRecord>,
    /// The doctor's slot-holding appointments around the start (the replaced one left out).
    pub busy: &'a [Busy],
    /// When a doctor books: whether they already treat the patient ([`clinic_core::care`]).
    pub booker_treats: bool,
}

fn role_of(actor: Actor) -> Option<Role> {
    match actor {
        Actor::User { role, .. } => Some(role),
        _ => None,
    }
}

fn actor_id(actor: Actor) -> Option<UserId> {
    match actor {
        Actor::User { id, .. } | Actor::UnrecognisedRole { id } => Some(id),
        Actor::Anonymous => None,
    }
}

fn refuse(reason: RejectionReason) -> Rejection {
    Rejection::new(reason, vec![])
}

/// When a command counts as made ([`clinic_core::sync::made_at`]).
pub(crate) fn made_at(
    actor: Actor,
    envelope: &CommandEnvelope,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    clinic_core::sync::made_at(role_of(actor), envelope.issued_at, now)
}

const REASON_MAX_CHARS: usize = 500;

fn check_reason(reason: &Option<String>) -> Result<(), Rejection> {
    use clinic_core::account::{FieldError, FieldProblem};
    match reason {
        Some(r) if r.chars().any(|c| c.is_control() && c != '\n') => Err(Rejection::new(
            RejectionReason::Invalid,
            vec![FieldError::new("reason", FieldProblem::InvalidCharacters)],
        )),
        Some(r) if r.chars().count() > REASON_MAX_CHARS => Err(Rejection::new(
            RejectionReason::Invalid,
            vec![FieldError::new(
                "reason",
                FieldProblem::TooLong {
                    max: REASON_MAX_CHARS,
                },
            )],
        )),
        _ => Ok(()),
    }
}

/// Judge a `BookAppointment`. `Ok` is the appointment to write (its token, for a walk-in, is
/// the caller's to give).
pub(crate) fn judge_booking(
    actor: Actor,
    envelope: &CommandEnvelope,
    facts: &BookingFacts<'_>,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<AppointmentRecord, Rejection> {
    let Command::BookAppointment {
        patient,
        doctor,
        consultation,
        origin,
        start,
        reason,
        replaces,
        ..
    } = &envelope.command
    else {
        return Err(refuse(RejectionReason::Malformed));
    };
    // The policy first: a patient probing ids hears "not allowed", never "unknown".
    decide(
        actor,
        Action::BookAppointment {
            origin: *origin,
            patient_account: facts.patient.flatten(),
            doctor: *doctor,
            booker_treats: facts.booker_treats,
        },
    )
    .map_err(|_| refuse(RejectionReason::Forbidden))?;
    let (Some(role), Some(by)) = (role_of(actor), actor_id(actor)) else {
        return Err(refuse(RejectionReason::Forbidden));
    };
    check_reason(reason)?;
    if facts.patient.is_none() {
        return Err(refuse(RejectionReason::UnknownPatient));
    }
    if facts.appointment_exists {
        return Err(refuse(RejectionReason::AlreadyBooked));
    }
    let record = facts.doctor.ok_or(refuse(RejectionReason::UnknownDoctor))?;
    if !record.verification.is_verified() {
        return Err(refuse(RejectionReason::DoctorNotVerified));
    }
    let at = made_at(actor, envelope, now);
    if let Some(old) = replaces {
        let old = facts
            .replaced
            .filter(|r| r.id == *old && r.patient == *patient)
            .ok_or(refuse(RejectionReason::UnknownAppointment))?;
        step_refusal(
            Appointment { status: old.status }
                .apply(clinic_core::appointment::Step::Reschedule, role),
        )?;
    }
    let (slot, day) = match (origin, start) {
        (clinic_core::appointment::Origin::WalkIn, _) => (None, at.with_timezone(&tz).date_naive()),
        (_, None) => {
            return Err(Rejection::new(
                RejectionReason::Invalid,
                vec![clinic_core::account::FieldError::new(
                    "start",
                    clinic_core::account::FieldProblem::Required,
                )],
            ))
        }
        (_, Some(start)) => {
            let slot = check_booking(&record.pattern, tz, *consultation, *start, at, facts.busy)
                .map_err(|problem| {
                    Rejection::new(problem.into(), vec![]).with_alternatives(alternatives(
                        &record.pattern,
                        tz,
                        *consultation,
                        (*start).max(now),
                        facts.busy,
                        ALTERNATIVES,
                    ))
                })?;
            (Some(slot), start.with_timezone(&tz).date_naive())
        }
    };
    envelope
        .command
        .booked_record(slot, day, at, by)
        .ok_or_else(|| refuse(RejectionReason::Malformed))
}

fn step_refusal<T>(result: Result<T, StepRefused>) -> Result<T, Rejection> {
    result.map_err(|refused| match refused {
        StepRefused::NotYourStep => refuse(RejectionReason::Forbidden),
        other => Rejection::explained(RejectionReason::StepNotPossible, other.to_string()),
    })
}

/// Judge a `StepAppointment` on `current` (the appointment as stored; `patient_account` its
/// patient's own account). `Ok` is the appointment after the step.
pub(crate) fn judge_step(
    actor: Actor,
    envelope: &CommandEnvelope,
    current: Option<&AppointmentRecord>,
    patient_account: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<AppointmentRecord, Rejection> {
    let Command::StepAppointment { step, reason, .. } = &envelope.command else {
        return Err(refuse(RejectionReason::Malformed));
    };
    let Some(current) = current else {
        return Err(match role_of(actor) {
            Some(Role::Patient) | None => refuse(RejectionReason::Forbidden),
            Some(_) => refuse(RejectionReason::UnknownAppointment),
        });
    };
    decide(
        actor,
        Action::ChangeAppointment {
            doctor: current.doctor,
            patient_account,
        },
    )
    .map_err(|_| refuse(RejectionReason::Forbidden))?;
    let (Some(role), Some(by)) = (role_of(actor), actor_id(actor)) else {
        return Err(refuse(RejectionReason::Forbidden));
    };
    check_reason(reason)?;
    if *step == clinic_core::appointment::Step::Reschedule {
        // A move is a new booking that replaces this one: the new slot is judged with it.
        return Err(Rejection::explained(
            RejectionReason::StepNotPossible,
            "To move an appointment, book the new time as a replacement.".to_owned(),
        ));
    }
    let next = step_refusal(
        Appointment {
            status: current.status,
        }
        .apply(*step, role),
    )?;
    Ok(current.clone().moved_to(
        next.status,
        made_at(actor, envelope, now),
        by,
        reason.clone(),
    ))
}

/// The record of an appointment moved by a replacement: it ends `rescheduled`.
pub(crate) fn rescheduled(
    old: &AppointmentRecord,
    by: Actor,
    at: DateTime<Utc>,
) -> AppointmentRecord {
    old.clone().moved_to(
        Status::Rescheduled,
        at,
        actor_id(by).unwrap_or(old.doctor),
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
                        let facts = BookingFacts {
                            patient: patient_known,
                            doctor: doctor.as_ref(),
                            appointment_exists: stored.is_some(),
                            replaced: replaced.as_ref(),
                            busy: &busy,
                            booker_treats,
                        };
                        match judge_booking($batch.actor(), &$envelope, &facts, tz, now) {
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
                        match judge_step($batch.actor(), &$envelope, stored.as_ref(), account, now) {
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

/// Judge a message against its appointment (as stored) and the patient's own account: the
/// appointment's doctor or its patient, an open conversation, a body within the rules. The
/// message's id is the command's; its time is when it was written (a patient's: when it
/// arrived), and when the server took it.
pub(crate) fn judge_message(
    actor: Actor,
    envelope: &CommandEnvelope,
    appointment: Option<&AppointmentRecord>,
    patient_account: Option<UserId>,
    attachment: Option<clinic_core::chat::Attachment>,
    desk_allowed: bool,
    now: DateTime<Utc>,
) -> Result<clinic_core::chat::MessageRecord, Rejection> {
    let Command::SendMessage {
        body,
        attachment: attached,
        ..
    } = &envelope.command
    else {
        return Err(refuse(RejectionReason::Malformed));
    };
    let Some(appointment) = appointment else {
        // A patient probing ids hears "not allowed", never "unknown".
        return Err(match role_of(actor) {
            Some(Role::Patient) | None => refuse(RejectionReason::Forbidden),
            Some(_) => refuse(RejectionReason::UnknownAppointment),
        });
    };
    decide(
        actor,
        Action::Converse {
            doctor: appointment.doctor,
            patient_account,
            desk_allowed,
        },
    )
    .map_err(|_| refuse(RejectionReason::Forbidden))?;
    let (Some(role), Some(from)) = (role_of(actor), actor_id(actor)) else {
        return Err(refuse(RejectionReason::Forbidden));
    };
    if !clinic_core::chat::conversation_open(appointment.status) {
        return Err(refuse(RejectionReason::ConversationClosed));
    }
    let body = clinic_core::chat::check_message(body, attached.is_some())
        .map_err(|field| Rejection::new(RejectionReason::Invalid, vec![field]))?;
    // A file goes only with a message from the person who uploaded it to this conversation.
    let attachment = match (attached, attachment) {
        (None, _) => None,
        (Some(id), Some(found))
            if found.id == *id
                && found.appointment == appointment.id
                && found.uploaded_by == from =>
        {
            Some(found)
        }
        (Some(_), _) => {
            return Err(Rejection::new(
                RejectionReason::Invalid,
                vec![FieldError::new("attachment", FieldProblem::NotAChoice)],
            ))
        }
    };
    Ok(clinic_core::chat::MessageRecord {
        id: *envelope.id.as_uuid(),
        appointment: appointment.id,
        patient: appointment.patient,
        doctor: appointment.doctor,
        from,
        from_role: role,
        body,
        attachment,
        sent_at: made_at(actor, envelope, now),
        received_at: Some(now),
    })
}

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
            let result = match judge_message(
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
    use clinic_core::appointment::{Origin, Step};
    use clinic_core::availability::ConsultationType;
    use clinic_core::{AppointmentId, CommandId, PatientId};

    fn id(n: u128) -> uuid::Uuid {
        uuid::Uuid::from_u128(n)
    }

    fn doctor_record(verified: bool) -> DoctorRecord {
        let mut record = clinic_core::demo::DOCTORS[0].record(UserId::from_uuid(id(10)));
        if !verified {
            record.verification = clinic_core::doctor::Verification::Pending;
        }
        record
    }

    fn envelope(by: u128, command: Command) -> CommandEnvelope {
        CommandEnvelope::new(
            CommandId::from_uuid(id(99)),
            "2026-11-30T02:00:00Z".parse().unwrap(),
            UserId::from_uuid(id(by)),
            command,
        )
    }

    fn book(start: &str) -> Command {
        Command::BookAppointment {
            appointment: AppointmentId::from_uuid(id(50)),
            patient: PatientId::from_uuid(id(20)),
            doctor: UserId::from_uuid(id(10)),
            consultation: ConsultationType::InPerson,
            origin: Origin::Booked,
            start: Some(start.parse().unwrap()),
            reason: None,
            replaces: None,
        }
    }

    fn desk() -> Actor {
        Actor::User {
            id: UserId::from_uuid(id(1)),
            role: Role::FrontDesk,
        }
    }

    #[test]
    fn a_booking_names_the_first_thing_that_stands_in_its_way() {
        let now: DateTime<Utc> = "2026-11-30T02:00:00Z".parse().unwrap();
        let verified = doctor_record(true);
        let pending = doctor_record(false);
        let facts = |patient, doctor| BookingFacts {
            patient,
            doctor,
            appointment_exists: false,
            replaced: None,
            busy: &[],
            booker_treats: false,
        };
        // Monday 2026-11-30 09:15 Dhaka = 03:15 UTC; Dr. Rahman works 9–13 Mon.
        let ok = envelope(1, book("2026-11-30T03:15:00Z"));
        let tz = chrono_tz::Asia::Dhaka;
        let judged = judge_booking(desk(), &ok, &facts(Some(None), Some(&verified)), tz, now);
        let record = judged.unwrap();
        assert_eq!(record.status, Status::Confirmed);
        assert_eq!(record.day.to_string(), "2026-11-30");
        let reason = |e: &CommandEnvelope, f: &BookingFacts<'_>| {
            judge_booking(desk(), e, f, tz, now).unwrap_err().reason
        };
        assert_eq!(
            reason(&ok, &facts(None, Some(&verified))),
            RejectionReason::UnknownPatient
        );
        assert_eq!(
            reason(&ok, &facts(Some(None), None)),
            RejectionReason::UnknownDoctor
        );
        assert_eq!(
            reason(&ok, &facts(Some(None), Some(&pending))),
            RejectionReason::DoctorNotVerified
        );
        let past = envelope(1, book("2026-11-30T01:00:00Z"));
        assert_eq!(
            reason(&past, &facts(Some(None), Some(&verified))),
            RejectionReason::SlotInThePast
        );
        let evening = envelope(1, book("2026-11-30T12:00:00Z"));
        let refused = judge_booking(
            desk(),
            &evening,
            &facts(Some(None), Some(&verified)),
            tz,
            now,
        )
        .unwrap_err();
        assert_eq!(refused.reason, RejectionReason::OutsideWorkingHours);
        assert_eq!(refused.alternatives.len(), 3, "offers other slots");
        // A patient booking for someone else hears "not allowed", whether or not they exist.
        let patient = Actor::User {
            id: UserId::from_uuid(id(30)),
            role: Role::Patient,
        };
        let mut request = book("2026-11-30T03:15:00Z");
        if let Command::BookAppointment { origin, .. } = &mut request {
            *origin = Origin::PatientRequest;
        }
        let request = envelope(30, request);
        for known in [None, Some(None), Some(Some(UserId::from_uuid(id(31))))] {
            assert_eq!(
                judge_booking(patient, &request, &facts(known, Some(&verified)), tz, now)
                    .unwrap_err()
                    .reason,
                RejectionReason::Forbidden
            );
        }
        let own = judge_booking(
            patient,
            &request,
            &facts(Some(Some(UserId::from_uuid(id(30)))), Some(&verified)),
            tz,
            now,
        )
        .unwrap();
        assert_eq!(own.status, Status::Requested);
    }

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

    #[test]
    fn steps_follow_the_lifecycle_and_whose_appointment_it_is() {
        let now: DateTime<Utc> = "2026-11-30T02:00:00Z".parse().unwrap();
        let verified = doctor_record(true);
        let facts = BookingFacts {
            patient: Some(None),
            doctor: Some(&verified),
            appointment_exists: false,
            replaced: None,
            busy: &[],
            booker_treats: false,
        };
        let booked = judge_booking(
            desk(),
            &envelope(1, book("2026-11-30T03:15:00Z")),
            &facts,
            chrono_tz::Asia::Dhaka,
            now,
        )
        .unwrap();
        let step = |s| {
            envelope(
                1,
                Command::StepAppointment {
                    appointment: booked.id,
                    step: s,
                    reason: Some("fever".into()),
                },
            )
        };
        let checked_in =
            judge_step(desk(), &step(Step::CheckIn), Some(&booked), None, now).unwrap();
        assert_eq!(checked_in.status, Status::CheckedIn);
        assert!(needs_token(&checked_in));
        assert_eq!(checked_in.history.len(), 2);
        let other_doctor = Actor::User {
            id: UserId::from_uuid(id(11)),
            role: Role::Doctor,
        };
        assert_eq!(
            judge_step(
                other_doctor,
                &step(Step::Start),
                Some(&checked_in),
                None,
                now
            )
            .unwrap_err()
            .reason,
            RejectionReason::Forbidden
        );
        let refused =
            judge_step(desk(), &step(Step::Complete), Some(&booked), None, now).unwrap_err();
        assert_eq!(refused.reason, RejectionReason::StepNotPossible);
        assert_eq!(
            judge_step(desk(), &step(Step::CheckIn), None, None, now)
                .unwrap_err()
                .reason,
            RejectionReason::UnknownAppointment
        );
    }
}
