//! The desk's patient registry and the outbox: every local change is a command, applied to the
//! local tables and queued for the server in one transaction — never one without the other.
//!
//! Invariant: the local `patient` table equals the server-confirmed records (`patient_confirmed`,
//! from pulls) with this desk's pending commands (the outbox) replayed on top. A pull or a
//! refusal rebuilds the patients it touches from those two; nothing else writes `patient`.
//! Invariant: a command leaves the outbox only in the transaction that records the server's
//! answer to it — applied (gone; its effect arrives by pull) or refused (kept in
//! `rejected_command` with the reason, and shown).

use chrono::{DateTime, NaiveDate, Utc};
use clinic_core::account::{PatientDemographics, Sex};
use clinic_core::registry::PatientSummary;
use clinic_core::sync::{
    patient_number, ChangeBody, Command, CommandEnvelope, CommandOutcome, CommandResult,
    PatientRecord, PullResponse, Rejection,
};
use clinic_core::{CommandId, PatientId, UserId};
use rusqlite::{OptionalExtension, Transaction};

use crate::{Store, StoreError};

/// Why a local command could not be recorded. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("Patient number {0} is already in use. Choose another.")]
    PatientNumberTaken(String),
    #[error("This patient is not in the registry on this computer.")]
    UnknownPatient,
    #[error("This patient is already registered.")]
    AlreadyRegistered,
    #[error(
        "This desk has no desk number from the clinic server yet, so it cannot number new \
         patients. Connect to the server and sign in once, then try again."
    )]
    NoDeskCode,
    #[error("This doctor is not on this computer's list of the clinic's doctors.")]
    UnknownDoctor,
    #[error(
        "This desk does not know the clinic's time zone yet. Connect to the server and sign in \
         once, then try again."
    )]
    NoClinicTimeZone,
    #[error("This appointment is not in the appointment book on this computer.")]
    UnknownAppointment,
    #[error("This appointment is already booked.")]
    AlreadyBooked,
    #[error("{0}")]
    StepNotPossible(String),
    /// A field breaks the rules (the English sentence of the field message).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for RecordError {
    fn from(e: rusqlite::Error) -> Self {
        RecordError::Store(StoreError::Sqlite(e))
    }
}

fn apply(tx: &Transaction<'_>, command: &Command, at: DateTime<Utc>) -> Result<(), RecordError> {
    match command {
        // Appointment commands are applied by the appointment book (`schedule`).
        Command::BookAppointment { .. }
        | Command::StepAppointment { .. }
        | Command::SendMessage { .. } => {
            return Err(RecordError::UnknownAppointment);
        }
        Command::RegisterPatient {
            patient,
            patient_number,
            demographics: d,
        } => {
            let exists: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM patient WHERE id = ?1)",
                [patient.to_string()],
                |r| r.get(0),
            )?;
            if exists {
                return Err(RecordError::AlreadyRegistered);
            }
            let taken: Option<String> = tx
                .query_row(
                    "SELECT id FROM patient WHERE patient_number = ?1",
                    [patient_number],
                    |r| r.get(0),
                )
                .optional()?;
            if taken.is_some() {
                return Err(RecordError::PatientNumberTaken(patient_number.clone()));
            }
            tx.execute(
                "INSERT INTO patient (id, patient_number, full_name, sex, date_of_birth, phone, address,
                   emergency_contact, updated_at, email) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                (
                    patient.to_string(),
                    patient_number,
                    &d.full_name,
                    d.sex.map(Sex::as_str),
                    d.date_of_birth.map(|b| b.to_string()),
                    &d.phone,
                    &d.address,
                    &d.emergency_contact,
                    at.to_rfc3339(),
                    &d.email,
                ),
            )?;
        }
        Command::UpdatePatient {
            patient,
            demographics: d,
        } => {
            let changed = tx.execute(
                "UPDATE patient SET full_name = ?1, sex = ?2, date_of_birth = ?3, phone = ?4,
                   address = ?5, emergency_contact = ?6, updated_at = ?7, email = ?9 WHERE id = ?8",
                (
                    &d.full_name,
                    d.sex.map(Sex::as_str),
                    d.date_of_birth.map(|b| b.to_string()),
                    &d.phone,
                    &d.address,
                    &d.emergency_contact,
                    at.to_rfc3339(),
                    patient.to_string(),
                    &d.email,
                ),
            )?;
            if changed == 0 {
                return Err(RecordError::UnknownPatient);
            }
        }
    }
    Ok(())
}

