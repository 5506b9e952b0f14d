//! Changes to the clinic's books inside a push group: the facts the billing judge needs (the
//! invoice as the group knows it, who holds the number, the patient, the appointment), the
//! core's `judge_billing`, and the writes — the invoice's row and change-log entry (for the
//! desk, the admins and the patient), and each payment or refund as its own row, once.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use clinic_core::billing::{BillingCommand, BillingFacts, InvoiceRecord, InvoiceState, LineKind};
use clinic_core::money::Currency;
use clinic_core::sync::{ChangeBody, Command, CommandEnvelope, CommandOutcome, CommandResult};

use super::*;
use crate::sync::events::BOOKS_AUDIENCE;

/// The group's copy of the books it touches, and the money it moved.
#[derive(Default)]
pub(super) struct GroupBooks {
    /// Invoices the group names, as it knows them (`None`: no such invoice).
    invoices: HashMap<uuid::Uuid, Option<InvoiceRecord>>,
    /// Invoice numbers in use, and by which invoice.
    numbers: HashMap<String, uuid::Uuid>,
    /// Invoices the group changed, in first-changed order (written with their final record).
    changed: Vec<uuid::Uuid>,
    /// Payments (`in`) and refunds (`out`) the group recorded.
    movements: Vec<Movement>,
    /// The clinic's clock, for the days the dashboard's sums are kept by.
    tz: Option<chrono_tz::Tz>,
}

/// A clinic day's sum: (local day, kind, doctor or '', service or '') → amount.
type DaySums = std::collections::BTreeMap<(String, String, String, String), i64>;

struct Movement {
    id: uuid::Uuid,
    invoice: uuid::Uuid,
    direction: &'static str,
    method: &'static str,
    amount: clinic_core::money::Money,
    account: String,
    at: i64,
}

impl GroupBooks {
    /// Read the invoices the group's billing commands name, and the numbers new ones claim, in
    /// two queries.
    pub(super) async fn read(
        tx: &mut Conn,
        envelopes: &[&CommandEnvelope],
    ) -> Result<GroupBooks, StorageError> {
        let mut books = GroupBooks::default();
        let mut ids = Vec::new();
        let mut numbers = Vec::new();
        for e in envelopes {
            if let Command::Bill { change } = &e.command {
                books.invoices.insert(change.invoice(), None);
                ids.push(change.invoice().to_string());
                if let BillingCommand::SaveInvoice { number, .. } = change {
                    numbers.push(number.clone());
                }
            }
        }
        let sql = "SELECT record FROM invoice WHERE id IN (";
        for (text,) in rows_in::<(String,)>(tx, sql, &ids).await? {
            let record: InvoiceRecord = read_record("invoice", &text)?;
            books.numbers.insert(record.number.clone(), record.id);
            books.invoices.insert(record.id, Some(record));
        }
        let sql = "SELECT number, id FROM invoice WHERE number IN (";
        for (number, id) in rows_in::<(String, String)>(tx, sql, &numbers).await? {
            let id = id
                .parse()
                .map_err(|_| StorageError::Corrupt(format!("invoice id {id:?}")))?;
            books.numbers.insert(number, id);
        }
        Ok(books)
    }
}

