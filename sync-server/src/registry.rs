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
    check_patient_number, ChangeBody, CommandEnvelope, PatientRecord, Rejection, RejectionReason,
};
use clinic_core::{decide, Action, Actor, PatientId, UserId};

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

pub(crate) fn decode_body(text: &str) -> Result<ChangeBody, StorageError> {
    serde_json::from_str(text).map_err(|e| StorageError::Corrupt(format!("change body: {e}")))
}

/// What the server knows about the patient a command names, looked up in the transaction.
pub(crate) struct Existing {
    /// The patient id is registered; with its account if it has one.
    pub patient: Option<Option<UserId>>,
    /// The patient number is already someone's (for a registration).
    pub number_owner: Option<PatientId>,
}

/// Judge one command against the policy, the core's rules and what the registry holds.
/// `Ok` carries the record to write.
pub(crate) fn judge(
    actor: Actor,
    envelope: &CommandEnvelope,
    existing: &Existing,
    today: chrono::NaiveDate,
) -> Result<PatientRecord, Rejection> {
    use clinic_core::sync::Command;
    let refuse = |reason| Rejection::new(reason, vec![]);
    match &envelope.command {
        Command::RegisterPatient {
            patient,
            patient_number,
            demographics,
        } => {
            decide(actor, Action::RegisterPatient)
                .map_err(|_| refuse(RejectionReason::Forbidden))?;
            let mut fields = Vec::new();
            if let Err(e) = check_patient_number(patient_number) {
                fields.push(e);
            }
            if let Err(mut errors) = demographics.check(today) {
                fields.append(&mut errors);
            }
            if !fields.is_empty() {
                return Err(Rejection::new(RejectionReason::Invalid, fields));
            }
            if existing.patient.is_some() {
                return Err(refuse(RejectionReason::AlreadyRegistered));
            }
            if existing.number_owner.is_some_and(|owner| owner != *patient) {
                return Err(refuse(RejectionReason::PatientNumberTaken));
            }
            Ok(PatientRecord {
                id: *patient,
                patient_number: patient_number.clone(),
                demographics: demographics.clone(),
                account: None,
            })
        }
        Command::UpdatePatient {
            patient,
            demographics,
        } => {
            // The policy is asked before existence is told: a patient probing ids hears
            // "not allowed" for every id that is not theirs.
            let account = existing.patient.flatten();
            decide(actor, Action::UpdateRegisteredPatient { account })
                .map_err(|_| refuse(RejectionReason::Forbidden))?;
            if existing.patient.is_none() {
                return Err(refuse(RejectionReason::UnknownPatient));
            }
            demographics
                .check(today)
                .map_err(|fields| Rejection::new(RejectionReason::Invalid, fields))?;
            Ok(PatientRecord {
                id: *patient,
                // Filled in from the row by the caller: an update never renumbers.
                patient_number: String::new(),
                demographics: demographics.clone(),
                account,
            })
        }
    }
}