impl Store {
    /// Apply a command made on this desk and queue it for the server, in one transaction.
    pub fn record(&mut self, envelope: &CommandEnvelope) -> Result<(), RecordError> {
        let tx = self.conn.transaction()?;
        record_in(&tx, envelope)?;
        tx.commit()?;
        Ok(())
    }

    /// Record a command that resolves a refused one (a rebooking of a refused booking): the new
    /// command is queued and the refusal leaves the list in one transaction, so neither is lost.
    pub fn record_resolving(
        &mut self,
        envelope: &CommandEnvelope,
        refused: CommandId,
    ) -> Result<(), RecordError> {
        let tx = self.conn.transaction()?;
        record_in(&tx, envelope)?;
        tx.execute(
            "DELETE FROM rejected_command WHERE command_id = ?1",
            [refused.to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Register a new patient, numbered here with this desk's code (works offline), and queue
    /// the registration, in one transaction. Returns the envelope recorded.
    pub fn register_patient(
        &mut self,
        command: CommandId,
        patient: PatientId,
        issued_at: DateTime<Utc>,
        issued_by: UserId,
        demographics: PatientDemographics,
    ) -> Result<CommandEnvelope, RecordError> {
        let tx = self.conn.transaction()?;
        let (code, mut serial): (Option<i64>, i64) = tx.query_row(
            "SELECT desk_code, next_serial FROM sync_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let code = code
            .and_then(|c| u32::try_from(c).ok())
            .ok_or(RecordError::NoDeskCode)?;
        // Skip numbers already here (a desk code reused after a restore, say).
        let number = loop {
            let candidate = patient_number(code, u32::try_from(serial).unwrap_or(u32::MAX));
            serial += 1;
            let used: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM patient WHERE patient_number = ?1)
                     OR EXISTS(SELECT 1 FROM patient_confirmed WHERE patient_number = ?1)",
                [&candidate],
                |r| r.get(0),
            )?;
            if !used {
                break candidate;
            }
        };
        let envelope = CommandEnvelope::new(
            command,
            issued_at,
            issued_by,
            Command::RegisterPatient {
                patient,
                patient_number: number,
                demographics,
            },
        );
        record_in(&tx, &envelope)?;
        tx.execute(
            "UPDATE sync_state SET next_serial = ?1 WHERE id = 1",
            [serial],
        )?;
        tx.commit()?;
        Ok(envelope)
    }

    /// This device's id, made once when the store was created; sent at sign-in.
    pub fn device_id(&self) -> Result<uuid::Uuid, StoreError> {
        let text: String =
            self.conn
                .query_row("SELECT device_id FROM sync_state WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
        uuid::Uuid::parse_str(&text).map_err(|e| StoreError::Encoding(e.to_string()))
    }

    /// Keep the desk code the server gave this device.
    pub fn set_desk_code(&mut self, code: u32) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sync_state SET desk_code = ?1 WHERE id = 1",
            [i64::from(code)],
        )?;
        Ok(())
    }

    /// Where this device is in the server's change log.
    pub fn sync_cursor(&self) -> Result<u64, StoreError> {
        let cursor: i64 =
            self.conn
                .query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
        Ok(cursor as u64)
    }

    /// Pending, refused and last-synced, for the status bar.
    pub fn sync_summary(&self) -> Result<SyncSummary, StoreError> {
        Ok(self.conn.query_row(
            "SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM rejected_command),
                    last_synced_at FROM sync_state WHERE id = 1",
            [],
            |r| {
                Ok(SyncSummary {
                    pending: r.get::<_, i64>(0)? as u64,
                    rejected: r.get::<_, i64>(1)? as u64,
                    last_synced_at: r
                        .get::<_, Option<String>>(2)?
                        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                        .map(|t| t.with_timezone(&Utc)),
                })
            },
        )?)
    }

    /// Record the server's answers to pushed commands, in one transaction: applied ones leave
    /// the outbox; refused ones move to the refused list with the reason and the patients they
    /// touched are rebuilt from what the server confirmed. Answers for commands no longer in the
    /// outbox (a repeated answer) change nothing.
    pub fn settle_pushed(
        &mut self,
        outcomes: &[CommandOutcome],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let mut touched = Vec::new();
        let mut touched_appointments = Vec::new();
        for outcome in outcomes {
            let Some(id) = outcome.id else { continue };
            type Row = (String, Option<String>, Option<String>, Option<String>);
            let row: Option<Row> = tx
                .prepare_cached(
                    "SELECT envelope, patient_id, appointment_id, replaces_id FROM outbox
                     WHERE command_id = ?1",
                )?
                .query_row([id.to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()?;
            let Some((envelope, patient, appointment, replaces)) = row else {
                continue;
            };
            if let (CommandResult::Rejected(_), Some(old)) = (&outcome.result, replaces) {
                // A refused move: the appointment it would have moved stands again.
                touched_appointments.push(old);
            }
            if let Some(appointment) = appointment {
                // Refused: the provisional appointment goes (the refusal stays, with the slots
                // offered instead). Applied after a pull overtook it: shown from the server's.
                let rebuild = match &outcome.result {
                    CommandResult::Rejected(_) => true,
                    CommandResult::Applied { seq } => tx
                        .prepare_cached("SELECT seq FROM appointment_confirmed WHERE id = ?1")?
                        .query_row([&appointment], |r| r.get::<_, i64>(0))
                        .optional()?
                        .is_some_and(|c| c >= *seq as i64),
                };
                if rebuild {
                    touched_appointments.push(appointment);
                }
            }
            if let CommandResult::Rejected(rejection) = &outcome.result {
                let fields = serde_json::to_string(&rejection.fields)
                    .map_err(|e| StoreError::Encoding(e.to_string()))?;
                let reason = serde_json::to_value(rejection.reason)
                    .map_err(|e| StoreError::Encoding(e.to_string()))?;
                let detail = serde_json::to_string(rejection)
                    .map_err(|e| StoreError::Encoding(e.to_string()))?;
                tx.execute(
                    "INSERT OR REPLACE INTO rejected_command (command_id, envelope, status, reason,
                       message, fields, rejected_at, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    (
                        id.to_string(),
                        envelope,
                        i64::from(rejection.status),
                        reason.as_str().unwrap_or("malformed"),
                        &rejection.message,
                        fields,
                        at.to_rfc3339(),
                        detail,
                    ),
                )?;
                touched.extend(patient);
            } else if let (CommandResult::Applied { seq }, Some(patient)) =
                (&outcome.result, patient)
            {
                // A pull may already have brought this change and later ones while the command
                // was still pending (its first answer was lost): the row shows it replayed on
                // top of newer news, so rebuild it from what the server confirmed.
                let confirmed: Option<i64> = tx
                    .prepare_cached("SELECT seq FROM patient_confirmed WHERE id = ?1")?
                    .query_row([&patient], |r| r.get(0))
                    .optional()?;
                if confirmed.is_some_and(|c| c >= *seq as i64) {
                    touched.push(patient);
                }
            }
            tx.prepare_cached("DELETE FROM outbox WHERE command_id = ?1")?
                .execute([id.to_string()])?;
        }
        for patient in touched {
            rebuild_patient(&tx, &patient)?;
        }
        for appointment in touched_appointments {
            crate::schedule::rebuild_appointment(&tx, &appointment)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Apply pulled changes and move the cursor, in one transaction. A change at or below the
    /// cursor (a repeated delivery) changes nothing.
    pub fn apply_pulled(
        &mut self,
        pulled: &PullResponse,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        if pulled.restarted {
            // The server's log started again: what it confirmed before no longer counts. Pending
            // changes stay (pushed again, they are answered from the server's record, or applied
            // anew if the server lost them).
            forget_confirmed(&tx)?;
        }
        let cursor: i64 = tx.query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| {
            r.get(0)
        })?;
        // Patients with changes still pending here are rebuilt (confirmed + pending replayed);
        // every other patient's row simply becomes the confirmed record.
        let pending: std::collections::HashSet<String> = {
            let mut statement = tx.prepare_cached("SELECT DISTINCT patient_id FROM outbox")?;
            let rows = statement.query_map([], |r| r.get::<_, Option<String>>(0))?;
            rows.filter_map(|r| r.transpose())
                .collect::<Result<_, _>>()?
        };
        let pending_appointments: std::collections::HashSet<String> = {
            let mut statement = tx.prepare_cached(
                "SELECT appointment_id FROM outbox UNION SELECT replaces_id FROM outbox",
            )?;
            let rows = statement.query_map([], |r| r.get::<_, Option<String>>(0))?;
            rows.filter_map(|r| r.transpose())
                .collect::<Result<_, _>>()?
        };
        let mut touched = std::collections::BTreeSet::new();
        let mut touched_appointments = std::collections::BTreeSet::new();
        for change in pulled.changes.iter().filter(|c| c.seq as i64 > cursor) {
            match &change.body {
                ChangeBody::Patient(record) => {
                    confirm(&tx, record, change.seq)?;
                    let id = record.id.to_string();
                    if pending.contains(&id) {
                        touched.insert(id);
                    } else {
                        show_confirmed(&tx, record)?;
                    }
                }
                ChangeBody::Doctor(record) => {
                    crate::schedule::confirm_doctor(&tx, record, change.seq)?
                }
                ChangeBody::Appointment(record) => {
                    let id = record.id.to_string();
                    let shown = !pending_appointments.contains(&id);
                    crate::schedule::confirm_appointment(&tx, record, change.seq, shown)?;
                    if !shown {
                        touched_appointments.insert(id);
                    }
                }
                ChangeBody::Message(record) => crate::chat::confirm_message(&tx, record)?,
                ChangeBody::Unknown => {
                    tracing::warn!(
                        seq = change.seq,
                        "a change of a kind this desk does not know was skipped"
                    );
                }
            }
        }
        for patient in &touched {
            rebuild_patient(&tx, patient)?;
        }
        for appointment in &touched_appointments {
            crate::schedule::rebuild_appointment(&tx, appointment)?;
        }
        tx.execute(
            "UPDATE sync_state SET cursor = max(cursor, ?1), last_synced_at = ?2 WHERE id = 1",
            (pulled.cursor as i64, at.to_rfc3339()),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Changes the server refused, newest first, with the reason and the change itself.
    pub fn rejected_commands(&self) -> Result<Vec<RejectedCommand>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT envelope, status, reason, message, fields, rejected_at, detail
             FROM rejected_command ORDER BY rejected_at DESC, command_id",
        )?;
        let rows = statement.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (envelope, status, reason, message, fields, at, detail) = row?;
            let encoding = |e: serde_json::Error| StoreError::Encoding(e.to_string());
            let rejection = match detail {
                Some(detail) => serde_json::from_str(&detail).map_err(encoding)?,
                None => Rejection {
                    fields: serde_json::from_str(&fields).map_err(encoding)?,
                    message,
                    ..Rejection::new(
                        serde_json::from_value(serde_json::Value::String(reason))
                            .map_err(encoding)?,
                        vec![],
                    )
                },
            };
            out.push(RejectedCommand {
                envelope: serde_json::from_str(&envelope).map_err(encoding)?,
                rejection: Rejection {
                    status: u16::try_from(status).unwrap_or(rejection.status),
                    ..rejection
                },
                rejected_at: DateTime::parse_from_rfc3339(&at)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| StoreError::Encoding(e.to_string()))?,
            });
        }
        Ok(out)
    }

    /// A person has read a refusal and dealt with it: only then does it leave the list.
    pub fn dismiss_rejected(&mut self, command: CommandId) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM rejected_command WHERE command_id = ?1",
            [command.to_string()],
        )? > 0)
    }

    /// The patient records the server has confirmed, as a pull delivered them.
    pub fn confirmed_patients(&self) -> Result<Vec<PatientRecord>, StoreError> {
        self.records(true)
    }

    /// The registry as this desk shows it (confirmed plus pending changes), by id.
    pub fn patient_records(&self) -> Result<Vec<PatientRecord>, StoreError> {
        self.records(false)
    }

    fn records(&self, confirmed: bool) -> Result<Vec<PatientRecord>, StoreError> {
        let sql = match confirmed {
            false => {
                "SELECT id, patient_number, account_id, full_name, sex, date_of_birth,
                            phone, email, address, emergency_contact FROM patient ORDER BY id"
            }
            true => {
                "SELECT id, patient_number, account_id, full_name, sex, date_of_birth,
                    phone, email, address, emergency_contact FROM patient_confirmed ORDER BY id"
            }
        };
        let mut statement = self.conn.prepare(sql)?;
        let rows = statement.query_map([], record_row)?;
        rows.map(|r| r.map_err(StoreError::from)).collect()
    }

    /// Commands not yet accepted by the server, oldest first.
    pub fn pending_commands(&self, limit: usize) -> Result<Vec<CommandEnvelope>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT envelope FROM outbox ORDER BY seq LIMIT ?1")?;
        let rows = statement.query_map([limit as i64], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            let text = row?;
            out.push(serde_json::from_str(&text).map_err(|e| StoreError::Encoding(e.to_string()))?);
        }
        Ok(out)
    }

    /// The commands `user` may push now: the oldest pending ones, up to the first made by someone
    /// else. Commands are pushed under their author's session and in order, so another user's
    /// change waits (and holds back later ones) until its author signs in here again.
    pub fn pending_commands_of(
        &self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<CommandEnvelope>, StoreError> {
        Ok(self
            .pending_commands(limit)?
            .into_iter()
            .take_while(|c| c.issued_by == user)
            .collect())
    }

    /// Forget the replica of the server's data — records, cursor, desk code — but never the
    /// outbox or the refused list: for a desk pointed at another server, or a patient app
    /// signed in to by another patient.
    pub fn reset_replica(&mut self) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        forget_confirmed(&tx)?;
        tx.execute(
            "UPDATE sync_state SET last_synced_at = NULL, desk_code = NULL WHERE id = 1",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The server this replica came from; a different one means [`Store::reset_replica`].
    pub fn replica_server(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT server_url FROM sync_state WHERE id = 1", [], |r| {
                r.get(0)
            })?)
    }

    pub fn set_replica_server(&mut self, url: &str) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE sync_state SET server_url = ?1 WHERE id = 1", [url])?;
        Ok(())
    }

    /// Every patient in the local registry, for search.
    pub fn patients(&self) -> Result<Vec<PatientSummary>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT id, patient_number, full_name, phone, date_of_birth FROM patient ORDER BY full_name",
        )?;
        let rows = statement.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, patient_number, full_name, phone, born) = row?;
            let id = id
                .parse::<PatientId>()
                .map_err(|e| StoreError::Encoding(e.to_string()))?;
            out.push(PatientSummary {
                id,
                patient_number,
                full_name,
                phone,
                date_of_birth: born.and_then(|b| NaiveDate::parse_from_str(&b, "%Y-%m-%d").ok()),
            });
        }
        Ok(out)
    }

    /// One patient as this desk shows it.
    pub fn patient(&self, id: PatientId) -> Result<Option<PatientRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, patient_number, account_id, full_name, sex, date_of_birth, phone,
                   email, address, emergency_contact FROM patient WHERE id = ?1",
                [id.to_string()],
                record_row,
            )
            .optional()?)
    }
}

