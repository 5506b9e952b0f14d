//! Paying online: an attempt to pay an invoice through the clinic's payment provider, and what
//! the provider's word about it (a signed notice, confirmed by the provider's validation) does
//! to the books. Pure: the server reads the attempt and the provider's answers, asks
//! [`settle_attempt`], and does what it says — so a notice that comes twice, late or out of
//! order changes the books once or not at all, and an amount that is not the invoice's is held
//! for a person to look at, never taken.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::PaymentMethod;
use super::{apply_billing, BillingCommand, BillingFacts, BillingRefusal, InvoiceRecord};
use crate::money::Money;
use crate::UserId;

/// Who is named as having received an online payment: the provider, not a person at a desk.
pub const ONLINE_PROVIDER: UserId = UserId::from_uuid(uuid::Uuid::nil());

/// A checkout started (`POST /api/v1/invoices/{id}/checkout`): where to send the patient to pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutStarted {
    pub attempt: uuid::Uuid,
    pub tran_id: String,
    /// The provider's page the patient pays on.
    pub gateway_url: String,
}

/// Where an attempt to pay online stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AttemptState {
    /// The patient was sent to the provider's page; nothing heard yet.
    Started,
    /// Paid, validated and recorded against the invoice.
    Paid {
        val_id: String,
        bank_tran_id: String,
    },
    /// The provider says it was not paid (failed, cancelled, expired, …).
    NotPaid { status: String },
    /// The provider says paid, but not what the attempt asked for: kept for a person to look at.
    Held { reason: HoldReason },
}

/// Why a payment the provider confirmed was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    AmountDiffers,
    CurrencyDiffers,
    /// The provider flags the payment as risky.
    Risky,
    /// The provider's notice and its validation name different transactions.
    NotThisAttempt,
    /// The provider took it, but the books refused it (paid at the desk meanwhile, voided):
    /// to refund.
    BooksRefused,
}

/// One attempt to pay an invoice online. Its id is the provider's transaction id, so a retried
/// attempt is the same transaction at the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineAttempt {
    pub id: uuid::Uuid,
    pub invoice: uuid::Uuid,
    pub amount: Money,
    pub started_by: UserId,
    pub started_at: DateTime<Utc>,
    pub state: AttemptState,
}

/// What the provider says of an attempt, once its notice is verified and (for a payment) its
/// validation service has confirmed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderWord {
    /// Paid: the amount and currency the provider took, and its transaction's names.
    Paid {
        tran_id: String,
        amount: Money,
        val_id: String,
        bank_tran_id: String,
        risky: bool,
    },
    /// Not paid, with the provider's status word.
    NotPaid { status: String },
}

/// What to do about a provider's word on an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Record the payment (the command, and the attempt's new state): once, whatever comes after.
    Record {
        payment: BillingCommand,
        state: AttemptState,
    },
    /// Change only the attempt's state (not paid, or held for review).
    Mark(AttemptState),
    /// Nothing to do: already settled this way, or a failure heard after the payment.
    Nothing,
}

/// The attempt's identity as the provider carries it (at most 30 characters): its id's 128 bits
/// as 26 letters and digits (Crockford's base 32).
pub fn transaction_id(attempt: uuid::Uuid) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut n = attempt.as_u128();
    let mut out = [0u8; 26];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n & 31) as usize];
        n >>= 5;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decide what a provider's word does to an attempt.
pub fn settle_attempt(attempt: &OnlineAttempt, word: &ProviderWord) -> Settlement {
    match (&attempt.state, word) {
        // Paid once is paid: a repeated notice, or a failure after the success, changes nothing.
        (AttemptState::Paid { .. }, _) => Settlement::Nothing,
        (AttemptState::Held { .. }, ProviderWord::NotPaid { .. }) => Settlement::Nothing,
        (AttemptState::NotPaid { status: old }, ProviderWord::NotPaid { status })
            if old == status =>
        {
            Settlement::Nothing
        }
        (_, ProviderWord::NotPaid { status }) => Settlement::Mark(AttemptState::NotPaid {
            status: status.clone(),
        }),
        (
            _,
            ProviderWord::Paid {
                tran_id,
                amount,
                val_id,
                bank_tran_id,
                risky,
            },
        ) => {
            let hold = if *tran_id != transaction_id(attempt.id) {
                Some(HoldReason::NotThisAttempt)
            } else if amount.currency != attempt.amount.currency {
                Some(HoldReason::CurrencyDiffers)
            } else if amount.minor != attempt.amount.minor {
                Some(HoldReason::AmountDiffers)
            } else if *risky {
                Some(HoldReason::Risky)
            } else {
                None
            };
            match hold {
                Some(reason) if attempt.state == (AttemptState::Held { reason }) => {
                    Settlement::Nothing
                }
                Some(reason) => Settlement::Mark(AttemptState::Held { reason }),
                None => Settlement::Record {
                    payment: BillingCommand::TakePayment {
                        invoice: attempt.invoice,
                        payment: attempt.id,
                        amount: *amount,
                        method: PaymentMethod::Online,
                        reference: Some(bank_tran_id.clone()),
                    },
                    state: AttemptState::Paid {
                        val_id: val_id.clone(),
                        bank_tran_id: bank_tran_id.clone(),
                    },
                },
            }
        }
    }
}

