//! A group of pushes applied in one transaction: the facts it needs read once, each command
//! judged by the core's judge against them, the writes gathered and made at the end. The
//! group's copy of the book is kept current by its own writes, so a booking is judged without a
//! query of its own; the database's partial unique index has the last word on a slot.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use clinic_core::appointment::AppointmentRecord;
use clinic_core::sync::{Command, CommandEnvelope, CommandOutcome};
use clinic_core::UserId;

use super::*;
use crate::sync::push::{BatchLookup, BatchWrites, GroupBusy};

/// A group of pushes being applied, inside the transaction that holds the change-log head.
pub(super) struct PushGroup<'t> {
    pub(super) tx: &'t mut Conn,
    pub(super) batch: BatchWrites,
    pub(super) lookup: BatchLookup,
    /// The doctors the group's appointment commands concern (`None`: no such doctor).
    doctors: HashMap<UserId, Option<DoctorRecord>>,
    /// The appointments the group names, as the group knows them (`None`: no such appointment).
    appointments: HashMap<String, Option<AppointmentRecord>>,
    /// The booked doctors' slot-holding times around the group's bookings.
    pub(super) busy: GroupBusy,
    /// Bookings judged free and waiting to be written together (see [`Self::flush_bookings`]).
    pub(super) pending: Vec<AppointmentRecord>,
    /// The invoices the group names and the money it moved.
    pub(super) books: super::push_billing::GroupBooks,
}

impl<'t> PushGroup<'t> {
    /// Read what the group's commands need to know: the answers given before, the patients and
    /// numbers they name, the appointments and doctors, and the doctors' busy times — a few
    /// queries for the whole group.
    pub(super) async fn read(
        tx: &'t mut Conn,
        start: i64,
        now: DateTime<Utc>,
        envelopes: Vec<&CommandEnvelope>,
    ) -> Result<PushGroup<'t>, StorageError> {
        let mut lookup = BatchLookup::default();
        let command_ids: Vec<String> = envelopes.iter().map(|e| e.id.to_string()).collect();
        let answered: Vec<(String, String, String)> = rows_in(
            tx,
            "SELECT command_id, account_id, outcome FROM applied_command WHERE command_id IN (",
            &command_ids,
        )
        .await?;
        for (id, account, outcome) in answered {
            lookup.answered(&id, account, &outcome)?;
        }
        // The patients the commands name, a new invoice's too (so the billing judge needs no
        // query of its own to know them).
        let patients: Vec<String> = envelopes
            .iter()
            .filter_map(|e| match &e.command {
                Command::Bill {
                    change: clinic_core::billing::BillingCommand::SaveInvoice { patient, .. },
                } => Some(*patient),
                other => other.patient(),
            })
            .map(|p| p.to_string())
            .collect();
        let sql = "SELECT id, patient_number, account_id FROM patient WHERE id IN (";
        for row in rows_in::<(String, String, Option<String>)>(tx, sql, &patients).await? {
            lookup.patient(row)?;
        }
        let numbers: Vec<String> = envelopes
            .iter()
            .filter_map(|e| match &e.command {
                Command::RegisterPatient { patient_number, .. } => Some(patient_number.clone()),
                _ => None,
            })
            .collect();
        let sql = "SELECT patient_number, id FROM patient WHERE patient_number IN (";
        for (number, id) in rows_in::<(String, String)>(tx, sql, &numbers).await? {
            lookup.number(number, &id)?;
        }

