//! Accounts, their sessions, and the devices they sign in from (each with its desk code).

use std::future::Future;

use clinic_core::account::PatientDemographics;
use clinic_core::doctor::DoctorRecord;
use clinic_core::UserId;

use super::StorageError;

/// An account as stored. `role` is kept as text: a value this version does not know must not make
/// the row unreadable (the policy then refuses everything but sign-out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccount {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: clinic_core::Role,
    pub password_hash: String,
    pub created_at_ms: i64,
}

/// A session joined with its account.
#[derive(Debug, Clone)]
pub struct StoredSession {
    pub account: StoredAccount,
    pub expires_at_ms: i64,
    pub revoked: bool,
    /// The name the device gave when it signed in.
    pub device_name: Option<String>,
    /// The desk code granted to the device the session signed in from (staff desks only).
    pub desk_code: Option<u32>,
}

pub trait Accounts: Send + Sync + 'static {
    fn count_accounts(&self) -> impl Future<Output = Result<i64, StorageError>> + Send;

    /// Create an account with its profile in one transaction.
    fn create_account(
        &self,
        account: &NewAccount,
        patient: Option<&PatientDemographics>,
        doctor: Option<&DoctorRecord>,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    fn account_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = Result<Option<StoredAccount>, StorageError>> + Send;

    fn account_by_id(
        &self,
        id: UserId,
    ) -> impl Future<Output = Result<Option<StoredAccount>, StorageError>> + Send;

    fn list_accounts(
        &self,
    ) -> impl Future<Output = Result<Vec<StoredAccount>, StorageError>> + Send;

    fn create_session(
        &self,
        token_hash: &str,
        account: UserId,
        device_name: Option<&str>,
        desk_code: Option<u32>,
        created_at_ms: i64,
        expires_at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    fn session(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<StoredSession>, StorageError>> + Send;

    fn revoke_session(
        &self,
        token_hash: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// The desk code of a device, given on its first sign-in and the same ever after.
    fn desk_code(
        &self,
        device: uuid::Uuid,
        account: UserId,
        at_ms: i64,
    ) -> impl Future<Output = Result<u32, StorageError>> + Send;
}
