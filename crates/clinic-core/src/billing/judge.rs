//! The one judge of a change to the clinic's books, called unchanged by the desk (before it
//! queues the change, offline too) and by the server (on every push): who may, whether the
//! invoice and the number are the ones it says, and what the books are after it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    invoice_number_desk, BillingProblem, InvoiceLine, InvoiceRecord, InvoiceState, PaymentMethod,
    PaymentRecord, RefundRecord,
};
use crate::money::{Currency, Money};
use crate::policy::{decide, Action};
use crate::{Actor, AppointmentId, PatientId};

/// A change to the clinic's books, as a desk records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BillingCommand {
    /// A new invoice or a changed draft (its lines replace the draft's); issued at once when
    /// `issue`. The number is the desk's own, from its series.
    SaveInvoice {
        invoice: uuid::Uuid,
        number: String,
        patient: PatientId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        appointment: Option<AppointmentId>,
        lines: Vec<InvoiceLine>,
        issue: bool,
    },
    /// Money received against an issued invoice.
    TakePayment {
        invoice: uuid::Uuid,
        payment: uuid::Uuid,
        amount: Money,
        method: PaymentMethod,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    /// Money given back.
    RefundPayment {
        invoice: uuid::Uuid,
        refund: uuid::Uuid,
        amount: Money,
        method: PaymentMethod,
        reason: String,
    },
    /// An invoice voided: its number stays taken.
    VoidInvoice { invoice: uuid::Uuid, reason: String },
}

impl BillingCommand {
    pub fn invoice(&self) -> uuid::Uuid {
        match self {
            BillingCommand::SaveInvoice { invoice, .. }
            | BillingCommand::TakePayment { invoice, .. }
            | BillingCommand::RefundPayment { invoice, .. }
            | BillingCommand::VoidInvoice { invoice, .. } => *invoice,
        }
    }
}

/// What the judge needs known: read from the desk's store, or by the server's push group.
#[derive(Debug, Clone, Copy)]
pub struct BillingFacts<'a> {
    /// The invoice as stored, if it exists.
    pub invoice: Option<&'a InvoiceRecord>,
    /// Whether the patient is registered.
    pub patient_known: bool,
    /// The invoice that already has the number being saved, if any.
    pub number_owner: Option<uuid::Uuid>,
    /// The patient of the appointment a saved invoice names, when that appointment exists.
    pub appointment_patient: Option<PatientId>,
    /// The clinic's currency: every amount is in it.
    pub currency: Currency,
}

/// Why a change to the books was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "refused", rename_all = "snake_case")]
pub enum BillingRefusal {
    #[error("Your account may not do this.")]
    Forbidden,
    #[error("There is no such invoice.")]
    UnknownInvoice,
    #[error("There is no such patient.")]
    UnknownPatient,
    #[error("There is no such appointment.")]
    UnknownAppointment,
    #[error("This appointment is another patient's.")]
    AppointmentOfAnotherPatient,
    #[error("Another invoice has this number.")]
    NumberTaken,
    #[error("This number is not from this desk's series.")]
    NotThisDesksSeries,
    #[error("An invoice's patient and number do not change.")]
    InvoiceChanged,
    #[error("{0}")]
    Problem(BillingProblem),
}

impl From<BillingProblem> for BillingRefusal {
    fn from(problem: BillingProblem) -> Self {
        BillingRefusal::Problem(problem)
    }
}

/// Judge `command`, made by `actor` on the desk granted `desk_code`, at `at`: the invoice as it
/// is after the change, or why not.
pub fn judge_billing(
    actor: Actor,
    desk_code: Option<u32>,
    command: &BillingCommand,
    facts: &BillingFacts<'_>,
    at: DateTime<Utc>,
) -> Result<InvoiceRecord, BillingRefusal> {
    let action = match command {
        BillingCommand::SaveInvoice { .. } | BillingCommand::TakePayment { .. } => Action::Bill,
        BillingCommand::RefundPayment { .. } | BillingCommand::VoidInvoice { .. } => Action::Refund,
    };
    decide(actor, action).map_err(|_| BillingRefusal::Forbidden)?;
    let by = actor.user().ok_or(BillingRefusal::Forbidden)?;
    apply_billing(by, desk_code, command, facts, at)
}

/// The books after `command`, made by `by` on the desk granted `desk_code`, once who may make it
/// is settled ([`judge_billing`] settles it): a desk replaying its own pending changes on top of
/// what the server confirmed calls this, so the arithmetic is the judge's.
pub fn apply_billing(
    by: crate::UserId,
    desk_code: Option<u32>,
    command: &BillingCommand,
    facts: &BillingFacts<'_>,
    at: DateTime<Utc>,
) -> Result<InvoiceRecord, BillingRefusal> {
    let stored = facts.invoice;
    match command {
        BillingCommand::SaveInvoice {
            invoice,
            number,
            patient,
            appointment,
            lines,
            issue,
        } => {
            if appointment.is_some() {
                match facts.appointment_patient {
                    None => return Err(BillingRefusal::UnknownAppointment),
                    Some(of) if of != *patient => {
                        return Err(BillingRefusal::AppointmentOfAnotherPatient)
                    }
                    Some(_) => {}
                }
            }
            let draft = match stored {
                Some(old) => {
                    if old.state != InvoiceState::Draft {
                        return Err(BillingProblem::NotADraft.into());
                    }
                    if old.number != *number || old.patient != *patient {
                        return Err(BillingRefusal::InvoiceChanged);
                    }
                    InvoiceRecord {
                        lines: lines.clone(),
                        appointment: *appointment,
                        ..old.clone()
                    }
                }
                None => {
                    if !facts.patient_known {
                        return Err(BillingRefusal::UnknownPatient);
                    }
                    if invoice_number_desk(number).is_none_or(|code| Some(code) != desk_code) {
                        return Err(BillingRefusal::NotThisDesksSeries);
                    }
                    if facts.number_owner.is_some_and(|owner| owner != *invoice) {
                        return Err(BillingRefusal::NumberTaken);
                    }
                    InvoiceRecord {
                        id: *invoice,
                        number: number.clone(),
                        patient: *patient,
                        appointment: *appointment,
                        currency: facts.currency,
                        lines: lines.clone(),
                        state: InvoiceState::Draft,
                        void_reason: None,
                        payments: vec![],
                        refunds: vec![],
                        created_by: by,
                        created_at: at,
                    }
                }
            };
            draft.totals()?;
            Ok(if *issue { draft.issue()? } else { draft })
        }
        BillingCommand::TakePayment {
            payment,
            amount,
            method,
            reference,
            ..
        } => {
            let invoice = stored.ok_or(BillingRefusal::UnknownInvoice)?;
            Ok(invoice.pay(PaymentRecord {
                id: *payment,
                amount: *amount,
                method: *method,
                reference: reference.clone(),
                received_by: by,
                at,
            })?)
        }
        BillingCommand::RefundPayment {
            refund,
            amount,
            method,
            reason,
            ..
        } => {
            let invoice = stored.ok_or(BillingRefusal::UnknownInvoice)?;
            Ok(invoice.refund(RefundRecord {
                id: *refund,
                amount: *amount,
                method: *method,
                reason: reason.trim().to_owned(),
                by,
                at,
            })?)
        }
        BillingCommand::VoidInvoice { reason, .. } => {
            let invoice = stored.ok_or(BillingRefusal::UnknownInvoice)?;
            Ok(invoice.void(reason)?)
        }
    }
}