        // The appointments and doctors the group's appointment commands name, in two
        // queries; the judging keeps this copy current as it writes.
        let mut ids = Vec::new();
        let mut doctor_ids = Vec::new();
        for e in &envelopes {
            if let Command::BookAppointment {
                doctor, replaces, ..
            } = &e.command
            {
                doctor_ids.push(doctor.to_string());
                ids.extend(replaces.map(|r| r.to_string()));
            }
            ids.extend(e.command.appointment().map(|a| a.to_string()));
        }
        let sql = "SELECT id, record FROM appointment WHERE id IN (";
        let found = rows_in::<(String, String)>(tx, sql, &ids).await?;
        let mut appointments: HashMap<String, Option<AppointmentRecord>> =
            ids.into_iter().map(|id| (id, None)).collect();
        for (id, text) in found {
            appointments.insert(id, Some(read_record("appointment", &text)?));
        }
        let sql = "SELECT id, record FROM doctor WHERE id IN (";
        let found = rows_in::<(String, String)>(tx, sql, &doctor_ids).await?;
        let mut doctors: HashMap<UserId, Option<DoctorRecord>> = doctor_ids
            .iter()
            .filter_map(|id| id.parse().ok())
            .map(|id| (id, None))
            .collect();
        for (_, text) in found {
            let record: DoctorRecord = read_record("doctor", &text)?;
            doctors.insert(record.id, Some(record));
        }
        // The booked doctors' slot-holding times around the group's bookings, in one query.
        let mut busy = GroupBusy::default();
        let wanted = GroupBusy::wanted(envelopes.iter().filter_map(|e| match &e.command {
            Command::BookAppointment {
                doctor,
                start: Some(start),
                ..
            } => Some((*doctor, *start)),
            _ => None,
        }));
        let wanted: Vec<(UserId, (i64, i64))> = wanted.into_iter().collect();
        for chunk in wanted.chunks(300) {
            let mut q = sqlx::QueryBuilder::new(concat!(
                "SELECT id, doctor_id, slot_start, slot_end FROM appointment WHERE status IN ",
                slot_holding!(),
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
        let books = super::push_billing::GroupBooks::read(tx, &envelopes).await?;
        Ok(PushGroup {
            tx,
            batch: BatchWrites::new(start, now, clinic_core::Actor::Anonymous),
            lookup,
            doctors,
            appointments,
            busy,
            pending: Vec::new(),
            books,
        })
    }

    /// One registry command (judged in memory; written with the group).
    pub(super) fn take_registry_command(
        &mut self,
        envelope: &CommandEnvelope,
    ) -> Result<CommandOutcome, StorageError> {
        self.batch.take_registry_command(&mut self.lookup, envelope)
    }

    /// A doctor as the group knows it (read once per group).
    pub(super) async fn doctor(
        &mut self,
        id: UserId,
    ) -> Result<Option<DoctorRecord>, StorageError> {
        if let Some(known) = self.doctors.get(&id) {
            return Ok(known.clone());
        }
        let row: Option<(String,)> = sqlx::query_as("SELECT record FROM doctor WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *self.tx)
            .await?;
        let record: Option<DoctorRecord> = row
            .map(|(text,)| read_record("doctor", &text))
            .transpose()?;
        self.doctors.insert(id, record.clone());
        Ok(record)
    }

    /// `None`: no such patient; `Some(account)`: the patient, with their own account if any
    /// (from the group's lookup when it knows the patient).
    pub(super) async fn patient_account(
        &mut self,
        patient: clinic_core::PatientId,
    ) -> Result<Option<Option<UserId>>, StorageError> {
        if let Some(account) = self.lookup.patient_account(&patient) {
            return Ok(Some(account));
        }
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT account_id FROM patient WHERE id = $1")
                .bind(patient.to_string())
                .fetch_optional(&mut *self.tx)
                .await?;
        Ok(row.map(|(account,)| account.and_then(|a| a.parse().ok())))
    }

    /// An appointment as just written: the group's copy and busy times follow.
    pub(super) fn remember(&mut self, record: &AppointmentRecord) {
        self.appointments
            .insert(record.id.to_string(), Some(record.clone()));
        self.busy.written(record);
    }

    /// Judge one `SendMessage` and gather it (written with the group).
    pub(super) async fn take_message(
        &mut self,
        envelope: &CommandEnvelope,
        now: DateTime<Utc>,
        desk_allowed: bool,
    ) -> Result<CommandOutcome, StorageError> {
        use clinic_core::sync::{ChangeBody, CommandResult};
        if let Some(outcome) = self.batch.answered_before(&self.lookup, envelope) {
            return Ok(outcome);
        }
        let id = match &envelope.command {
            Command::SendMessage { appointment, .. } => appointment.to_string(),
            _ => String::new(),
        };
        let appointment = self.appointment_in(&id).await?;
        let account = match &appointment {
            Some(a) => self.patient_account(a.patient).await?.flatten(),
            None => None,
        };
        let attachment = match &envelope.command {
            Command::SendMessage {
                attachment: Some(file),
                ..
            } => {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT record FROM attachment WHERE id = $1")
                        .bind(file.to_string())
                        .fetch_optional(&mut *self.tx)
                        .await?;
                row.map(|(text,)| read_record("attachment", &text))
                    .transpose()?
            }
            _ => None,
        };
        let result = match clinic_core::chat::judge_message(
            self.batch.actor(),
            envelope,
            appointment.as_ref(),
            account,
            attachment,
            desk_allowed,
            now,
        ) {
            Err(rejection) => CommandResult::Rejected(rejection),
            Ok(message) => {
                let seq = self.batch.append_for(
                    message.patient.to_string(),
                    write_record(&ChangeBody::Message(message.clone()))?,
                    envelope.id.to_string(),
                    Some(if desk_allowed {
                        format!("desk:{}", message.doctor)
                    } else {
                        message.doctor.to_string()
                    }),
                );
                self.batch.messages.push(message);
                CommandResult::Applied { seq: seq as u64 }
            }
        };
        self.batch.answer(&mut self.lookup, envelope, result)
    }

    /// Write the bookings judged free, in one statement per few hundred. The slot index has the
    /// last word: a booking it refuses here means the group's copy of the book was wrong, and the
    /// whole group is undone (nothing is answered; the devices push again).
    pub(super) async fn flush_bookings(&mut self) -> Result<(), StorageError> {
        let at = self.batch.at;
        for chunk in self.pending.chunks(250) {
            let texts = chunk
                .iter()
                .map(write_record)
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
                    .push_bind(record.slot.map(|s| millis(s.start)))
                    .push_bind(record.slot.map(|s| millis(s.end)))
                    .push_bind(record.day.to_string())
                    .push_bind(record.token.map(i64::from))
                    .push_bind(text)
                    .push_bind(at)
                    .push_bind(at);
            });
            q.push(" ON CONFLICT DO NOTHING RETURNING id");
            let written = q
                .build_query_as::<(String,)>()
                .fetch_all(&mut *self.tx)
                .await?;
            if written.len() != chunk.len() {
                return Err(StorageError::Invariant(format!(
                    "{} of {} bookings judged free were refused by the slot index",
                    chunk.len() - written.len(),
                    chunk.len()
                )));
            }
        }
        self.pending.clear();
        Ok(())
    }

    /// An appointment as the group knows it: from the group's copy (read with the group and
    /// kept current by its writes), else from the database (and kept).
    pub(super) async fn appointment_in(
        &mut self,
        id: &str,
    ) -> Result<Option<AppointmentRecord>, StorageError> {
        if let Some(known) = self.appointments.get(id) {
            return Ok(known.clone());
        }
        let row: Option<(String,)> = sqlx::query_as("SELECT record FROM appointment WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        let record: Option<AppointmentRecord> = row
            .map(|(text,)| read_record("appointment", &text))
            .transpose()?;
        self.appointments.insert(id.to_owned(), record.clone());
        Ok(record)
    }

    /// The next token in a doctor's queue for a day.
    pub(super) async fn next_token(
        &mut self,
        doctor: UserId,
        day: chrono::NaiveDate,
    ) -> Result<u32, StorageError> {
        let (last,): (Option<i64>,) = sqlx::query_as(
            "SELECT MAX(token) FROM appointment WHERE doctor_id = $1 AND local_day = $2",
        )
        .bind(doctor.to_string())
        .bind(day.to_string())
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(u32::try_from(last.unwrap_or(0) + 1).unwrap_or(u32::MAX))
    }

    /// Make the group's gathered writes: bookings, patients, change-log entries, answers,
    /// messages, meeting rooms, renamed accounts. Returns the batch (its changes say who is
    /// concerned).
    pub(super) async fn write(mut self) -> Result<BatchWrites, StorageError> {
        self.flush_bookings().await?;
        self.write_books().await?;
        for chunk in self.batch.patients.chunks(500) {
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
                    .push_bind(self.batch.at);
            });
            q.push(
                " ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name,
               sex = excluded.sex, date_of_birth = excluded.date_of_birth,
               phone = excluded.phone, email = excluded.email, address = excluded.address,
               emergency_contact = excluded.emergency_contact,
               updated_at = excluded.updated_at",
            );
            q.build().execute(&mut *self.tx).await?;
        }
        for chunk in self.batch.changes.chunks(500) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO change_log (seq, patient_id, body, command_id, created_at, audience) ",
            );
            q.push_values(chunk, |mut row, (seq, patient, body, command, audience)| {
                row.push_bind(*seq)
                    .push_bind(patient.clone())
                    .push_bind(body.clone())
                    .push_bind(command.clone())
                    .push_bind(self.batch.at)
                    .push_bind(audience.clone());
            });
            q.build().execute(&mut *self.tx).await?;
        }
        for chunk in self.batch.answers.chunks(500) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO applied_command (command_id, account_id, outcome, created_at) ",
            );
            q.push_values(chunk, |mut row, (command, account, outcome)| {
                row.push_bind(command.clone())
                    .push_bind(account.clone())
                    .push_bind(outcome.clone())
                    .push_bind(self.batch.at);
            });
            q.build().execute(&mut *self.tx).await?;
        }
        for chunk in self.batch.messages.chunks(500) {
            let texts = chunk
                .iter()
                .map(write_record)
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
                    .push_bind(self.batch.at);
            });
            q.push(" ON CONFLICT (id) DO NOTHING");
            q.build().execute(&mut *self.tx).await?;
        }
        for chunk in self.batch.meetings.chunks(500) {
            let mut q =
                sqlx::QueryBuilder::new("INSERT INTO meeting (appointment_id, room, created_at) ");
            q.push_values(chunk, |mut row, appointment| {
                row.push_bind(appointment.clone())
                    .push_bind(new_room())
                    .push_bind(self.batch.at);
            });
            q.push(" ON CONFLICT (appointment_id) DO NOTHING");
            q.build().execute(&mut *self.tx).await?;
        }
        for (account, name) in &self.batch.renamed_accounts {
            sqlx::query("UPDATE account SET display_name = $1 WHERE id = $2")
                .bind(name)
                .bind(account)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(self.batch)
    }
}

/// The rows `select` (which ends in `IN (`) finds for `keys`, in one query; none for no keys.
pub(super) async fn rows_in<O>(
    tx: &mut Conn,
    select: &'static str,
    keys: &[String],
) -> Result<Vec<O>, StorageError>
where
    O: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, <<Conn as sqlx::Connection>::Database as sqlx::Database>::Row>,
{
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sqlx::QueryBuilder::new(select);
    let mut list = q.separated(", ");
    for key in keys {
        list.push_bind(key.clone());
    }
    list.push_unseparated(")");
    Ok(q.build_query_as::<O>().fetch_all(&mut *tx).await?)
}