/// Sync's standing, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSummary {
    /// Changes made here and not yet answered by the server.
    pub pending: u64,
    /// Changes the server refused, not yet dismissed.
    pub rejected: u64,
    pub last_synced_at: Option<DateTime<Utc>>,
}

/// A change the server refused, kept so a person can see what and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedCommand {
    pub envelope: CommandEnvelope,
    pub rejection: Rejection,
    pub rejected_at: DateTime<Utc>,
}

fn record_in(tx: &Transaction<'_>, envelope: &CommandEnvelope) -> Result<(), RecordError> {
    let text = serde_json::to_string(envelope).map_err(|e| StoreError::Encoding(e.to_string()))?;
    let appointment = envelope.command.appointment();
    match (appointment, &envelope.command) {
        (_, Command::SendMessage { .. }) => crate::chat::record_message(tx, envelope)?,
        (Some(_), _) => crate::schedule::apply_appointment(tx, envelope)?,
        (None, _) => apply(tx, &envelope.command, envelope.issued_at)?,
    }
    // A command is replayed with the record it changes: a registry command with its patient,
    // an appointment command with its appointment.
    let patient = match appointment {
        Some(_) => None,
        None => envelope.command.patient().map(|p| p.to_string()),
    };
    let replaces = match &envelope.command {
        Command::BookAppointment { replaces, .. } => replaces.map(|r| r.to_string()),
        _ => None,
    };
    tx.execute(
        "INSERT INTO outbox (command_id, envelope, created_at, patient_id, appointment_id,
           replaces_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        (
            envelope.id.to_string(),
            text,
            envelope.issued_at.to_rfc3339(),
            patient,
            appointment.map(|a| a.to_string()),
            replaces,
        ),
    )?;
    Ok(())
}

