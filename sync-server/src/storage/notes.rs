//! Consultation notes.

use std::future::Future;

use super::StorageError;

pub trait Notes: Send + Sync + 'static {
    fn note(
        &self,
        appointment: clinic_core::AppointmentId,
    ) -> impl Future<Output = Result<Option<clinic_core::consultation::NoteRecord>, StorageError>> + Send;

    /// Write a note and its audit entry together.
    fn save_note(
        &self,
        record: &clinic_core::consultation::NoteRecord,
        event: &crate::audit::AuditEvent,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
}
