//! Billing: invoices with their lines, discounts and tax, the payments and refunds against them,
//! and the judges the desk and the server both call before one is recorded. Pure: amounts are
//! [`Money`] (whole minor units), time arrives as an argument.
//!
//! An invoice's standing is never stored apart from what it is made of: it is worked out from its
//! state (draft, issued, void) and the payments and refunds recorded against it, so it cannot
//! disagree with them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::availability::ConsultationType;
use crate::money::{Currency, Money, MoneyError, BASIS_POINTS_IN_WHOLE};
use crate::{AppointmentId, PatientId, UserId};

mod judge;
pub mod online;
pub mod takings;
pub use judge::{apply_billing, judge_billing, BillingCommand, BillingFacts, BillingRefusal};

/// What a line bills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LineKind {
    /// A doctor's consultation, priced from the doctor's fees.
    Consultation {
        doctor: UserId,
        consultation: ConsultationType,
    },
    /// One of the clinic's priced services (dressing, ECG, …), by its code.
    Service { code: String },
    /// Anything else the desk writes in.
    Other,
}

/// A reduction of a line: an amount or a share, with who granted it and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discount {
    pub off: DiscountOff,
    pub granted_by: UserId,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum DiscountOff {
    Amount(Money),
    /// In basis points (1000 = 10 %).
    Percent(u32),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub kind: LineKind,
    pub description: String,
    pub quantity: u32,
    pub unit_price: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Discount>,
    /// Tax on the line after its discount, in basis points (0 where the clinic sets none).
    #[serde(default)]
    pub tax_basis_points: u32,
}

/// A line's amounts: `gross − discount = net`, `net + tax = total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTotals {
    pub gross: Money,
    pub discount: Money,
    pub net: Money,
    pub tax: Money,
    pub total: Money,
}

/// An invoice's amounts: each the sum of its lines' (so no paisa is lost or made between the
/// lines and the total).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceTotals {
    pub gross: Money,
    pub discount: Money,
    pub tax: Money,
    pub total: Money,
}

/// The longest description and reason kept.
pub const MAX_TEXT: usize = 200;
/// The most of one thing on a line.
pub const MAX_QUANTITY: u32 = 1_000;
/// The highest tax rate a line may carry (100 %).
pub const MAX_TAX_BASIS_POINTS: u32 = BASIS_POINTS_IN_WHOLE;
/// The most lines on one invoice.
pub const MAX_LINES: usize = 100;
/// A reason (discount, void, refund) says at least this much.
pub const MIN_REASON: usize = 3;

/// Why a bill, payment or refund is refused. Each has a stable code the UI words in English and
/// Bangla (`billing-<code>`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum BillingProblem {
    #[error("An invoice needs at least one line.")]
    NoLines,
    #[error("An invoice has at most {MAX_LINES} lines.")]
    TooManyLines,
    #[error("Line {line}: the quantity must be between 1 and {MAX_QUANTITY}.")]
    BadQuantity { line: usize },
    #[error("Line {line}: the price must be more than zero.")]
    BadPrice { line: usize },
    #[error("Line {line}: describe what is billed (at most {MAX_TEXT} characters).")]
    BadDescription { line: usize },
    #[error("Line {line}: the discount is more than the line.")]
    DiscountAboveLine { line: usize },
    #[error("Line {line}: a discount needs a reason of at least {MIN_REASON} characters.")]
    DiscountWithoutReason { line: usize },
    #[error("Line {line}: the tax rate must be between 0 and 100 %.")]
    BadTax { line: usize },
    #[error("Every amount on an invoice is in the clinic's currency, {expected}.")]
    WrongCurrency { expected: Currency },
    #[error("The amount is too large.")]
    TooLarge,
    #[error("An amount must be more than zero.")]
    NotPositive,
    #[error("This invoice is void: nothing more can be paid or changed.")]
    InvoiceVoid,
    #[error("Only a draft can be changed; this invoice is issued.")]
    NotADraft,
    #[error("A draft is issued before it is paid.")]
    NotIssued,
    /// The amount, not its words, so the UI says it in the desk's language and digits.
    #[error("That is more than is due: {}.", .due.display(false))]
    MoreThanDue { due: Money },
    #[error("Nothing is due on this invoice.")]
    NothingDue,
    #[error("That is more than was paid and not yet refunded: {}.", .refundable.display(false))]
    MoreThanPaid { refundable: Money },
    #[error("An invoice with payments kept cannot be voided; refund them first.")]
    PaidInvoiceCannotBeVoided,
    #[error("Say why (at least {MIN_REASON} characters).")]
    ReasonRequired,
    #[error("The card slip or transaction number is required for this payment method.")]
    ReferenceRequired,
    #[error("This payment or refund is already recorded.")]
    AlreadyRecorded,
}

