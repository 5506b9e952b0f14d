//! The clinic's books outside the change log: invoices as stored (for checkouts), and the
//! attempts to pay online with every notice the provider sent about them.

use std::future::Future;

use clinic_core::billing::online::{AttemptState, OnlineAttempt};
use clinic_core::billing::InvoiceRecord;

use super::StorageError;

pub trait Books: Send + Sync + 'static {
    fn invoice(
        &self,
        id: uuid::Uuid,
    ) -> impl Future<Output = Result<Option<InvoiceRecord>, StorageError>> + Send;

    /// Keep a new attempt to pay online (its provider transaction id is unique).
    fn start_attempt(
        &self,
        attempt: &OnlineAttempt,
        tran_id: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    fn attempt_by_transaction(
        &self,
        tran_id: &str,
    ) -> impl Future<Output = Result<Option<OnlineAttempt>, StorageError>> + Send;

    /// The attempt's new state (a validated payment's `val_id` is unique: recorded once). Paid
    /// is final: false when the attempt already stood paid and nothing changed.
    fn set_attempt_state(
        &self,
        id: uuid::Uuid,
        state: &AttemptState,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Every notice the provider sent (or someone sent in its name), with what was made of it.
    fn note_provider_notice(
        &self,
        tran_id: &str,
        verdict: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// The notices received for a transaction, oldest first: (verdict, at).
    fn provider_notices(
        &self,
        tran_id: &str,
    ) -> impl Future<Output = Result<Vec<(String, i64)>, StorageError>> + Send;

    /// The period's takings (see `clinic_core::billing::takings`), summed in the database.
    fn takings(
        &self,
        period: clinic_core::billing::takings::TakingsPeriod,
        currency: clinic_core::money::Currency,
    ) -> impl Future<Output = Result<clinic_core::billing::takings::Takings, StorageError>> + Send;
}
