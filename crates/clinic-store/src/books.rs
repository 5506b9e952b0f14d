//! The clinic's books on this desk: invoices, the payments taken against them and the refunds
//! given. A change is judged by the core's `judge_billing` against what this desk knows, applied
//! and queued in one transaction — cash taken with the server out of reach is kept, and pushed
//! once (its command id is the server's guard against taking it twice).
//!
//! Invariant: the shown `invoice` is the server-confirmed record (`invoice_confirmed`) with this
//! desk's pending billing commands replayed on top by the core's `apply_billing`; a pull or an
//! answer rebuilds the invoices it touches from those two, and nothing else writes `invoice`.

use chrono::{DateTime, Utc};
use clinic_core::billing::{
    apply_billing, invoice_number, invoice_number_desk, judge_billing, BillingCommand,
    BillingFacts, InvoiceRecord,
};
use clinic_core::money::Currency;
use clinic_core::sync::{Command, CommandEnvelope};
use clinic_core::{Actor, CommandId, PatientId};
use rusqlite::{OptionalExtension, Transaction};

use crate::recording::RecordError;
use crate::{Store, StoreError};

fn encode<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Encoding(e.to_string()))
}

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Encoding(e.to_string()))
}

/// The invoice as shown here, if this desk knows it.
fn shown(tx: &Transaction<'_>, id: uuid::Uuid) -> Result<Option<InvoiceRecord>, StoreError> {
    let text: Option<String> = tx
        .prepare_cached("SELECT record FROM invoice WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    text.map(|t| decode(&t)).transpose()
}

fn show(tx: &Transaction<'_>, record: &InvoiceRecord) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO invoice (id, number, patient_id, appointment_id, created_at, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET appointment_id = excluded.appointment_id,
           record = excluded.record",
    )?
    .execute((
        record.id.to_string(),
        &record.number,
        record.patient.to_string(),
        record.appointment.map(|a| a.to_string()),
        record.created_at.to_rfc3339(),
        encode(record)?,
    ))?;
    Ok(())
}

/// The desk's code and the clinic's currency, as the server granted them at sign-in.
fn desk_and_currency(tx: &Transaction<'_>) -> Result<(Option<u32>, Option<Currency>), StoreError> {
    let (code, currency): (Option<i64>, Option<String>) = tx.query_row(
        "SELECT desk_code, clinic_currency FROM sync_state WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((
        code.and_then(|c| u32::try_from(c).ok()),
        currency.and_then(|c| Currency::new(&c).ok()),
    ))
}