/// Judge an online payment the server records on the provider's confirmed word (no person at
/// a desk made it): only a payment by the online method, with the provider's reference.
pub fn judge_provider_payment(
    command: &BillingCommand,
    facts: &BillingFacts<'_>,
    at: DateTime<Utc>,
) -> Result<InvoiceRecord, BillingRefusal> {
    match command {
        BillingCommand::TakePayment {
            method: PaymentMethod::Online,
            reference: Some(_),
            ..
        } => apply_billing(ONLINE_PROVIDER, None, command, facts, at),
        _ => Err(BillingRefusal::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn attempt(state: AttemptState) -> OnlineAttempt {
        OnlineAttempt {
            id: uuid::Uuid::from_u128(0x0193_a0c4_5c1e_7000_8000_0000_0000_0001),
            invoice: uuid::Uuid::from_u128(9),
            amount: Money::new(80_000, Currency::BDT),
            started_by: UserId::from_uuid(uuid::Uuid::from_u128(5)),
            started_at: "2026-12-06T10:00:00Z".parse().unwrap(),
            state,
        }
    }

    fn paid(a: &OnlineAttempt, minor: i64, currency: Currency, risky: bool) -> ProviderWord {
        ProviderWord::Paid {
            tran_id: transaction_id(a.id),
            amount: Money::new(minor, currency),
            val_id: "VAL1".into(),
            bank_tran_id: "BANK1".into(),
            risky,
        }
    }

    #[test]
    fn a_transaction_id_is_short_unique_and_stable() {
        let a = transaction_id(uuid::Uuid::from_u128(1));
        let b = transaction_id(uuid::Uuid::from_u128(2));
        assert_eq!(a.len(), 26);
        assert_ne!(a, b);
        assert_eq!(a, transaction_id(uuid::Uuid::from_u128(1)));
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(
            transaction_id(uuid::Uuid::max()),
            "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"
        );
    }

    #[test]
    fn the_providers_word_is_taken_once_and_a_wrong_amount_is_held() {
        let started = attempt(AttemptState::Started);
        let word = paid(&started, 80_000, Currency::BDT, false);
        let Settlement::Record { payment, state } = settle_attempt(&started, &word) else {
            panic!("a confirmed payment of the right amount is recorded");
        };
        assert!(matches!(
            payment,
            BillingCommand::TakePayment { method: PaymentMethod::Online, payment, .. }
                if payment == started.id
        ));
        let done = OnlineAttempt {
            state,
            ..started.clone()
        };
        // Twice, or a failure after it: nothing more.
        assert_eq!(settle_attempt(&done, &word), Settlement::Nothing);
        let failed = ProviderWord::NotPaid {
            status: "FAILED".into(),
        };
        assert_eq!(settle_attempt(&done, &failed), Settlement::Nothing);
        // A failure first, then the payment (out of order): the payment counts.
        let not_paid = OnlineAttempt {
            state: AttemptState::NotPaid {
                status: "FAILED".into(),
            },
            ..started.clone()
        };
        assert_eq!(settle_attempt(&not_paid, &failed), Settlement::Nothing);
        assert!(matches!(
            settle_attempt(&not_paid, &word),
            Settlement::Record { .. }
        ));
        for (word, reason) in [
            (
                paid(&started, 79_999, Currency::BDT, false),
                HoldReason::AmountDiffers,
            ),
            (
                paid(&started, 80_000, Currency::new("USD").unwrap(), false),
                HoldReason::CurrencyDiffers,
            ),
            (
                paid(&started, 80_000, Currency::BDT, true),
                HoldReason::Risky,
            ),
        ] {
            assert_eq!(
                settle_attempt(&started, &word),
                Settlement::Mark(AttemptState::Held { reason })
            );
        }
        let other = ProviderWord::Paid {
            tran_id: "SOMEONE-ELSES".into(),
            amount: Money::new(80_000, Currency::BDT),
            val_id: "V".into(),
            bank_tran_id: "B".into(),
            risky: false,
        };
        assert_eq!(
            settle_attempt(&started, &other),
            Settlement::Mark(AttemptState::Held {
                reason: HoldReason::NotThisAttempt
            })
        );
    }

    #[test]
    fn the_server_records_only_online_payments_on_the_providers_word() {
        let cash = BillingCommand::TakePayment {
            invoice: uuid::Uuid::from_u128(9),
            payment: uuid::Uuid::from_u128(1),
            amount: Money::new(100, Currency::BDT),
            method: PaymentMethod::Cash,
            reference: None,
        };
        let facts = BillingFacts {
            invoice: None,
            patient_known: true,
            number_owner: None,
            appointment_patient: None,
            currency: Currency::BDT,
        };
        let at = "2026-12-06T10:00:00Z".parse().unwrap();
        assert_eq!(
            judge_provider_payment(&cash, &facts, at),
            Err(BillingRefusal::Forbidden)
        );
    }
}
