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
use clinic_core::sync::{patient_number, Command, CommandEnvelope, PatientRecord, Rejection};
use clinic_core::{CommandId, PatientId, UserId};
use rusqlite::{OptionalExtension, Transaction};

pub use crate::recording::RecordError;
use crate::{Store, StoreError};

fn apply(tx: &Transaction<'_>, command: &Command, at: DateTime<Utc>) -> Result<(), RecordError> {
    match command {
        // Appointment commands are applied by the appointment book (`schedule`).
        Command::BookAppointment { .. }
        | Command::StepAppointment { .. }
        | Command::SendMessage { .. } => {
            return Err(RecordError::UnknownAppointment);
        }
        // Changes to the books are judged and queued by `Store::record_billing` (`books`).
        Command::Bill { .. } => {
            return Err(RecordError::Invalid(
                "A change to the books is recorded with its judge (record_billing).".into(),
            ));
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
pub(crate) fn show_confirmed(
    tx: &Transaction<'_>,
    record: &PatientRecord,
) -> Result<(), StoreError> {
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
pub(crate) fn forget_confirmed(tx: &Transaction<'_>) -> Result<(), StoreError> {
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
    crate::books::forget_confirmed_books(tx)?;
    Ok(())
}

/// Keep a record as the server confirmed it.
pub(crate) fn confirm(
    tx: &Transaction<'_>,
    record: &PatientRecord,
    seq: u64,
) -> Result<(), StoreError> {
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
pub(crate) fn rebuild_patient(tx: &Transaction<'_>, patient: &str) -> Result<(), StoreError> {
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
