//! Prescriptions, every version kept.

use std::future::Future;

use super::StorageError;

/// What became of a prescription write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrescriptionSaved {
    Saved,
    /// Its verification code belongs to another prescription (draw another).
    CodeTaken,
    /// It changed meanwhile: the stored one is no longer a draft, or another request saved
    /// this version first. Nothing was written.
    Changed,
}

pub trait Prescriptions: Send + Sync + 'static {
    /// Every version of an appointment's prescription, newest first.
    fn appointment_prescriptions(
        &self,
        appointment: clinic_core::AppointmentId,
    ) -> impl Future<Output = Result<Vec<clinic_core::prescription::PrescriptionRecord>, StorageError>>
           + Send;

    /// A patient's prescriptions, newest first (drafts included: callers filter).
    fn patient_prescriptions(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<Vec<clinic_core::prescription::PrescriptionRecord>, StorageError>>
           + Send;

    /// Write a prescription version — a new one, or over the stored one only while that is
    /// still a draft; when it is issued and replaces another, mark that one superseded — in one
    /// transaction.
    fn save_prescription(
        &self,
        record: &clinic_core::prescription::PrescriptionRecord,
    ) -> impl Future<Output = Result<PrescriptionSaved, StorageError>> + Send;

    /// The issued (or superseded) prescription with this code.
    fn prescription_by_code(
        &self,
        code: &str,
    ) -> impl Future<
        Output = Result<Option<clinic_core::prescription::PrescriptionRecord>, StorageError>,
    > + Send;
}
