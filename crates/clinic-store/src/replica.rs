//! The desk's side of sync: its device id and desk code, the pull cursor, the outbox's pending
//! commands, the server's answers settled and pulled changes applied (the invariants are the
//! registry's, in `registry.rs`).

use chrono::{DateTime, Utc};
use clinic_core::sync::{
    ChangeBody, CommandEnvelope, CommandOutcome, CommandResult, PullResponse, Rejection,
};
use clinic_core::{CommandId, UserId};
use rusqlite::OptionalExtension;

use crate::registry::{
    confirm, forget_confirmed, rebuild_patient, show_confirmed, RejectedCommand, SyncSummary,
};
use crate::{Store, StoreError};

impl Store {
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
        let mut touched_invoices = Vec::new();
        for outcome in outcomes {
            let Some(id) = outcome.id else { continue };
            type Row = (
                String,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
            );
            let row: Option<Row> = tx
                .prepare_cached(
                    "SELECT envelope, patient_id, appointment_id, replaces_id, invoice_id
                     FROM outbox WHERE command_id = ?1",
                )?
                .query_row([id.to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .optional()?;
            let Some((envelope, patient, appointment, replaces, invoice)) = row else {
                continue;
            };
            if let Some(invoice) = invoice {
                // Refused: the invoice shows without the change. Applied: its effect arrives by
                // pull, or already has (then the invoice is shown from the server's record).
                let rebuild = match &outcome.result {
                    CommandResult::Rejected(_) => true,
                    CommandResult::Applied { seq } => tx
                        .prepare_cached("SELECT seq FROM invoice_confirmed WHERE id = ?1")?
                        .query_row([&invoice], |r| r.get::<_, i64>(0))
                        .optional()?
                        .is_some_and(|c| c >= *seq as i64),
                };
                if rebuild {
                    touched_invoices.push(invoice);
                }
            }
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
        for invoice in touched_invoices {
            crate::books::rebuild_invoice(&tx, &invoice)?;
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
        let pending_invoices: std::collections::HashSet<String> = {
            let mut statement = tx.prepare_cached(
                "SELECT DISTINCT invoice_id FROM outbox WHERE invoice_id IS NOT NULL",
            )?;
            let rows = statement.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut touched = std::collections::BTreeSet::new();
        let mut touched_appointments = std::collections::BTreeSet::new();
        let mut touched_invoices = std::collections::BTreeSet::new();
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
                ChangeBody::Invoice(record) => {
                    let id = record.id.to_string();
                    let shown = !pending_invoices.contains(&id);
                    crate::books::confirm_invoice(&tx, record, change.seq, shown)?;
                    if !shown {
                        touched_invoices.insert(id);
                    }
                }
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
        for invoice in &touched_invoices {
            crate::books::rebuild_invoice(&tx, invoice)?;
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
}
