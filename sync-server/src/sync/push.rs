//! A group of pushes being judged: what the group knows (read once, kept current by its own
//! writes) and what it will write (gathered, so each table is written in a few statements).
//! Judging is the core's; the SQL that reads the facts and writes the result is in
//! `storage/sql/push.rs`.

use chrono::{DateTime, Utc};
use clinic_core::appointment::{AppointmentRecord, Status};
use clinic_core::availability::Busy;
use clinic_core::sync::{
    CommandEnvelope, CommandOutcome, CommandResult, PatientRecord, Rejection, RejectionReason,
};
use clinic_core::{Actor, CommandId, PatientId, UserId};

use crate::storage::{encode_body, from_millis, millis, StorageError};

/// What one push's commands need to know from the database, read once per batch and kept up to
/// date as the batch's own commands are judged (a registration and an edit of the same patient
/// may arrive together).
#[derive(Default)]
pub(crate) struct BatchLookup {
    /// Commands answered before: the account that pushed each, and its answer.
    answered: std::collections::HashMap<CommandId, (String, CommandResult)>,
    /// Registered patients: number and account.
    patients: std::collections::HashMap<PatientId, (String, Option<UserId>)>,
    /// Patient numbers in use, and by whom.
    numbers: std::collections::HashMap<String, PatientId>,
}

impl BatchLookup {
    pub(crate) fn answered(
        &mut self,
        id: &str,
        account: String,
        outcome: &str,
    ) -> Result<(), StorageError> {
        let id = id
            .parse()
            .map_err(|_| StorageError::Corrupt(format!("command id {id:?}")))?;
        let result = serde_json::from_str(outcome)
            .map_err(|e| StorageError::Corrupt(format!("command outcome: {e}")))?;
        self.answered.insert(id, (account, result));
        Ok(())
    }

    pub(crate) fn patient(
        &mut self,
        (id, number, account): (String, String, Option<String>),
    ) -> Result<(), StorageError> {
        let id = id
            .parse()
            .map_err(|_| StorageError::Corrupt(format!("patient id {id:?}")))?;
        let account = account.and_then(|a| a.parse().ok());
        self.numbers.insert(number.clone(), id);
        self.patients.insert(id, (number, account));
        Ok(())
    }

    /// `Some(account)` when the patient is known to this push (registered before or in it).
    pub(crate) fn patient_account(&self, patient: &PatientId) -> Option<Option<UserId>> {
        self.patients.get(patient).map(|(_, account)| *account)
    }

    pub(crate) fn number(&mut self, number: String, id: &str) -> Result<(), StorageError> {
        let id = id
            .parse()
            .map_err(|_| StorageError::Corrupt(format!("patient id {id:?}")))?;
        self.numbers.insert(number, id);
        Ok(())
    }
}

/// The writes one push makes, gathered so each table is written in a few statements.
pub(crate) struct BatchWrites {
    pub seq: i64,
    pub at: i64,
    today: chrono::NaiveDate,
    actor: Actor,
    /// The desk code of the device the current push came from.
    desk_code: Option<u32>,
    /// The current push is the server's own, on the payment provider's confirmed word.
    from_provider: bool,
    pub actor_id: String,
    /// The final record of each patient the batch changed, in first-touched order.
    pub patients: Vec<PatientRecord>,
    patient_index: std::collections::HashMap<PatientId, usize>,
    /// (seq, patient id, body, command id, audience: the one staff account that may pull it)
    pub changes: Vec<(i64, String, String, String, Option<String>)>,
    /// Messages the group took, written at its end.
    pub messages: Vec<clinic_core::chat::MessageRecord>,
    /// (command id, the account that pushed it, outcome)
    pub answers: Vec<(String, String, String)>,
    /// Patients with accounts whose name changed: the account's display name follows.
    pub renamed_accounts: Vec<(String, String)>,
    /// Video appointments confirmed by the group: each gets its meeting room.
    pub meetings: Vec<String>,
}

impl BatchWrites {
    pub(crate) fn new(seq: i64, now: chrono::DateTime<chrono::Utc>, actor: Actor) -> Self {
        let actor_id = match actor {
            Actor::User { id, .. } | Actor::UnrecognisedRole { id } => id.to_string(),
            Actor::Anonymous => String::new(),
        };
        BatchWrites {
            seq,
            at: now.timestamp_millis(),
            // A desk's "today" may run ahead of the server's UTC date (Dhaka is UTC+6): a
            // newborn registered just after local midnight is not "born in the future".
            today: now.date_naive() + chrono::Days::new(1),
            actor,
            desk_code: None,
            from_provider: false,
            actor_id,
            patients: Vec::new(),
            patient_index: Default::default(),
            changes: Vec::new(),
            answers: Vec::new(),
            renamed_accounts: Vec::new(),
            meetings: Vec::new(),
            messages: Vec::new(),
        }
    }

