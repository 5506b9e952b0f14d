//! The patient registry and the doctors' directory as stored.

use std::future::Future;

use clinic_core::account::PatientDemographics;
use clinic_core::doctor::DoctorRecord;
use clinic_core::UserId;

use super::StorageError;

pub trait Registry: Send + Sync + 'static {
    /// The registry record linked to a patient's own account.
    fn patient_profile(
        &self,
        account: UserId,
    ) -> impl Future<Output = Result<Option<clinic_core::sync::PatientRecord>, StorageError>> + Send;

    /// Replace the demographics; the account's display name follows the full name.
    fn update_patient_profile(
        &self,
        account: UserId,
        profile: &PatientDemographics,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// `None`: no such patient; `Some(account)`: the patient, and their own account if any.
    fn patient_account(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<Option<Option<UserId>>, StorageError>> + Send;

    /// A patient in the registry.
    fn patient_record(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<Option<clinic_core::sync::PatientRecord>, StorageError>> + Send;

    /// Every doctor of the clinic, verified or not, by name.
    fn doctors(&self) -> impl Future<Output = Result<Vec<DoctorRecord>, StorageError>> + Send;

    fn doctor(
        &self,
        id: UserId,
    ) -> impl Future<Output = Result<Option<DoctorRecord>, StorageError>> + Send;

    /// Write a doctor's record (new or changed) with its change-log entry.
    fn save_doctor(
        &self,
        record: &DoctorRecord,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Move doctors of the first schema (specialty and weekly hours) into doctor records.
    fn backfill_doctors(&self) -> impl Future<Output = Result<u64, StorageError>> + Send;
}