fn record_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PatientRecord> {
    let bad = |i: usize, e: String| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            Box::<dyn std::error::Error + Send + Sync>::from(e),
        )
    };
    let id: String = r.get(0)?;
    let account: Option<String> = r.get(2)?;
    Ok(PatientRecord {
        id: id.parse().map_err(|e: uuid::Error| bad(0, e.to_string()))?,
        patient_number: r.get(1)?,
        account: account
            .map(|a| a.parse::<UserId>())
            .transpose()
            .map_err(|e| bad(2, e.to_string()))?,
        demographics: PatientDemographics {
            full_name: r.get(3)?,
            sex: r
                .get::<_, Option<String>>(4)?
                .as_deref()
                .and_then(Sex::from_name),
            date_of_birth: r
                .get::<_, Option<String>>(5)?
                .and_then(|b| NaiveDate::parse_from_str(&b, "%Y-%m-%d").ok()),
            phone: r.get(6)?,
            email: r.get(7)?,
            address: r.get(8)?,
            emergency_contact: r.get(9)?,
        },
    })
}

/// Show the confirmed record of one patient as it is (no pending change of this desk sits on
/// top of it).
fn show_confirmed(tx: &Transaction<'_>, record: &PatientRecord) -> Result<(), StoreError> {
    upsert_record(
        tx,
        "INSERT INTO patient (id, patient_number, account_id, full_name, sex, date_of_birth, phone,
           email, address, emergency_contact, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, '')
         ON CONFLICT (id) DO UPDATE SET patient_number = excluded.patient_number,
           account_id = excluded.account_id, full_name = excluded.full_name, sex = excluded.sex,
           date_of_birth = excluded.date_of_birth, phone = excluded.phone, email = excluded.email,
           address = excluded.address, emergency_contact = excluded.emergency_contact",
        record,
        None,
    )
}

