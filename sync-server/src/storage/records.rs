//! The chart's other parts: clinical summary, consents, reports and documents.

use std::future::Future;

use clinic_core::UserId;

use super::StorageError;

pub trait Records: Send + Sync + 'static {
    /// A patient's clinical summary (empty when none was recorded).
    fn clinical_summary(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<clinic_core::chart::ClinicalSummary, StorageError>> + Send;

    fn save_clinical_summary(
        &self,
        patient: clinic_core::PatientId,
        summary: &clinic_core::chart::ClinicalSummary,
        by: UserId,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    fn save_consent(
        &self,
        consent: &clinic_core::consent::ConsentRecord,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// A patient's consents, newest first.
    fn consents(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<Vec<clinic_core::consent::ConsentRecord>, StorageError>> + Send;

    /// A patient's reports and documents, newest first.
    fn patient_documents(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<Vec<clinic_core::chart::PatientDocument>, StorageError>> + Send;

    /// One document with its sealed blob.
    fn patient_document(
        &self,
        id: uuid::Uuid,
    ) -> impl Future<
        Output = Result<Option<(clinic_core::chart::PatientDocument, Vec<u8>)>, StorageError>,
    > + Send;

    /// The patient opened it (kept only the first time).
    fn mark_document_seen(
        &self,
        id: uuid::Uuid,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
}