/// Rebuild an invoice as shown: confirmed, with this desk's pending changes replayed by the
/// core's rules. A pending change that no longer fits (another desk voided the invoice, say)
/// is left out here; the server will refuse it, and the refusal is listed.
pub(crate) fn rebuild_invoice(tx: &Transaction<'_>, id: &str) -> Result<(), StoreError> {
    let confirmed: Option<String> = tx
        .prepare_cached("SELECT record FROM invoice_confirmed WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let mut current: Option<InvoiceRecord> = confirmed.map(|t| decode(&t)).transpose()?;
    let (desk_code, currency) = desk_and_currency(tx)?;
    let pending: Vec<String> = {
        let mut statement =
            tx.prepare_cached("SELECT envelope FROM outbox WHERE invoice_id = ?1 ORDER BY seq")?;
        let rows = statement.query_map([id], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for text in pending {
        let envelope: CommandEnvelope = decode(&text)?;
        let Command::Bill { change } = &envelope.command else {
            continue;
        };
        let patient = match change {
            BillingCommand::SaveInvoice { patient, .. } => Some(*patient),
            _ => None,
        };
        // Who may make it, the patient and the appointment were judged when it was recorded;
        // the replay is the books' arithmetic only.
        let facts = BillingFacts {
            invoice: current.as_ref(),
            patient_known: true,
            number_owner: None,
            appointment_patient: patient,
            currency: currency
                .or(current.as_ref().map(|c| c.currency))
                .unwrap_or(Currency::BDT),
        };
        if let Ok(next) = apply_billing(
            envelope.issued_by,
            desk_code,
            change,
            &facts,
            envelope.issued_at,
        ) {
            current = Some(next);
        }
    }
    tx.prepare_cached("DELETE FROM invoice WHERE id = ?1")?
        .execute([id])?;
    if let Some(record) = current {
        show(tx, &record)?;
    }
    Ok(())
}

/// Keep an invoice as the server confirmed it; shown at once unless this desk has changes to it
/// still pending (then the caller rebuilds it).
pub(crate) fn confirm_invoice(
    tx: &Transaction<'_>,
    record: &InvoiceRecord,
    seq: u64,
    shown: bool,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO invoice_confirmed (id, record, seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET record = excluded.record, seq = excluded.seq",
    )?
    .execute((record.id.to_string(), encode(record)?, seq as i64))?;
    if shown {
        show(tx, record)?;
    }
    Ok(())
}

/// Forget the confirmed books (a replica started again): invoices with pending changes stay.
pub(crate) fn forget_confirmed_books(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute_batch(
        "DELETE FROM invoice_confirmed;
         DELETE FROM invoice WHERE id NOT IN
           (SELECT invoice_id FROM outbox WHERE invoice_id IS NOT NULL);",
    )?;
    Ok(())
}

impl Store {
    /// Judge a change to the books made at this desk by `actor` (the core's `judge_billing`,
    /// against the invoice, the patient, the number and the appointment as this desk knows
    /// them), show it and queue it, in one transaction. Works offline. Returns the envelope
    /// queued and the invoice as it now stands.
    pub fn record_billing(
        &mut self,
        command: CommandId,
        issued_at: DateTime<Utc>,
        actor: Actor,
        change: BillingCommand,
    ) -> Result<(CommandEnvelope, InvoiceRecord), RecordError> {
        let tx = self.conn.transaction()?;
        let (desk_code, currency) = desk_and_currency(&tx)?;
        let currency = currency.ok_or(RecordError::NoClinicCurrency)?;
        let stored = shown(&tx, change.invoice())?;
        let (patient_known, number_owner, appointment_patient) = match &change {
            BillingCommand::SaveInvoice {
                patient,
                number,
                appointment,
                ..
            } => {
                let known: bool = tx.query_row(
                    "SELECT EXISTS(SELECT 1 FROM patient WHERE id = ?1)",
                    [patient.to_string()],
                    |r| r.get(0),
                )?;
                let owner: Option<String> = tx
                    .query_row("SELECT id FROM invoice WHERE number = ?1", [number], |r| {
                        r.get(0)
                    })
                    .optional()?;
                let of: Option<String> = match appointment {
                    Some(a) => tx
                        .query_row(
                            "SELECT patient_id FROM appointment WHERE id = ?1",
                            [a.to_string()],
                            |r| r.get(0),
                        )
                        .optional()?,
                    None => None,
                };
                (
                    known,
                    owner.and_then(|o| o.parse().ok()),
                    of.and_then(|p| p.parse::<PatientId>().ok()),
                )
            }
            _ => (false, None, None),
        };
        let facts = BillingFacts {
            invoice: stored.as_ref(),
            patient_known,
            number_owner,
            appointment_patient,
            currency,
        };
        let record = judge_billing(actor, desk_code, &change, &facts, issued_at)
            .map_err(RecordError::Billing)?;
        let by = actor.user().ok_or(RecordError::Billing(
            clinic_core::billing::BillingRefusal::Forbidden,
        ))?;
        if let BillingCommand::SaveInvoice { number, .. } = &change {
            // A number from this desk's series is used: the series moves past it.
            if let Some(serial) = number
                .rsplit_once('-')
                .and_then(|(_, s)| s.parse::<i64>().ok())
                .filter(|_| invoice_number_desk(number) == desk_code)
            {
                tx.execute(
                    "UPDATE sync_state SET next_invoice_serial = max(next_invoice_serial, ?1)
                     WHERE id = 1",
                    [serial + 1],
                )?;
            }
        }
        let envelope = CommandEnvelope::new(command, issued_at, by, Command::Bill { change });
        show(&tx, &record)?;
        tx.execute(
            "INSERT INTO outbox (command_id, envelope, created_at, invoice_id)
             VALUES (?1, ?2, ?3, ?4)",
            (
                envelope.id.to_string(),
                encode(&envelope)?,
                issued_at.to_rfc3339(),
                record.id.to_string(),
            ),
        )?;
        tx.commit()?;
        Ok((envelope, record))
    }

    /// The next invoice number of this desk's series not yet used here (made offline).
    pub fn next_invoice_number(&self) -> Result<String, RecordError> {
        let (code, mut serial): (Option<i64>, i64) = self.conn.query_row(
            "SELECT desk_code, next_invoice_serial FROM sync_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let code = code
            .and_then(|c| u32::try_from(c).ok())
            .ok_or(RecordError::NoDeskCode)?;
        loop {
            let candidate = invoice_number(code, u32::try_from(serial).unwrap_or(u32::MAX));
            let used: bool = self.conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM invoice WHERE number = ?1)",
                [&candidate],
                |r| r.get(0),
            )?;
            if !used {
                return Ok(candidate);
            }
            serial += 1;
        }
    }

    /// The invoice as this desk knows it.
    pub fn invoice(&self, id: uuid::Uuid) -> Result<Option<InvoiceRecord>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT record FROM invoice WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| decode(&t)).transpose()
    }

    /// A patient's invoices, newest first.
    pub fn invoices_of(&self, patient: PatientId) -> Result<Vec<InvoiceRecord>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT record FROM invoice WHERE patient_id = ?1 ORDER BY created_at DESC, number DESC",
        )?;
        let rows = statement.query_map([patient.to_string()], |r| r.get::<_, String>(0))?;
        rows.map(|r| decode(&r?)).collect()
    }

    /// Whether changes to this invoice made here still wait for the server.
    pub fn invoice_pending(&self, id: uuid::Uuid) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM outbox WHERE invoice_id = ?1)",
            [id.to_string()],
            |r| r.get(0),
        )?)
    }

    /// What the clinic bills in, as the server said at sign-in.
    pub fn clinic_currency(&self) -> Result<Option<Currency>, StoreError> {
        let code: Option<String> = self.conn.query_row(
            "SELECT clinic_currency FROM sync_state WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        Ok(code.and_then(|c| Currency::new(&c).ok()))
    }

    pub fn set_clinic_currency(&mut self, code: &str) -> Result<(), StoreError> {
        let currency =
            Currency::new(code).map_err(|e| StoreError::Encoding(format!("currency: {e}")))?;
        self.conn.execute(
            "UPDATE sync_state SET clinic_currency = ?1 WHERE id = 1",
            [currency.code()],
        )?;
        Ok(())
    }

    /// The clinic as printed on invoices and receipts, as the server said at sign-in.
    pub fn clinic_header(
        &self,
    ) -> Result<Option<clinic_core::prescription::ClinicHeader>, StoreError> {
        let text: Option<String> = self.conn.query_row(
            "SELECT clinic_header FROM sync_state WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        text.map(|t| decode(&t)).transpose()
    }

    pub fn set_clinic_header(
        &mut self,
        header: &clinic_core::prescription::ClinicHeader,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sync_state SET clinic_header = ?1 WHERE id = 1",
            [encode(header)?],
        )?;
        Ok(())
    }
}