/// Run an upsert whose parameters 1–10 are a patient record's columns in table order (and 11,
/// when given, the change-log sequence).
fn upsert_record(
    tx: &Transaction<'_>,
    sql: &str,
    record: &PatientRecord,
    seq: Option<u64>,
) -> Result<(), StoreError> {
    let d = &record.demographics;
    let mut statement = tx.prepare_cached(sql)?;
    statement.raw_bind_parameter(1, record.id.to_string())?;
    statement.raw_bind_parameter(2, &record.patient_number)?;
    statement.raw_bind_parameter(3, record.account.map(|a| a.to_string()))?;
    statement.raw_bind_parameter(4, &d.full_name)?;
    statement.raw_bind_parameter(5, d.sex.map(Sex::as_str))?;
    statement.raw_bind_parameter(6, d.date_of_birth.map(|b| b.to_string()))?;
    statement.raw_bind_parameter(7, &d.phone)?;
    statement.raw_bind_parameter(8, &d.email)?;
    statement.raw_bind_parameter(9, &d.address)?;
    statement.raw_bind_parameter(10, &d.emergency_contact)?;
    if let Some(seq) = seq {
        statement.raw_bind_parameter(11, seq as i64)?;
    }
    statement.raw_execute()?;
    Ok(())
}

/// Forget what the server confirmed, and every shown patient no pending change of this desk
/// keeps; the cursor goes back to the start of the log.
fn forget_confirmed(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute_batch(
        "DELETE FROM patient_confirmed;
         DELETE FROM patient WHERE id NOT IN
           (SELECT patient_id FROM outbox WHERE patient_id IS NOT NULL);
         DELETE FROM doctor;
         DELETE FROM appointment_confirmed;
         DELETE FROM appointment WHERE id NOT IN
           (SELECT appointment_id FROM outbox WHERE appointment_id IS NOT NULL);
         UPDATE sync_state SET cursor = 0 WHERE id = 1;",
    )?;
    Ok(())
}

