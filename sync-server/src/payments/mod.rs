//! Online payments through the clinic's payment provider, behind a small trait: start a
//! checkout for what an invoice has due, read a notice the way the provider signs it, and ask
//! the provider's validation service before a payment counts. What a confirmed notice does to
//! the books is the core's `settle_attempt`; the payment itself is a billing command pushed
//! through the sync engine under the attempt's id, so however many notices arrive, in whatever
//! order, it is taken once.

use std::future::Future;
use std::pin::Pin;

use clinic_core::money::Money;

pub mod routes;
pub mod sslcommerz;

/// What the provider is asked to collect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The attempt's transaction id (at most 30 characters, unique per attempt).
    pub tran_id: String,
    pub amount: Money,
    pub invoice_number: String,
    pub product: String,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: String,
    /// Where the provider posts its server-to-server notice.
    pub notice_url: String,
    /// Where the patient's browser comes back to.
    pub return_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSession {
    /// The provider's page the patient pays on.
    pub gateway_url: String,
    pub session_key: String,
}

/// A notice whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub tran_id: String,
    pub val_id: String,
    /// The provider's word: `VALID`, `FAILED`, `CANCELLED`, …
    pub status: String,
}

/// The provider's validation service's answer about a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    pub valid: bool,
    pub status: String,
    pub tran_id: String,
    pub val_id: String,
    /// As the provider writes it (`500.00`).
    pub amount: String,
    pub currency: String,
    pub bank_tran_id: String,
    pub risky: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("the payment provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the payment provider's answer could not be read: {0}")]
    Unreadable(String),
    #[error("the payment provider refused: {0}")]
    Refused(String),
    #[error("the notice's signature is wrong")]
    BadSignature,
}

/// The clinic's payment provider.
pub trait PaymentProvider: Send + Sync + 'static {
    fn name(&self) -> &'static str;

    /// A checkout session: the page the patient pays on.
    fn start<'a>(
        &'a self,
        checkout: &'a Checkout,
    ) -> Pin<Box<dyn Future<Output = Result<CheckoutSession, ProviderError>> + Send + 'a>>;

    /// Read a notice's form fields, checking its signature.
    fn read_notice(&self, fields: &[(String, String)]) -> Result<Notice, ProviderError>;

    /// Ask the provider's validation service about a payment a notice reported.
    fn validate<'a>(
        &'a self,
        val_id: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Validation, ProviderError>> + Send + 'a>>;
}

/// An amount as providers write it: `1250.50` (no symbol, no grouping).
pub fn decimal(amount: Money) -> String {
    let digits = amount.currency.minor_digits();
    let per = amount.currency.minor_per_major();
    let whole = amount.minor / per;
    let fraction = (amount.minor % per).abs();
    if digits == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{fraction:0width$}", width = digits as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clinic_core::money::Currency;

    #[test]
    fn amounts_are_written_as_providers_read_them() {
        assert_eq!(decimal(Money::new(125_050, Currency::BDT)), "1250.50");
        assert_eq!(decimal(Money::new(5, Currency::BDT)), "0.05");
        assert_eq!(
            decimal(Money::new(1200, Currency::new("JPY").unwrap())),
            "1200"
        );
    }
}