impl BillingProblem {
    /// The stable code (`more_than_due`, …).
    pub fn code(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v["problem"].as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

impl From<MoneyError> for BillingProblem {
    fn from(e: MoneyError) -> Self {
        match e {
            MoneyError::CurrencyMismatch(expected, _) => BillingProblem::WrongCurrency { expected },
            _ => BillingProblem::TooLarge,
        }
    }
}

fn text_ok(text: &str, min: usize) -> bool {
    let n = text.trim().chars().count();
    n >= min && n <= MAX_TEXT && !text.chars().any(char::is_control)
}

impl InvoiceLine {
    /// The line's amounts, or why the line is not one the clinic can bill (`line` is its place,
    /// counted from 1, for the message).
    pub fn totals(&self, line: usize) -> Result<LineTotals, BillingProblem> {
        if self.quantity == 0 || self.quantity > MAX_QUANTITY {
            return Err(BillingProblem::BadQuantity { line });
        }
        if !self.unit_price.is_positive() {
            return Err(BillingProblem::BadPrice { line });
        }
        if !text_ok(&self.description, 1) {
            return Err(BillingProblem::BadDescription { line });
        }
        if self.tax_basis_points > MAX_TAX_BASIS_POINTS {
            return Err(BillingProblem::BadTax { line });
        }
        let gross = self.unit_price.times(self.quantity)?;
        let discount = match &self.discount {
            None => Money::zero(gross.currency),
            Some(d) => {
                if !text_ok(&d.reason, MIN_REASON) {
                    return Err(BillingProblem::DiscountWithoutReason { line });
                }
                let off = match d.off {
                    DiscountOff::Amount(amount) => {
                        if amount.currency != gross.currency {
                            return Err(BillingProblem::WrongCurrency {
                                expected: gross.currency,
                            });
                        }
                        amount
                    }
                    DiscountOff::Percent(bp) if bp <= BASIS_POINTS_IN_WHOLE => gross.share(bp),
                    DiscountOff::Percent(_) => {
                        return Err(BillingProblem::DiscountAboveLine { line })
                    }
                };
                if off.is_negative() || off.minor > gross.minor {
                    return Err(BillingProblem::DiscountAboveLine { line });
                }
                off
            }
        };
        let net = gross.checked_sub(discount)?;
        let tax = net.share(self.tax_basis_points);
        let total = net.checked_add(tax)?;
        Ok(LineTotals {
            gross,
            discount,
            net,
            tax,
            total,
        })
    }
}

/// The totals of `lines`, all in `currency`: each the sum of the lines'.
pub fn invoice_totals(
    lines: &[InvoiceLine],
    currency: Currency,
) -> Result<InvoiceTotals, BillingProblem> {
    if lines.is_empty() {
        return Err(BillingProblem::NoLines);
    }
    if lines.len() > MAX_LINES {
        return Err(BillingProblem::TooManyLines);
    }
    let mut totals = InvoiceTotals {
        gross: Money::zero(currency),
        discount: Money::zero(currency),
        tax: Money::zero(currency),
        total: Money::zero(currency),
    };
    for (i, line) in lines.iter().enumerate() {
        if line.unit_price.currency != currency {
            return Err(BillingProblem::WrongCurrency { expected: currency });
        }
        let t = line.totals(i + 1)?;
        totals.gross = totals.gross.checked_add(t.gross)?;
        totals.discount = totals.discount.checked_add(t.discount)?;
        totals.tax = totals.tax.checked_add(t.tax)?;
        totals.total = totals.total.checked_add(t.total)?;
    }
    Ok(totals)
}

/// An invoice number from the desk's series, like a patient number: made offline, never the
/// same as another desk's (`INV-3-00042`; desk code 1 is the server's own).
pub fn invoice_number(desk_code: u32, serial: u32) -> String {
    format!("INV-{desk_code}-{serial:05}")
}

/// The desk code an invoice number was made with, when it has the shape of one.
pub fn invoice_number_desk(number: &str) -> Option<u32> {
    let (code, serial) = number.strip_prefix("INV-")?.split_once('-')?;
    let digits = |t: &str| !t.is_empty() && t.len() <= 9 && t.bytes().all(|b| b.is_ascii_digit());
    (digits(code) && digits(serial))
        .then(|| code.parse().ok())
        .flatten()
}

/// How money changed hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Cash,
    /// Taken on the clinic's card terminal; the slip number is the reference.
    Card,
    /// bKash, Nagad, …: the transaction id is the reference.
    MobileMoney,
    /// Through the online payment provider.
    Online,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
            PaymentMethod::MobileMoney => "mobile_money",
            PaymentMethod::Online => "online",
        }
    }

    /// Card and mobile money are recorded with the slip or transaction number.
    pub fn needs_reference(self) -> bool {
        matches!(self, PaymentMethod::Card | PaymentMethod::MobileMoney)
    }
}

