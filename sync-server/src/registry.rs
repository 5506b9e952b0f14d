//! The patient registry on the server and the change log devices sync from.
//!
//! Invariant: every transaction that writes the registry locks the single `change_head` row
//! first. Appends to the change log are therefore serialised and commit in sequence order, so a
//! device that has pulled up to N can never miss a change below N that commits later.
//! Invariant: a pushed command is re-checked here with the core's rules and policy, applied with
//! its change-log entry and its recorded answer in one transaction, and answered from that record
//! when it is pushed again.

use clinic_core::account::{PatientDemographics, Sex};
use clinic_core::sync::{
    ChangeBody, CommandEnvelope, CommandOutcome, CommandResult, PatientRecord, Rejection,
    RejectionReason,
};
use clinic_core::{Actor, CommandId, PatientId, UserId};

use crate::storage::StorageError;

/// A patient row as selected by `patient_columns!()`.
pub(crate) type PatientRow = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The columns a [`PatientRow`] is read from (a macro, so queries stay string literals).
macro_rules! patient_columns {
    () => {
        "id, patient_number, account_id, full_name, sex, date_of_birth, phone, email, address, \
         emergency_contact"
    };
}
pub(crate) use patient_columns;

pub(crate) fn record_from_row(row: PatientRow) -> Result<PatientRecord, StorageError> {
    let (id, patient_number, account, full_name, sex, born, phone, email, address, emergency) = row;
    let date_of_birth = match born {
        Some(text) => Some(
            chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map_err(|_| StorageError::Corrupt(format!("date of birth {text:?}")))?,
        ),
        None => None,
    };
    Ok(PatientRecord {
        id: id
            .parse()
            .map_err(|_| StorageError::Corrupt(format!("patient id {id:?}")))?,
        patient_number,
        account: account
            .map(|a| a.parse::<UserId>())
            .transpose()
            .map_err(|_| StorageError::Corrupt("patient account id".to_owned()))?,
        demographics: PatientDemographics {
            full_name,
            sex: sex.as_deref().and_then(Sex::from_name),
            date_of_birth,
            phone,
            email,
            address,
            emergency_contact: emergency,
        },
    })
}

pub(crate) fn encode_body(record: &PatientRecord) -> Result<String, StorageError> {
    serde_json::to_string(&ChangeBody::Patient(record.clone()))
        .map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// A page of the change log as stored: each change's body is the JSON the server wrote when it
/// applied the change, passed on without decoding it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullPage {
    pub changes: Vec<(u64, String)>,
    pub cursor: u64,
    pub more: bool,
    pub restarted: bool,
}