    pub(crate) fn actor(&self) -> Actor {
        self.actor
    }

    /// The desk code of the device the current push came from.
    pub(crate) fn desk_code(&self) -> Option<u32> {
        self.desk_code
    }

    /// Whether the current push is the server's own, on the payment provider's word.
    pub(crate) fn is_provider(&self) -> bool {
        self.from_provider
    }

    /// The next push of the group is judged as its own user's (and its desk's).
    pub(crate) fn set_pusher(&mut self, pusher: crate::sync::queue::Pusher) {
        let actor = pusher.actor;
        self.desk_code = pusher.desk_code;
        self.from_provider = pusher.provider;
        self.actor = actor;
        self.actor_id = match actor {
            Actor::User { id, .. } | Actor::UnrecognisedRole { id } => id.to_string(),
            Actor::Anonymous => String::new(),
        };
    }

    /// The answer given when this command was pushed before by the same account. A command id
    /// another account pushed is refused, and that account's answer is never told.
    pub(crate) fn answered_before(
        &self,
        lookup: &BatchLookup,
        envelope: &CommandEnvelope,
    ) -> Option<CommandOutcome> {
        lookup
            .answered
            .get(&envelope.id)
            .map(|(account, result)| CommandOutcome {
                id: Some(envelope.id),
                result: if *account == self.actor_id {
                    result.clone()
                } else {
                    CommandResult::Rejected(Rejection::new(RejectionReason::Forbidden, vec![]))
                },
            })
    }

    /// Record the answer to a command (written with the batch, given again if it is repeated).
    pub(crate) fn answer(
        &mut self,
        lookup: &mut BatchLookup,
        envelope: &CommandEnvelope,
        result: CommandResult,
    ) -> Result<CommandOutcome, StorageError> {
        let text =
            serde_json::to_string(&result).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        self.answers
            .push((envelope.id.to_string(), self.actor_id.clone(), text));
        lookup
            .answered
            .insert(envelope.id, (self.actor_id.clone(), result.clone()));
        Ok(CommandOutcome {
            id: Some(envelope.id),
            result,
        })
    }

    /// The appointments a command changed: each gets its change-log entry, and a video
    /// appointment confirmed gets its meeting room. The command's answer.
    pub(crate) fn appointments_changed(
        &mut self,
        envelope: &CommandEnvelope,
        changed: &[AppointmentRecord],
    ) -> Result<CommandResult, StorageError> {
        let mut seq = 0;
        for record in changed {
            if record.status == Status::Confirmed
                && record.consultation == clinic_core::availability::ConsultationType::Video
            {
                self.meetings.push(record.id.to_string());
            }
            seq = self.append(
                record.patient.to_string(),
                crate::storage::write_record(&clinic_core::sync::ChangeBody::Appointment(
                    record.clone(),
                ))?,
                envelope.id.to_string(),
            );
        }
        Ok(CommandResult::Applied { seq: seq as u64 })
    }

    /// Add a change-log entry about `patient` (the next sequence number, which it returns).
    pub(crate) fn append(&mut self, patient: String, body: String, command: String) -> i64 {
        self.append_for(patient, body, command, None)
    }

    /// Add a change-log entry that, among staff, only `audience` may pull (clinical content).
    pub(crate) fn append_for(
        &mut self,
        patient: String,
        body: String,
        command: String,
        audience: Option<String>,
    ) -> i64 {
        self.seq += 1;
        self.changes
            .push((self.seq, patient, body, command, audience));
        self.seq
    }