/// The registry's SQL, shared by both backends; expanded inside `impl Storage for $backend`.
macro_rules! registry_sql_methods {
    () => {
        async fn apply_commands(
            &self,
            actor: clinic_core::Actor,
            pushed: &[serde_json::Value],
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(Vec<clinic_core::sync::CommandOutcome>, u64), StorageError> {
            use clinic_core::sync::{read_command, CommandOutcome, CommandResult};
            use $crate::registry::*;
            let at = now.timestamp_millis();
            let today = now.date_naive();
            let actor_id = match actor {
                clinic_core::Actor::User { id, .. } | clinic_core::Actor::UnrecognisedRole { id } => {
                    id.to_string()
                }
                clinic_core::Actor::Anonymous => String::new(),
            };
            let mut tx = self.pool.begin().await?;
            // First statement: the head row lock (see the module's invariant).
            let (start,): (i64,) =
                sqlx::query_as("UPDATE change_head SET seq = seq WHERE id = 1 RETURNING seq")
                    .fetch_one(&mut *tx)
                    .await?;
            let mut seq = start;
            let mut outcomes = Vec::with_capacity(pushed.len());
            for value in pushed {
                let envelope = match read_command(value) {
                    Ok(envelope) => envelope,
                    Err((id, rejection)) => {
                        outcomes.push(CommandOutcome {
                            id,
                            result: CommandResult::Rejected(rejection),
                        });
                        continue;
                    }
                };
                let id_text = envelope.id.to_string();
                let earlier: Option<(String,)> =
                    sqlx::query_as("SELECT outcome FROM applied_command WHERE command_id = $1")
                        .bind(&id_text)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some((text,)) = earlier {
                    let result: CommandResult = serde_json::from_str(&text)
                        .map_err(|e| StorageError::Corrupt(format!("command outcome: {e}")))?;
                    outcomes.push(CommandOutcome {
                        id: Some(envelope.id),
                        result,
                    });
                    continue;
                }
                let patient = envelope.command.patient();
                let row: Option<(String, Option<String>)> = sqlx::query_as(
                    "SELECT patient_number, account_id FROM patient WHERE id = $1",
                )
                .bind(patient.to_string())
                .fetch_optional(&mut *tx)
                .await?;
                let number_owner = match &envelope.command {
                    clinic_core::sync::Command::RegisterPatient { patient_number, .. } => {
                        let owner: Option<(String,)> =
                            sqlx::query_as("SELECT id FROM patient WHERE patient_number = $1")
                                .bind(patient_number)
                                .fetch_optional(&mut *tx)
                                .await?;
                        owner.and_then(|(id,)| id.parse().ok())
                    }
                    clinic_core::sync::Command::UpdatePatient { .. } => None,
                };
                let existing = Existing {
                    patient: row
                        .as_ref()
                        .map(|(_, account)| account.as_deref().and_then(|a| a.parse().ok())),
                    number_owner,
                };
                let result = match judge(actor, &envelope, &existing, today) {
                    Err(rejection) => CommandResult::Rejected(rejection),
                    Ok(mut record) => {
                        let d = &record.demographics;
                        match &row {
                            None => {
                                sqlx::query(
                                    "INSERT INTO patient (id, patient_number, account_id, full_name, sex,
                                       date_of_birth, phone, email, address, emergency_contact, updated_at)
                                     VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10)",
                                )
                                .bind(record.id.to_string())
                                .bind(&record.patient_number)
                                .bind(&d.full_name)
                                .bind(d.sex.map(Sex::as_str))
                                .bind(d.date_of_birth.map(|b| b.to_string()))
                                .bind(&d.phone)
                                .bind(&d.email)
                                .bind(&d.address)
                                .bind(&d.emergency_contact)
                                .bind(at)
                                .execute(&mut *tx)
                                .await?;
                            }
                            Some((number, account)) => {
                                record.patient_number = number.clone();
                                sqlx::query(
                                    "UPDATE patient SET full_name = $1, sex = $2, date_of_birth = $3,
                                       phone = $4, email = $5, address = $6, emergency_contact = $7,
                                       updated_at = $8 WHERE id = $9",
                                )
                                .bind(&d.full_name)
                                .bind(d.sex.map(Sex::as_str))
                                .bind(d.date_of_birth.map(|b| b.to_string()))
                                .bind(&d.phone)
                                .bind(&d.email)
                                .bind(&d.address)
                                .bind(&d.emergency_contact)
                                .bind(at)
                                .bind(record.id.to_string())
                                .execute(&mut *tx)
                                .await?;
                                if let Some(account) = account {
                                    sqlx::query("UPDATE account SET display_name = $1 WHERE id = $2")
                                        .bind(&d.full_name)
                                        .bind(account)
                                        .execute(&mut *tx)
                                        .await?;
                                }
                            }
                        }
                        seq += 1;
                        sqlx::query(
                            "INSERT INTO change_log (seq, patient_id, body, command_id, created_at)
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(seq)
                        .bind(record.id.to_string())
                        .bind(encode_body(&record)?)
                        .bind(&id_text)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                        CommandResult::Applied { seq: seq as u64 }
                    }
                };
                let text = serde_json::to_string(&result)
                    .map_err(|e| StorageError::Corrupt(e.to_string()))?;
                sqlx::query(
                    "INSERT INTO applied_command (command_id, account_id, outcome, created_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&id_text)
                .bind(&actor_id)
                .bind(text)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                outcomes.push(CommandOutcome {
                    id: Some(envelope.id),
                    result,
                });
            }
            if seq != start {
                sqlx::query("UPDATE change_head SET seq = $1 WHERE id = 1")
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok((outcomes, seq as u64))
        }

        async fn pull(
            &self,
            scope: clinic_core::RegistryScope,
            after: u64,
            limit: u32,
        ) -> Result<clinic_core::sync::PullResponse, StorageError> {
            use clinic_core::sync::{Change, PullResponse};
            let after = i64::try_from(after).unwrap_or(i64::MAX);
            let fetch = i64::from(limit) + 1;
            // The head first: every change up to it has committed (appends commit in order), so
            // reading up to it and then moving the cursor to it skips nothing.
            let (head,): (i64,) = sqlx::query_as("SELECT seq FROM change_head WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
            let rows: Vec<(i64, String)> = match scope {
                clinic_core::RegistryScope::WholeRegistry => {
                    sqlx::query_as(
                        "SELECT seq, body FROM change_log WHERE seq > $1 AND seq <= $2
                         ORDER BY seq LIMIT $3",
                    )
                    .bind(after)
                    .bind(head)
                    .bind(fetch)
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
            let mut changes = Vec::with_capacity(rows.len());
            for (seq, body) in rows.into_iter().take(limit as usize) {
                changes.push(Change {
                    seq: seq as u64,
                    body: $crate::registry::decode_body(&body)?,
                });
            }
            // Without `more`, the device may skip to the head: changes outside its scope are
            // not its business.
            let cursor = match changes.last() {
                Some(last) if more => last.seq,
                _ => head as u64,
            };
            Ok(PullResponse {
                changes,
                cursor: cursor.max(after as u64),
                more,
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
                sqlx::query(
                    "INSERT INTO change_log (seq, patient_id, body, command_id, created_at)
                     VALUES ($1, $2, $3, NULL, $4)",
                )
                .bind(seq)
                .bind(record.id.to_string())
                .bind(encode_body(&record)?)
                .bind(0_i64)
                .execute(&mut *tx)
                .await?;
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