/// Keep a record as the server confirmed it.
fn confirm(tx: &Transaction<'_>, record: &PatientRecord, seq: u64) -> Result<(), StoreError> {
    upsert_record(
        tx,
        "INSERT INTO patient_confirmed (id, patient_number, account_id, full_name, sex,
           date_of_birth, phone, email, address, emergency_contact, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET patient_number = excluded.patient_number,
           account_id = excluded.account_id, full_name = excluded.full_name, sex = excluded.sex,
           date_of_birth = excluded.date_of_birth, phone = excluded.phone, email = excluded.email,
           address = excluded.address, emergency_contact = excluded.emergency_contact,
           seq = excluded.seq",
        record,
        Some(seq),
    )
}

/// Make the local row of one patient the confirmed record with this desk's pending commands
/// for that patient replayed on top, in order. A pending command that no longer applies (its
/// registration was confirmed meanwhile, say) is skipped here and answered by the server.
fn rebuild_patient(tx: &Transaction<'_>, patient: &str) -> Result<(), StoreError> {
    tx.execute("DELETE FROM patient WHERE id = ?1", [patient])?;
    tx.execute(
        "INSERT INTO patient (id, patient_number, account_id, full_name, sex, date_of_birth, phone,
           email, address, emergency_contact, updated_at)
         SELECT id, patient_number, account_id, full_name, sex, date_of_birth, phone, email,
           address, emergency_contact, '' FROM patient_confirmed WHERE id = ?1",
        [patient],
    )?;
    let pending: Vec<String> = {
        let mut statement =
            tx.prepare("SELECT envelope FROM outbox WHERE patient_id = ?1 ORDER BY seq")?;
        let rows = statement.query_map([patient], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for text in pending {
        let envelope: CommandEnvelope =
            serde_json::from_str(&text).map_err(|e| StoreError::Encoding(e.to_string()))?;
        match apply(tx, &envelope.command, envelope.issued_at) {
            Ok(()) => {}
            Err(RecordError::Store(e)) => return Err(e),
            Err(skipped) => tracing::debug!(%skipped, "a pending change no longer applies here"),
        }
    }
    Ok(())
}