    /// One registry command, judged by the core's `judge_registration`, with its writes gathered;
    /// a command answered before gets that answer.
    pub(crate) fn take_registry_command(
        &mut self,
        lookup: &mut BatchLookup,
        envelope: &CommandEnvelope,
    ) -> Result<CommandOutcome, StorageError> {
        if let Some(outcome) = self.answered_before(lookup, envelope) {
            return Ok(outcome);
        }
        let Some(patient) = envelope.command.patient() else {
            return self.answer(
                lookup,
                envelope,
                CommandResult::Rejected(Rejection::new(RejectionReason::Malformed, vec![])),
            );
        };
        let known = lookup.patients.get(&patient).cloned();
        let number_owner = match &envelope.command {
            clinic_core::sync::Command::RegisterPatient { patient_number, .. } => {
                lookup.numbers.get(patient_number).copied()
            }
            _ => None,
        };
        let existing = clinic_core::registry::RegistryFacts {
            patient: known.as_ref().map(|(_, account)| *account),
            number_owner,
        };
        let result = match clinic_core::registry::judge_registration(
            self.actor,
            self.desk_code,
            envelope,
            &existing,
            self.today,
        ) {
            Err(rejection) => CommandResult::Rejected(rejection),
            Ok(mut record) => {
                if let Some((number, account)) = &known {
                    record.patient_number = number.clone();
                    record.account = *account;
                    if let Some(account) = account {
                        self.renamed_accounts
                            .push((account.to_string(), record.demographics.full_name.clone()));
                    }
                }
                lookup
                    .numbers
                    .insert(record.patient_number.clone(), record.id);
                lookup
                    .patients
                    .insert(record.id, (record.patient_number.clone(), record.account));
                let seq = self.append(
                    record.id.to_string(),
                    encode_body(&record)?,
                    envelope.id.to_string(),
                );
                match self.patient_index.get(&record.id) {
                    Some(&i) => self.patients[i] = record,
                    None => {
                        self.patient_index.insert(record.id, self.patients.len());
                        self.patients.push(record);
                    }
                }
                CommandResult::Applied { seq: seq as u64 }
            }
        };
        self.answer(lookup, envelope, result)
    }
}

/// The record of an appointment moved by a replacement: it ends `rescheduled`.
fn rescheduled(old: &AppointmentRecord, by: Actor, at: DateTime<Utc>) -> AppointmentRecord {
    old.clone().moved_to(
        Status::Rescheduled,
        at,
        by.user().unwrap_or(old.doctor),
        None,
    )
}

/// Whether the step just taken put the patient in the queue (and so needs a token).
fn needs_token(record: &AppointmentRecord) -> bool {
    record.status == Status::CheckedIn && record.token.is_none()
}

/// How a booking judged by the core is to be written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Booking {
    /// The new appointment.
    pub record: AppointmentRecord,
    /// The appointment it replaces, as it ends (`rescheduled`).
    pub moved: Option<AppointmentRecord>,
    /// It puts the patient in the queue at once (a walk-in): it takes the next token.
    pub needs_token: bool,
    /// A slot judged free against the group's copy of the book: written with the group's other
    /// bookings in one statement (where the slot index checks them all again). Anything else is
    /// written at once.
    pub with_group: bool,
}

/// What becomes of a booking.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BookingPlan {
    Refuse(Rejection),
    /// Refused with other slots offered: the offers were worked out from the bookings around
    /// the start only, and are to be worked out again from two weeks of bookings.
    RefuseWithOffers(Rejection),
    Book(Box<Booking>),
}

/// Plan a booking from its facts: the core's `judge_booking` decides, this says what to write.
pub(crate) fn plan_booking(
    actor: Actor,
    envelope: &CommandEnvelope,
    facts: &clinic_core::booking::BookingFacts<'_>,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> BookingPlan {
    match clinic_core::booking::judge_booking(actor, envelope, facts, tz, now) {
        Err(rejection) if rejection.alternatives.is_empty() => BookingPlan::Refuse(rejection),
        Err(rejection) => BookingPlan::RefuseWithOffers(rejection),
        Ok(record) => BookingPlan::Book(Box::new(Booking {
            moved: facts
                .replaced
                .map(|old| rescheduled(old, actor, record.history[0].at)),
            needs_token: needs_token(&record),
            with_group: record.slot.is_some() && facts.replaced.is_none(),
            record,
        })),
    }
}

/// A lifecycle step judged by the core, and whether it takes a token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub record: AppointmentRecord,
    pub needs_token: bool,
}