impl PushGroup<'_> {
    /// Judge one change to the books and gather its writes; a command answered before gets that
    /// answer (so a payment pushed again is never taken twice).
    pub(super) async fn take_billing(
        &mut self,
        envelope: &CommandEnvelope,
        currency: Currency,
        tz: chrono_tz::Tz,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, StorageError> {
        if let Some(outcome) = self.batch.answered_before(&self.lookup, envelope) {
            return Ok(outcome);
        }
        self.books.tz = Some(tz);
        let Command::Bill { change } = &envelope.command else {
            return Err(StorageError::Invariant("not a billing command".into()));
        };
        let id = change.invoice();
        let stored = self.books.invoices.get(&id).cloned().flatten();
        let (patient_known, number_owner, appointment_patient) = match change {
            BillingCommand::SaveInvoice {
                patient,
                number,
                appointment,
                ..
            } => {
                let appointment_patient = match appointment {
                    Some(a) => self
                        .appointment_in(&a.to_string())
                        .await?
                        .map(|r| r.patient),
                    None => None,
                };
                (
                    self.patient_account(*patient).await?.is_some(),
                    self.books.numbers.get(number).copied(),
                    appointment_patient,
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
        let actor = self.batch.actor();
        let at = envelope.made_at_by(actor, now);
        let judged = if self.batch.is_provider() {
            clinic_core::billing::online::judge_provider_payment(change, &facts, at)
        } else {
            clinic_core::billing::judge_billing(actor, self.batch.desk_code(), change, &facts, at)
        };
        let result = match judged {
            Err(refusal) => CommandResult::Rejected(refusal.into()),
            Ok(record) => {
                self.moved(change, &record);
                let seq = self.batch.append_for(
                    record.patient.to_string(),
                    write_record(&ChangeBody::Invoice(Box::new(record.clone())))?,
                    envelope.id.to_string(),
                    Some(BOOKS_AUDIENCE.to_owned()),
                );
                if !self.books.changed.contains(&id) {
                    self.books.changed.push(id);
                }
                self.books.numbers.insert(record.number.clone(), id);
                self.books.invoices.insert(id, Some(record));
                CommandResult::Applied { seq: seq as u64 }
            }
        };
        self.batch.answer(&mut self.lookup, envelope, result)
    }

    /// The payment or refund a judged change recorded, as a row of its own.
    fn moved(&mut self, change: &BillingCommand, record: &InvoiceRecord) {
        let movement = match change {
            BillingCommand::TakePayment { payment, .. } => record
                .payments
                .iter()
                .find(|p| p.id == *payment)
                .map(|p| Movement {
                    id: p.id,
                    invoice: record.id,
                    direction: "in",
                    method: p.method.as_str(),
                    amount: p.amount,
                    account: p.received_by.to_string(),
                    at: p.at.timestamp_millis(),
                }),
            BillingCommand::RefundPayment { refund, .. } => record
                .refunds
                .iter()
                .find(|r| r.id == *refund)
                .map(|r| Movement {
                    id: r.id,
                    invoice: record.id,
                    direction: "out",
                    method: r.method.as_str(),
                    amount: r.amount,
                    account: r.by.to_string(),
                    at: r.at.timestamp_millis(),
                }),
            _ => None,
        };
        self.books.movements.extend(movement);
    }

    /// Write the invoices the group changed (each once, as it ended) and the money it moved.
    pub(super) async fn write_books(&mut self) -> Result<(), StorageError> {
        let at = self.batch.at;
        let books = std::mem::take(&mut self.books);
        let records: Vec<&InvoiceRecord> = books
            .changed
            .iter()
            .filter_map(|id| books.invoices.get(id).and_then(Option::as_ref))
            .collect();
        for chunk in records.chunks(250) {
            let mut rows = Vec::with_capacity(chunk.len());
            for record in chunk {
                let total = record.totals().map_err(invariant)?.total.minor;
                let paid = record.paid().map_err(invariant)?.minor;
                let refunded = record.refunded().map_err(invariant)?.minor;
                rows.push((record, total, paid, refunded, write_record(record)?));
            }
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO invoice (id, number, patient_id, appointment_id, state, currency,
                   total_minor, paid_minor, refunded_minor, record, created_at, updated_at) ",
            );
            q.push_values(rows, |mut row, (record, total, paid, refunded, text)| {
                row.push_bind(record.id.to_string())
                    .push_bind(record.number.clone())
                    .push_bind(record.patient.to_string())
                    .push_bind(record.appointment.map(|a| a.to_string()))
                    .push_bind(state_name(record.state))
                    .push_bind(record.currency.code().to_owned())
                    .push_bind(total)
                    .push_bind(paid)
                    .push_bind(refunded)
                    .push_bind(text)
                    .push_bind(record.created_at.timestamp_millis())
                    .push_bind(at);
            });
            q.push(
                " ON CONFLICT (id) DO UPDATE SET appointment_id = excluded.appointment_id,
                   state = excluded.state, total_minor = excluded.total_minor,
                   paid_minor = excluded.paid_minor, refunded_minor = excluded.refunded_minor,
                   record = excluded.record, updated_at = excluded.updated_at",
            );
            q.build().execute(&mut *self.tx).await?;
        }
        // The lines the dashboard sums: rewritten whole for each changed invoice (none for a
        // void one or a draft), the days' sums moving with them.
        let tz = books.tz.unwrap_or(chrono_tz::UTC);
        let day = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms)
                .unwrap_or_default()
                .with_timezone(&tz)
                .date_naive()
                .to_string()
        };
        let ids: Vec<String> = records.iter().map(|r| r.id.to_string()).collect();
        let mut sums = DaySums::new();
        let sql = "SELECT issued_at, kind, doctor_id, service_code, total_minor FROM invoice_line
                   WHERE invoice_id IN (";
        type Old = (i64, String, Option<String>, Option<String>, i64);
        for (at, kind, doctor, service, total) in rows_in::<Old>(self.tx, sql, &ids).await? {
            let key = (
                day(at),
                kind,
                doctor.unwrap_or_default(),
                service.unwrap_or_default(),
            );
            *sums.entry(key).or_default() -= total;
        }
        for chunk in ids.chunks(500) {
            let mut q = sqlx::QueryBuilder::new("DELETE FROM invoice_line WHERE invoice_id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(id.clone());
            }
            list.push_unseparated(")");
            q.build().execute(&mut *self.tx).await?;
        }
        let mut lines = Vec::new();
        for record in records.iter().filter(|r| r.state == InvoiceState::Issued) {
            for (i, line) in record.lines.iter().enumerate() {
                let total = line.totals(i + 1).map_err(invariant)?.total.minor;
                let (kind, doctor, service) = match &line.kind {
                    LineKind::Consultation { doctor, .. } => {
                        ("consultation", Some(doctor.to_string()), None)
                    }
                    LineKind::Service { code } => ("service", None, Some(code.clone())),
                    LineKind::Other => ("other", None, None),
                };
                let key = (
                    day(record.created_at.timestamp_millis()),
                    kind.to_owned(),
                    doctor.clone().unwrap_or_default(),
                    service.clone().unwrap_or_default(),
                );
                *sums.entry(key).or_default() += total;
                lines.push((
                    record.id.to_string(),
                    i as i64,
                    kind,
                    doctor,
                    service,
                    total,
                    record.created_at.timestamp_millis(),
                ));
            }
        }
        for chunk in lines.chunks(500) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO invoice_line (invoice_id, position, kind, doctor_id, service_code,
                   total_minor, issued_at) ",
            );
            q.push_values(chunk, |mut row, l| {
                row.push_bind(l.0.clone())
                    .push_bind(l.1)
                    .push_bind(l.2)
                    .push_bind(l.3.clone())
                    .push_bind(l.4.clone())
                    .push_bind(l.5)
                    .push_bind(l.6);
            });
            q.build().execute(&mut *self.tx).await?;
        }
        let sums: Vec<_> = sums.into_iter().filter(|(_, total)| *total != 0).collect();
        for chunk in sums.chunks(500) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO takings_day (local_day, kind, doctor_id, service_code, total_minor) ",
            );
            q.push_values(chunk, |mut row, ((d, kind, doctor, service), total)| {
                row.push_bind(d.clone())
                    .push_bind(kind.clone())
                    .push_bind(doctor.clone())
                    .push_bind(service.clone())
                    .push_bind(*total);
            });
            q.push(
                " ON CONFLICT (local_day, kind, doctor_id, service_code)
                 DO UPDATE SET total_minor = takings_day.total_minor + excluded.total_minor",
            );
            q.build().execute(&mut *self.tx).await?;
        }
        let mut moved =
            std::collections::BTreeMap::<(String, String, &str, &str), (i64, i64)>::new();
        for m in &books.movements {
            let key = (
                day(m.at),
                m.amount.currency.code().to_owned(),
                m.method,
                m.direction,
            );
            let sum = moved.entry(key).or_default();
            sum.0 += m.amount.minor;
            sum.1 += 1;
        }
        let moved: Vec<_> = moved.into_iter().collect();
        for chunk in moved.chunks(500) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO money_day (local_day, currency, method, direction, amount_minor,
                   movements) ",
            );
            q.push_values(
                chunk,
                |mut row, ((d, currency, method, direction), (sum, n))| {
                    row.push_bind(d.clone())
                        .push_bind(currency.clone())
                        .push_bind(*method)
                        .push_bind(*direction)
                        .push_bind(*sum)
                        .push_bind(*n);
                },
            );
            q.push(
                " ON CONFLICT (local_day, currency, method, direction) DO UPDATE SET
                   amount_minor = money_day.amount_minor + excluded.amount_minor,
                   movements = money_day.movements + excluded.movements",
            );
            q.build().execute(&mut *self.tx).await?;
        }
        for chunk in books.movements.chunks(500) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO money_movement (id, invoice_id, direction, method, amount_minor,
                   currency, account_id, at) ",
            );
            q.push_values(chunk, |mut row, m| {
                row.push_bind(m.id.to_string())
                    .push_bind(m.invoice.to_string())
                    .push_bind(m.direction)
                    .push_bind(m.method)
                    .push_bind(m.amount.minor)
                    .push_bind(m.amount.currency.code().to_owned())
                    .push_bind(m.account.clone())
                    .push_bind(m.at);
            });
            q.build().execute(&mut *self.tx).await?;
        }
        Ok(())
    }
}

fn state_name(state: InvoiceState) -> &'static str {
    match state {
        InvoiceState::Draft => "draft",
        InvoiceState::Issued => "issued",
        InvoiceState::Void => "void",
    }
}

fn invariant(problem: clinic_core::billing::BillingProblem) -> StorageError {
    StorageError::Invariant(format!("a judged invoice does not add up: {problem}"))
}