impl PullPage {
    /// The page as a [`clinic_core::sync::PullResponse`] body: each stored body (an object) with
    /// its `seq` put first — the wire shape of a flattened `Change`.
    pub fn to_json(&self) -> String {
        let size: usize = self.changes.iter().map(|(_, b)| b.len() + 24).sum();
        let mut out = String::with_capacity(size + 64);
        out.push_str("{\"changes\":[");
        for (i, (seq, body)) in self.changes.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"seq\":");
            out.push_str(&seq.to_string());
            match body.strip_prefix('{') {
                Some(rest) if rest.trim_start().starts_with('}') => out.push_str(rest),
                Some(rest) => {
                    out.push(',');
                    out.push_str(rest);
                }
                None => out.push('}'),
            }
        }
        out.push_str("],\"cursor\":");
        out.push_str(&self.cursor.to_string());
        out.push_str(",\"more\":");
        out.push_str(if self.more { "true" } else { "false" });
        if self.restarted {
            out.push_str(",\"restarted\":true");
        }
        out.push('}');
        out
    }
}

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

    /// The next push of the group is judged as its own user's (and its desk's).
    pub(crate) fn set_pusher(&mut self, pusher: crate::push_queue::Pusher) {
        let actor = pusher.actor;
        self.desk_code = pusher.desk_code;
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

/// Append one patient's record to the change log as entry `$seq` (a change the server made
/// itself, not a pushed command), inside a transaction `$tx` that holds the head row.
macro_rules! append_change {
    ($tx:expr, $seq:expr, $record:expr, $at_ms:expr) => {
        sqlx::query(
            "INSERT INTO change_log (seq, patient_id, body, command_id, created_at)
             VALUES ($1, $2, $3, NULL, $4)",
        )
        .bind($seq)
        .bind($record.id.to_string())
        .bind($crate::registry::encode_body(&$record)?)
        .bind($at_ms)
        .execute(&mut *$tx)
        .await?
    };
}
pub(crate) use append_change;

/// Write a doctor's record (insert or replace) and its change-log entry `$seq` (about no
/// patient: staff devices receive it, patients' devices do not), inside `$tx` holding the head.
macro_rules! write_doctor {
    ($tx:expr, $seq:expr, $record:expr, $at_ms:expr) => {{
        let record: &clinic_core::doctor::DoctorRecord = $record;
        let text = $crate::schedule::write_record(record)?;
        sqlx::query(
            "INSERT INTO doctor (id, record, verified, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET record = excluded.record,
               verified = excluded.verified, updated_at = excluded.updated_at",
        )
        .bind(record.id.to_string())
        .bind(&text)
        .bind(record.verification.is_verified())
        .bind($at_ms)
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "INSERT INTO change_log (seq, patient_id, body, command_id, created_at)
             VALUES ($1, '', $2, NULL, $3)",
        )
        .bind($seq)
        .bind($crate::schedule::write_record(
            &clinic_core::sync::ChangeBody::Doctor(Box::new(record.clone())),
        )?)
        .bind($at_ms)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use write_doctor;

/// The registry's SQL, shared by both backends; expanded inside `impl Storage for $backend`.
macro_rules! registry_sql_methods {
    () => {
        async fn apply_pushes(
            &self,
            pushes: Vec<($crate::push_queue::Pusher, Vec<clinic_core::sync::PushedCommand>)>,
            now: chrono::DateTime<chrono::Utc>,
            rules: $crate::push_queue::ClinicRules,
        ) -> Result<
            (
                Vec<Vec<clinic_core::sync::CommandOutcome>>,
                u64,
                $crate::events::Concerned,
            ),
            StorageError,
        > {
            let tz = rules.tz;
            use clinic_core::sync::CommandOutcome;
            use $crate::registry::*;
            let mut tx = self.pool.begin().await?;
            // First statement: the head row lock (see the module's invariant).
            let (start,): (i64,) =
                sqlx::query_as("UPDATE change_head SET seq = seq WHERE id = 1 RETURNING seq")
                    .fetch_one(&mut *tx)
                    .await?;
            let mut answered = Vec::with_capacity(pushes.len());
            let mut doctors: std::collections::HashMap<
                UserId,
                Option<clinic_core::doctor::DoctorRecord>,
            > = Default::default();
            // Pushes that arrive together share one transaction and one commit, and the reads
            // and writes of the whole group are made together: what the group needs to know is
            // read in three queries, and each table is written in a few statements at the end.
            // Each push is still judged as its own user's, one command after another.
            let envelopes: Vec<&clinic_core::sync::CommandEnvelope> = pushes
                .iter()
                .flat_map(|(_, parsed)| parsed.iter().filter_map(|p| p.as_ref().ok()))
                .collect();
            let mut lookup = BatchLookup::default();
            if !envelopes.is_empty() {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT command_id, account_id, outcome FROM applied_command WHERE command_id IN (",
                );
                let mut list = q.separated(", ");
                for e in &envelopes {
                    list.push_bind(e.id.to_string());
                }
                list.push_unseparated(")");
                for (id, account, outcome) in q
                    .build_query_as::<(String, String, String)>()
                    .fetch_all(&mut *tx)
                    .await?
                {
                    lookup.answered(&id, account, &outcome)?;
                }
                let patients: Vec<String> = envelopes
                    .iter()
                    .filter_map(|e| e.command.patient())
                    .map(|p| p.to_string())
                    .collect();
                if !patients.is_empty() {
                    let mut q = sqlx::QueryBuilder::new(
                        "SELECT id, patient_number, account_id FROM patient WHERE id IN (",
                    );
                    let mut list = q.separated(", ");
                    for p in patients {
                        list.push_bind(p);
                    }
                    list.push_unseparated(")");
                    for row in q
                        .build_query_as::<(String, String, Option<String>)>()
                        .fetch_all(&mut *tx)
                        .await?
                    {
                        lookup.patient(row)?;
                    }
                }
                let numbers: Vec<&str> = envelopes
                    .iter()
                    .filter_map(|e| match &e.command {
                        clinic_core::sync::Command::RegisterPatient { patient_number, .. } => {
                            Some(patient_number.as_str())
                        }
                        _ => None,
                    })
                    .collect();
                if !numbers.is_empty() {
                    let mut q = sqlx::QueryBuilder::new(
                        "SELECT patient_number, id FROM patient WHERE patient_number IN (",
                    );
                    let mut list = q.separated(", ");
                    for n in numbers {
                        list.push_bind(n.to_owned());
                    }
                    list.push_unseparated(")");
                    for (number, id) in q
                        .build_query_as::<(String, String)>()
                        .fetch_all(&mut *tx)
                        .await?
                    {
                        lookup.number(number, &id)?;
                    }
                }
            }

            // The appointments and doctors the group's appointment commands name, in two
            // queries; the judging keeps this copy current as it writes.
            let mut appointments: std::collections::HashMap<
                String,
                Option<clinic_core::appointment::AppointmentRecord>,
            > = Default::default();
            let mut ids = Vec::new();
            let mut doctor_ids = Vec::new();
            for e in &envelopes {
                if let clinic_core::sync::Command::BookAppointment { doctor, replaces, .. } =
                    &e.command
                {
                    doctor_ids.push(doctor.to_string());
                    ids.extend(replaces.map(|r| r.to_string()));
                }
                ids.extend(e.command.appointment().map(|a| a.to_string()));
            }
            if !ids.is_empty() {
                let mut q = sqlx::QueryBuilder::new("SELECT id, record FROM appointment WHERE id IN (");
                let mut list = q.separated(", ");
                for id in &ids {
                    list.push_bind(id.clone());
                }
                list.push_unseparated(")");
                let found = q.build_query_as::<(String, String)>().fetch_all(&mut *tx).await?;
                for id in ids {
                    appointments.insert(id, None);
                }
                for (id, text) in found {
                    appointments.insert(id, Some($crate::schedule::read_record("appointment", &text)?));
                }
            }
            if !doctor_ids.is_empty() {
                let mut q = sqlx::QueryBuilder::new("SELECT id, record FROM doctor WHERE id IN (");
                let mut list = q.separated(", ");
                for id in &doctor_ids {
                    list.push_bind(id.clone());
                }
                list.push_unseparated(")");
                let found = q.build_query_as::<(String, String)>().fetch_all(&mut *tx).await?;
                for id in doctor_ids {
                    if let Ok(id) = id.parse() {
                        doctors.insert(id, None);
                    }
                }
                for (_, text) in found {
                    let record: clinic_core::doctor::DoctorRecord =
                        $crate::schedule::read_record("doctor", &text)?;
                    doctors.insert(record.id, Some(record));
                }
            }
            // The booked doctors' slot-holding times around the group's bookings, in one query.
            let mut busy = $crate::schedule::GroupBusy::default();
            let wanted = $crate::schedule::GroupBusy::wanted(envelopes.iter().filter_map(|e| {
                match &e.command {
                    clinic_core::sync::Command::BookAppointment {
                        doctor,
                        start: Some(start),
                        ..
                    } => Some((*doctor, *start)),
                    _ => None,
                }
            }));
            let wanted: Vec<(UserId, (i64, i64))> = wanted.into_iter().collect();
            for chunk in wanted.chunks(300) {
                let mut q = sqlx::QueryBuilder::new(concat!(
                    "SELECT id, doctor_id, slot_start, slot_end FROM appointment WHERE status IN ",
                    $crate::schedule::slot_holding!(),
                    " AND ("
                ));
                for (i, (doctor, (from, to))) in chunk.iter().enumerate() {
                    if i > 0 {
                        q.push(" OR ");
                    }
                    q.push("(doctor_id = ")
                        .push_bind(doctor.to_string())
                        .push(" AND slot_start >= ")
                        .push_bind(*from)
                        .push(" AND slot_start < ")
                        .push_bind(*to)
                        .push(")");
                    busy.cover(*doctor, (*from, *to));
                }
                q.push(")");
                for (id, doctor, start, end) in q
                    .build_query_as::<(String, String, i64, i64)>()
                    .fetch_all(&mut *tx)
                    .await?
                {
                    busy.add_row(parse_id(&doctor)?, id, start, end);
                }
            }
            drop(envelopes);
            // Bookings judged and waiting to be written together (see `flush_bookings`).
            let mut pending: Vec<clinic_core::appointment::AppointmentRecord> = Vec::new();
            let mut batch = BatchWrites::new(start, now, clinic_core::Actor::Anonymous);
            for (pusher, parsed) in pushes {
            batch.set_pusher(pusher);
            let mut outcomes = Vec::with_capacity(parsed.len());
            for item in parsed {
                match item {
                    Err((id, rejection)) => outcomes.push(CommandOutcome {
                        id,
                        result: clinic_core::sync::CommandResult::Rejected(rejection),
                    }),
                    Ok(envelope)
                        if matches!(
                            envelope.command,
                            clinic_core::sync::Command::SendMessage { .. }
                        ) =>
                    {
                        outcomes.push($crate::schedule::message_command!(
                            tx, batch, lookup, envelope, appointments, now,
                            rules.desk_in_conversations
                        )?)
                    }
                    Ok(envelope) if envelope.command.appointment().is_some() => {
                        outcomes.push($crate::schedule::schedule_command!(
                            tx, batch, lookup, envelope, doctors, appointments, busy, pending, tz, now
                        )?)
                    }
                    Ok(envelope) => outcomes.push(batch.take_registry_command(&mut lookup, &envelope)?),
                }
            }
            answered.push(outcomes);
            }

            $crate::schedule::flush_bookings!(tx, pending, batch.at);
            for chunk in batch.patients.chunks(500) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO patient (id, patient_number, account_id, full_name, sex,
                       date_of_birth, phone, email, address, emergency_contact, updated_at) ",
                );
                q.push_values(chunk, |mut row, record| {
                    let d = &record.demographics;
                    row.push_bind(record.id.to_string())
                        .push_bind(record.patient_number.clone())
                        .push_bind(record.account.map(|a| a.to_string()))
                        .push_bind(d.full_name.clone())
                        .push_bind(d.sex.map(Sex::as_str))
                        .push_bind(d.date_of_birth.map(|b| b.to_string()))
                        .push_bind(d.phone.clone())
                        .push_bind(d.email.clone())
                        .push_bind(d.address.clone())
                        .push_bind(d.emergency_contact.clone())
                        .push_bind(batch.at);
                });
                q.push(
                    " ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name,
                       sex = excluded.sex, date_of_birth = excluded.date_of_birth,
                       phone = excluded.phone, email = excluded.email, address = excluded.address,
                       emergency_contact = excluded.emergency_contact,
                       updated_at = excluded.updated_at",
                );
                q.build().execute(&mut *tx).await?;
            }
            for chunk in batch.changes.chunks(500) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO change_log (seq, patient_id, body, command_id, created_at, audience) ",
                );
                q.push_values(chunk, |mut row, (seq, patient, body, command, audience)| {
                    row.push_bind(*seq)
                        .push_bind(patient.clone())
                        .push_bind(body.clone())
                        .push_bind(command.clone())
                        .push_bind(batch.at)
                        .push_bind(audience.clone());
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in batch.answers.chunks(500) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO applied_command (command_id, account_id, outcome, created_at) ",
                );
                q.push_values(chunk, |mut row, (command, account, outcome)| {
                    row.push_bind(command.clone())
                        .push_bind(account.clone())
                        .push_bind(outcome.clone())
                        .push_bind(batch.at);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in batch.messages.chunks(500) {
                let texts = chunk
                    .iter()
                    .map($crate::schedule::write_record)
                    .collect::<Result<Vec<_>, _>>()?;
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO message (id, appointment_id, patient_id, doctor_id, record, received_at) ",
                );
                q.push_values(chunk.iter().zip(texts), |mut row, (m, text)| {
                    row.push_bind(m.id.to_string())
                        .push_bind(m.appointment.to_string())
                        .push_bind(m.patient.to_string())
                        .push_bind(m.doctor.to_string())
                        .push_bind(text)
                        .push_bind(batch.at);
                });
                q.push(" ON CONFLICT (id) DO NOTHING");
                q.build().execute(&mut *tx).await?;
            }
            for chunk in batch.meetings.chunks(500) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO meeting (appointment_id, room, created_at) ",
                );
                q.push_values(chunk, |mut row, appointment| {
                    row.push_bind(appointment.clone())
                        .push_bind($crate::storage::new_room())
                        .push_bind(batch.at);
                });
                q.push(" ON CONFLICT (appointment_id) DO NOTHING");
                q.build().execute(&mut *tx).await?;
            }
            for (account, name) in &batch.renamed_accounts {
                sqlx::query("UPDATE account SET display_name = $1 WHERE id = $2")
                    .bind(name)
                    .bind(account)
                    .execute(&mut *tx)
                    .await?;
            }
            let seq = batch.seq;
            if seq != start {
                sqlx::query("UPDATE change_head SET seq = $1 WHERE id = 1")
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            let concerned = $crate::events::Concerned::of(
                batch
                    .changes
                    .iter()
                    .map(|(_, patient, _, _, audience)| (patient.as_str(), audience.as_deref())),
            );
            Ok((answered, seq as u64, concerned))
        }

        async fn pull(
            &self,
            scope: clinic_core::RegistryScope,
            after: u64,
            limit: u32,
        ) -> Result<$crate::registry::PullPage, StorageError> {
            let after = i64::try_from(after).unwrap_or(i64::MAX);
            let fetch = i64::from(limit) + 1;
            // The head first: every change up to it has committed (appends commit in order), so
            // reading up to it and then moving the cursor to it skips nothing.
            let (head,): (i64,) = sqlx::query_as("SELECT seq FROM change_head WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
            // A cursor beyond the head: this log is not the one the device followed (a restored
            // backup, a new server). Start it again from the beginning, and say so.
            let restarted = after > head;
            let after = if restarted { 0 } else { after };
            let rows: Vec<(i64, String)> = match scope {
                clinic_core::RegistryScope::WholeRegistry { account, front_desk } => {
                    // Clinical rows go to their audience: the doctor (`audience = doctor`), and
                    // where the clinic opened conversations to the desk (`desk:<doctor>`), the
                    // doctor and every front-desk account.
                    sqlx::query_as(
                        "SELECT seq, body FROM change_log WHERE seq > $1 AND seq <= $2
                           AND (audience IS NULL OR audience = $4 OR audience = 'desk:' || $4
                                OR ($5 AND audience LIKE 'desk:%'))
                         ORDER BY seq LIMIT $3",
                    )
                    .bind(after)
                    .bind(head)
                    .bind(fetch)
                    .bind(account.to_string())
                    .bind(front_desk)
                    .fetch_all(&self.pool)
                    .await?
                }
                clinic_core::RegistryScope::OwnRecord { account } => {
                    sqlx::query_as(
                        "SELECT c.seq, c.body FROM change_log c
                         JOIN patient p ON p.id = c.patient_id
                         WHERE p.account_id = $1 AND c.seq > $2 AND c.seq <= $3
                         ORDER BY c.seq LIMIT $4",
                    )
                    .bind(account.to_string())
                    .bind(after)
                    .bind(head)
                    .bind(fetch)
                    .fetch_all(&self.pool)
                    .await?
                }
            };
            let more = rows.len() as i64 > i64::from(limit);
            let changes: Vec<(u64, String)> = rows
                .into_iter()
                .take(limit as usize)
                .map(|(seq, body)| (seq as u64, body))
                .collect();
            // Without `more`, the device may skip to the head: changes outside its scope are
            // not its business.
            let cursor = match changes.last() {
                Some((seq, _)) if more => *seq,
                _ => head as u64,
            };
            Ok($crate::registry::PullPage {
                changes,
                cursor: cursor.max(after as u64),
                more,
                restarted,
            })
        }

        async fn head_seq(&self) -> Result<u64, StorageError> {
            let (head,): (i64,) = sqlx::query_as("SELECT seq FROM change_head WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
            Ok(head as u64)
        }

        async fn desk_code(
            &self,
            device: uuid::Uuid,
            account: UserId,
            at_ms: i64,
        ) -> Result<u32, StorageError> {
            for _ in 0..5 {
                let known: Option<(i64,)> =
                    sqlx::query_as("SELECT desk_code FROM device WHERE id = $1")
                        .bind(device.to_string())
                        .fetch_optional(&self.pool)
                        .await?;
                if let Some((code,)) = known {
                    return u32::try_from(code)
                        .map_err(|_| StorageError::Corrupt(format!("desk code {code}")));
                }
                // Two new devices at once may pick the same next code: one insert then fails
                // the unique constraint and goes round again.
                let inserted = sqlx::query(
                    "INSERT INTO device (id, desk_code, account_id, created_at)
                     SELECT $1, COALESCE(MAX(desk_code), $2) + 1, $3, $4 FROM device",
                )
                .bind(device.to_string())
                .bind(i64::from(clinic_core::sync::SERVER_DESK_CODE))
                .bind(account.to_string())
                .bind(at_ms)
                .execute(&self.pool)
                .await;
                match inserted {
                    Ok(_) => {}
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Err(StorageError::Corrupt(
                "could not give this device a desk code".to_owned(),
            ))
        }

        async fn backfill_change_log(&self) -> Result<u64, StorageError> {
            use $crate::registry::*;
            let mut tx = self.pool.begin().await?;
            let (mut seq,): (i64,) =
                sqlx::query_as("UPDATE change_head SET seq = seq WHERE id = 1 RETURNING seq")
                    .fetch_one(&mut *tx)
                    .await?;
            let rows: Vec<PatientRow> = sqlx::query_as(concat!(
                "SELECT ",
                $crate::registry::patient_columns!(),
                " FROM patient WHERE id NOT IN (SELECT patient_id FROM change_log)
                 ORDER BY patient_number"
            ))
            .fetch_all(&mut *tx)
            .await?;
            let added = rows.len() as u64;
            for row in rows {
                let record = record_from_row(row)?;
                seq += 1;
                append_change!(tx, seq, record, 0_i64);
            }
            sqlx::query("UPDATE change_head SET seq = $1 WHERE id = 1")
                .bind(seq)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(added)
        }
    };
}

pub(crate) use registry_sql_methods;

#[cfg(test)]
mod tests {
    use super::*;
    use clinic_core::sync::PullResponse;

    #[test]
    fn a_page_passed_through_reads_as_the_wire_type() {
        let record = PatientRecord {
            id: PatientId::from_uuid(uuid::Uuid::from_u128(1)),
            patient_number: "3-0001".into(),
            demographics: PatientDemographics {
                full_name: "রহিমা \"Rahima\" খাতুন".into(),
                sex: Some(Sex::Female),
                date_of_birth: None,
                phone: None,
                email: None,
                address: None,
                emergency_contact: None,
            },
            account: None,
        };
        let page = PullPage {
            changes: vec![
                (7, encode_body(&record).unwrap()),
                (9, encode_body(&record).unwrap()),
            ],
            cursor: 12,
            more: true,
            restarted: false,
        };
        let read: PullResponse = serde_json::from_str(&page.to_json()).unwrap();
        assert_eq!(read.cursor, 12);
        assert!(read.more);
        assert_eq!(read.changes.len(), 2);
        assert_eq!(read.changes[1].seq, 9);
        assert_eq!(read.changes[0].body, ChangeBody::Patient(record));
        let empty = PullPage {
            changes: vec![],
            cursor: 3,
            more: false,
            restarted: true,
        };
        let read: PullResponse = serde_json::from_str(&empty.to_json()).unwrap();
        assert_eq!(
            (read.changes.len(), read.cursor, read.more, read.restarted),
            (0, 3, false, true)
        );
    }
}
