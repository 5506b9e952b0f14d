//! The desk's billing commands: what the UI sends and what it gets back.

use serde::{Deserialize, Serialize};

use super::{ErrorCode, IpcError, Language};
use crate::billing::{
    BillingRefusal, InvoiceLine, InvoiceRecord, InvoiceTotals, PaymentMethod, Standing,
};
use crate::money::Money;
use crate::{AppointmentId, PatientId};

/// An invoice as the desk shows it: the record, its standing and amounts, and whether changes
/// made here still wait for the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceView {
    pub record: InvoiceRecord,
    pub standing: Standing,
    pub totals: InvoiceTotals,
    pub paid: Money,
    pub refunded: Money,
    pub due: Money,
    pub pending: bool,
}

impl InvoiceView {
    /// The view of a record that adds up (every judged invoice does).
    pub fn of(record: InvoiceRecord, pending: bool) -> Result<InvoiceView, IpcError> {
        let view = (|| {
            Ok::<_, crate::billing::BillingProblem>(InvoiceView {
                standing: record.standing()?,
                totals: record.totals()?,
                paid: record.paid()?,
                refunded: record.refunded()?,
                due: record.due()?,
                record: record.clone(),
                pending,
            })
        })();
        view.map_err(|problem| IpcError::from(BillingRefusal::Problem(problem)))
    }
}

/// A change to the books made at this desk that the server refused (say, cash taken offline for
/// a bill another desk had been paid meanwhile): kept and shown until a person has seen it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedBill {
    pub command: crate::CommandId,
    pub patient: Option<PatientId>,
    pub invoice_number: Option<String>,
    pub change: crate::billing::BillingCommand,
    pub rejection: crate::sync::Rejection,
    pub rejected_at: chrono::DateTime<chrono::Utc>,
}

/// `bill_patient`: a new invoice from this desk's series, issued at once (offline too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillPatientArgs {
    pub patient: PatientId,
    #[serde(default)]
    pub appointment: Option<AppointmentId>,
    pub lines: Vec<InvoiceLine>,
}

/// `take_payment`: money received against an issued invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakePaymentArgs {
    pub invoice: uuid::Uuid,
    pub amount: Money,
    pub method: PaymentMethod,
    #[serde(default)]
    pub reference: Option<String>,
}

/// `refund_payment`: money given back, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundPaymentArgs {
    pub invoice: uuid::Uuid,
    pub amount: Money,
    pub method: PaymentMethod,
    pub reason: String,
}

/// `void_invoice`: an invoice voided with the reason; its number stays taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoidInvoiceArgs {
    pub invoice: uuid::Uuid,
    pub reason: String,
}

/// `pay_online` (patient build): pay what is due on one of the patient's own bills online.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayOnlineArgs {
    pub invoice: uuid::Uuid,
}

/// `takings` (admins): the clinic's takings for clinic days `from..=to` (today when left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakingsArgs {
    #[serde(default)]
    pub from: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub to: Option<chrono::NaiveDate>,
}

/// `print_invoice`: the invoice, or its receipt, as a PDF in either language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintInvoiceArgs {
    pub invoice: uuid::Uuid,
    pub receipt: bool,
    pub language: Language,
}

impl From<BillingRefusal> for IpcError {
    fn from(refusal: BillingRefusal) -> Self {
        let code = match refusal {
            BillingRefusal::Forbidden => ErrorCode::Forbidden,
            BillingRefusal::Problem(_) => ErrorCode::Validation,
            _ => ErrorCode::Conflict,
        };
        IpcError {
            billing: Some(Box::new(refusal.clone())),
            ..IpcError::new(code, refusal.to_string())
        }
    }
}