/// Where an invoice is in its life, as it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceState {
    Draft,
    Issued,
    /// Voided with a reason; its number stays taken.
    Void,
}

/// An invoice's standing, worked out from its state and its payments and refunds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Draft,
    /// Issued, nothing paid.
    Issued,
    PartlyPaid,
    Paid,
    /// Some of what was paid was given back.
    PartlyRefunded,
    /// Everything paid was given back.
    Refunded,
    Void,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRecord {
    pub id: uuid::Uuid,
    pub amount: Money,
    pub method: PaymentMethod,
    /// Card slip, mobile-money transaction id, or the provider's payment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub received_by: UserId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRecord {
    pub id: uuid::Uuid,
    pub amount: Money,
    pub method: PaymentMethod,
    pub reason: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceRecord {
    pub id: uuid::Uuid,
    pub number: String,
    pub patient: PatientId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment: Option<AppointmentId>,
    pub currency: Currency,
    pub lines: Vec<InvoiceLine>,
    pub state: InvoiceState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub void_reason: Option<String>,
    #[serde(default)]
    pub payments: Vec<PaymentRecord>,
    #[serde(default)]
    pub refunds: Vec<RefundRecord>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

impl InvoiceRecord {
    pub fn totals(&self) -> Result<InvoiceTotals, BillingProblem> {
        invoice_totals(&self.lines, self.currency)
    }

    /// Everything paid, before refunds.
    pub fn paid(&self) -> Result<Money, BillingProblem> {
        Ok(Money::sum(
            self.currency,
            self.payments.iter().map(|p| p.amount),
        )?)
    }

    pub fn refunded(&self) -> Result<Money, BillingProblem> {
        Ok(Money::sum(
            self.currency,
            self.refunds.iter().map(|r| r.amount),
        )?)
    }

    /// What is still to pay.
    pub fn due(&self) -> Result<Money, BillingProblem> {
        Ok(self.totals()?.total.checked_sub(self.paid()?)?)
    }

    /// What may still be given back.
    pub fn refundable(&self) -> Result<Money, BillingProblem> {
        Ok(self.paid()?.checked_sub(self.refunded()?)?)
    }

    pub fn standing(&self) -> Result<Standing, BillingProblem> {
        Ok(match self.state {
            InvoiceState::Draft => Standing::Draft,
            InvoiceState::Void => Standing::Void,
            InvoiceState::Issued => {
                let paid = self.paid()?;
                if paid.minor == 0 {
                    Standing::Issued
                } else if self.refundable()?.minor == 0 {
                    Standing::Refunded
                } else if self.refunded()?.is_positive() {
                    Standing::PartlyRefunded
                } else if self.due()?.minor > 0 {
                    Standing::PartlyPaid
                } else {
                    Standing::Paid
                }
            }
        })
    }

    /// Judge a payment against this invoice: issued, not void, in its currency, more than zero
    /// and no more than is due, with its reference where the method needs one. Returns the
    /// invoice with the payment recorded.
    pub fn pay(&self, payment: PaymentRecord) -> Result<InvoiceRecord, BillingProblem> {
        match self.state {
            InvoiceState::Void => return Err(BillingProblem::InvoiceVoid),
            InvoiceState::Draft => return Err(BillingProblem::NotIssued),
            InvoiceState::Issued => {}
        }
        if self.payments.iter().any(|p| p.id == payment.id) {
            return Err(BillingProblem::AlreadyRecorded);
        }
        if payment.amount.currency != self.currency {
            return Err(BillingProblem::WrongCurrency {
                expected: self.currency,
            });
        }
        if !payment.amount.is_positive() {
            return Err(BillingProblem::NotPositive);
        }
        let reference_given = payment.reference.as_deref().is_some_and(|r| text_ok(r, 1));
        if payment.method.needs_reference() && !reference_given {
            return Err(BillingProblem::ReferenceRequired);
        }
        let due = self.due()?;
        if !due.is_positive() {
            return Err(BillingProblem::NothingDue);
        }
        if payment.amount.minor > due.minor {
            return Err(BillingProblem::MoreThanDue { due });
        }
        let mut paid = self.clone();
        paid.payments.push(payment);
        Ok(paid)
    }

    /// Judge a refund: more than zero, no more than was paid and not yet refunded, with a reason.
    pub fn refund(&self, refund: RefundRecord) -> Result<InvoiceRecord, BillingProblem> {
        if self.refunds.iter().any(|r| r.id == refund.id) {
            return Err(BillingProblem::AlreadyRecorded);
        }
        if refund.amount.currency != self.currency {
            return Err(BillingProblem::WrongCurrency {
                expected: self.currency,
            });
        }
        if !refund.amount.is_positive() {
            return Err(BillingProblem::NotPositive);
        }
        if !text_ok(&refund.reason, MIN_REASON) {
            return Err(BillingProblem::ReasonRequired);
        }
        let refundable = self.refundable()?;
        if refund.amount.minor > refundable.minor {
            return Err(BillingProblem::MoreThanPaid { refundable });
        }
        let mut refunded = self.clone();
        refunded.refunds.push(refund);
        Ok(refunded)
    }

    /// Issue a draft: its lines must make a bill.
    pub fn issue(&self) -> Result<InvoiceRecord, BillingProblem> {
        match self.state {
            InvoiceState::Draft => {}
            InvoiceState::Issued => return Err(BillingProblem::NotADraft),
            InvoiceState::Void => return Err(BillingProblem::InvoiceVoid),
        }
        self.totals()?;
        let mut issued = self.clone();
        issued.state = InvoiceState::Issued;
        Ok(issued)
    }

    /// Void an invoice with a reason: only with nothing paid kept (what was paid is refunded
    /// first). The number stays taken.
    pub fn void(&self, reason: &str) -> Result<InvoiceRecord, BillingProblem> {
        if self.state == InvoiceState::Void {
            return Err(BillingProblem::InvoiceVoid);
        }
        if !text_ok(reason, MIN_REASON) {
            return Err(BillingProblem::ReasonRequired);
        }
        if self.refundable()?.is_positive() {
            return Err(BillingProblem::PaidInvoiceCannotBeVoided);
        }
        let mut void = self.clone();
        void.state = InvoiceState::Void;
        void.void_reason = Some(reason.trim().to_owned());
        Ok(void)
    }
}

/// Who called an appointment off, for the refund policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalledOffBy {
    Clinic,
    Patient,
    /// The patient did not come.
    NoShow,
}

/// The clinic's refund policy: the clinic calling off refunds in full, a patient calling off in
/// good time too, a patient calling off late gets `late_share`, a no-show nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundPolicy {
    /// "Late" is fewer than this many hours before the appointment.
    pub late_within_hours: u32,
    /// What a late cancellation gets back, in basis points of what was paid.
    pub late_share_basis_points: u32,
}

impl Default for RefundPolicy {
    fn default() -> Self {
        RefundPolicy {
            late_within_hours: 24,
            late_share_basis_points: 5_000,
        }
    }
}

impl RefundPolicy {
    /// What the policy gives back of `refundable` when an appointment at `starts` is called off
    /// at `at` by `by`.
    pub fn refund_due(
        &self,
        refundable: Money,
        by: CalledOffBy,
        starts: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Money {
        let late = starts - at < chrono::Duration::hours(i64::from(self.late_within_hours));
        match by {
            CalledOffBy::Clinic => refundable,
            CalledOffBy::Patient if !late => refundable,
            CalledOffBy::Patient => {
                refundable.share(self.late_share_basis_points.min(BASIS_POINTS_IN_WHOLE))
            }
            CalledOffBy::NoShow => Money::zero(refundable.currency),
        }
    }
}

#[cfg(test)]
mod tests;