/// Plan a lifecycle step: the core's `judge_step` decides.
pub(crate) fn plan_step(
    actor: Actor,
    envelope: &CommandEnvelope,
    stored: Option<&AppointmentRecord>,
    patient_account: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<Step, Rejection> {
    let record =
        clinic_core::appointment::judge_step(actor, envelope, stored, patient_account, now)?;
    Ok(Step {
        needs_token: needs_token(&record),
        record,
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use clinic_core::appointment::Origin;
    use clinic_core::availability::ConsultationType;
    use clinic_core::booking::BookingFacts;
    use clinic_core::sync::Command;
    use clinic_core::{AppointmentId, Role};

    fn id(n: u128) -> uuid::Uuid {
        uuid::Uuid::from_u128(n)
    }

    fn desk() -> Actor {
        Actor::User {
            id: UserId::from_uuid(id(1)),
            role: Role::FrontDesk,
        }
    }

    fn booking(origin: Origin, start: Option<&str>, replaces: Option<u128>) -> CommandEnvelope {
        CommandEnvelope::new(
            CommandId::from_uuid(id(99)),
            "2026-11-30T02:00:00Z".parse().unwrap(),
            UserId::from_uuid(id(1)),
            Command::BookAppointment {
                appointment: AppointmentId::from_uuid(id(50)),
                patient: PatientId::from_uuid(id(20)),
                doctor: UserId::from_uuid(id(10)),
                consultation: ConsultationType::InPerson,
                origin,
                start: start.map(|s| s.parse().unwrap()),
                reason: None,
                replaces: replaces.map(|r| AppointmentId::from_uuid(id(r))),
            },
        )
    }

    // Monday 2026-11-30; Dr. Rahman (the first demo doctor) works 09:00–13:00 Dhaka (03:00 UTC).
    const NINE_FIFTEEN: &str = "2026-11-30T03:15:00Z";

    fn plan(
        envelope: &CommandEnvelope,
        replaced: Option<&AppointmentRecord>,
        busy: &[Busy],
    ) -> BookingPlan {
        let doctor = clinic_core::demo::DOCTORS[0].record(UserId::from_uuid(id(10)));
        let facts = BookingFacts {
            patient: Some(None),
            doctor: Some(&doctor),
            appointment_exists: false,
            replaced,
            busy,
            booker_treats: false,
        };
        let now = "2026-11-30T02:00:00Z".parse().unwrap();
        plan_booking(desk(), envelope, &facts, chrono_tz::Asia::Dhaka, now)
    }

    fn booked(plan: BookingPlan) -> Booking {
        match plan {
            BookingPlan::Book(booking) => *booking,
            other => panic!("a booking: {other:?}"),
        }
    }

    #[test]
    fn a_free_slot_is_written_with_the_group_and_a_walk_in_at_once_with_a_token() {
        let slot = booked(plan(
            &booking(Origin::Booked, Some(NINE_FIFTEEN), None),
            None,
            &[],
        ));
        assert_eq!(slot.record.status, Status::Confirmed);
        assert!(slot.with_group && !slot.needs_token && slot.moved.is_none());

        let walk_in = booked(plan(&booking(Origin::WalkIn, None, None), None, &[]));
        assert_eq!(walk_in.record.status, Status::CheckedIn);
        assert!(walk_in.needs_token, "a walk-in joins the queue at once");
        assert!(
            !walk_in.with_group,
            "no slot to write with the group's bookings"
        );
    }

    #[test]
    fn a_replacement_moves_the_old_appointment_and_is_written_at_once() {
        let first = booked(plan(
            &booking(Origin::Booked, Some(NINE_FIFTEEN), None),
            None,
            &[],
        ));
        let mut old = first.record;
        old.id = AppointmentId::from_uuid(id(51));
        let replacement = booking(Origin::Booked, Some("2026-11-30T04:00:00Z"), Some(51));
        let moved = booked(plan(&replacement, Some(&old), &[]));
        let ended = moved.moved.expect("the replaced appointment moves");
        assert_eq!((ended.id, ended.status), (old.id, Status::Rescheduled));
        assert!(
            !moved.with_group,
            "a move and its booking are written together, now"
        );
    }

    #[test]
    fn a_taken_slot_is_refused_with_offers_to_widen_and_an_unknown_doctor_without() {
        let doctor = UserId::from_uuid(id(10));
        let start: DateTime<Utc> = NINE_FIFTEEN.parse().unwrap();
        let busy = [Busy {
            doctor,
            start,
            end: start + chrono::Duration::minutes(15),
        }];
        match plan(
            &booking(Origin::Booked, Some(NINE_FIFTEEN), None),
            None,
            &busy,
        ) {
            BookingPlan::RefuseWithOffers(rejection) => {
                assert_eq!(rejection.reason, RejectionReason::SlotTaken);
                assert!(!rejection.alternatives.is_empty());
            }
            other => panic!("refused with offers: {other:?}"),
        }
        let facts = BookingFacts {
            patient: Some(None),
            doctor: None,
            appointment_exists: false,
            replaced: None,
            busy: &[],
            booker_treats: false,
        };
        let now = "2026-11-30T02:00:00Z".parse().unwrap();
        let envelope = booking(Origin::Booked, Some(NINE_FIFTEEN), None);
        let unknown = plan_booking(desk(), &envelope, &facts, chrono_tz::Asia::Dhaka, now);
        assert!(
            matches!(&unknown, BookingPlan::Refuse(r) if r.reason == RejectionReason::UnknownDoctor),
            "{unknown:?}"
        );
    }
}
