//! The desk's patient registry and the outbox: every local change is a command, applied to the
//! local tables and queued for the server in one transaction — never one without the other.

use chrono::{DateTime, NaiveDate, Utc};
use clinic_core::account::{PatientDemographics, Sex};
use clinic_core::registry::PatientSummary;
use clinic_core::sync::{Command, CommandEnvelope};
use clinic_core::PatientId;
use rusqlite::{OptionalExtension, Transaction};

use crate::{Store, StoreError};

/// Why a local command could not be recorded. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("Patient number {0} is already in use. Choose another.")]
    PatientNumberTaken(String),
    #[error("This patient is not in the registry on this computer.")]
    UnknownPatient,
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
        Command::RegisterPatient {
            patient,
            patient_number,
            demographics: d,
        } => {
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
                   emergency_contact, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
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
                ),
            )?;
        }
        Command::UpdatePatient {
            patient,
            demographics: d,
        } => {
            let changed = tx.execute(
                "UPDATE patient SET full_name = ?1, sex = ?2, date_of_birth = ?3, phone = ?4,
                   address = ?5, emergency_contact = ?6, updated_at = ?7 WHERE id = ?8",
                (
                    &d.full_name,
                    d.sex.map(Sex::as_str),
                    d.date_of_birth.map(|b| b.to_string()),
                    &d.phone,
                    &d.address,
                    &d.emergency_contact,
                    at.to_rfc3339(),
                    patient.to_string(),
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
        let text =
            serde_json::to_string(envelope).map_err(|e| StoreError::Encoding(e.to_string()))?;
        let tx = self.conn.transaction()?;
        apply(&tx, &envelope.command, envelope.issued_at)?;
        tx.execute(
            "INSERT INTO outbox (command_id, envelope, created_at) VALUES (?1, ?2, ?3)",
            (
                envelope.id.to_string(),
                text,
                envelope.issued_at.to_rfc3339(),
            ),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Commands not yet accepted by the server, oldest first.
    pub fn pending_commands(&self, limit: usize) -> Result<Vec<CommandEnvelope>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT envelope FROM outbox ORDER BY seq LIMIT ?1")?;
        let rows = statement.query_map([limit as i64], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            let text = row?;
            out.push(serde_json::from_str(&text).map_err(|e| StoreError::Encoding(e.to_string()))?);
        }
        Ok(out)
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

    /// The demographics of one patient.
    pub fn patient(&self, id: PatientId) -> Result<Option<PatientDemographics>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT full_name, phone, address, emergency_contact, date_of_birth, sex
                 FROM patient WHERE id = ?1",
                [id.to_string()],
                |r| {
                    Ok(PatientDemographics {
                        full_name: r.get(0)?,
                        sex: r
                            .get::<_, Option<String>>(5)?
                            .as_deref()
                            .and_then(Sex::from_name),
                        phone: r.get(1)?,
                        address: r.get(2)?,
                        emergency_contact: r.get(3)?,
                        date_of_birth: r
                            .get::<_, Option<String>>(4)?
                            .and_then(|b| NaiveDate::parse_from_str(&b, "%Y-%m-%d").ok()),
                    })
                },
            )
            .optional()?)
    }
}
