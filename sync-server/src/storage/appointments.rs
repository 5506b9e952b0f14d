//! The appointment book: slot-holding times, appointments, visits and their rooms.

use std::future::Future;

use clinic_core::UserId;

use super::StorageError;

pub trait AppointmentBook: Send + Sync + 'static {
    /// Slot-holding appointments starting in `[from, to)`: one doctor's, or every doctor's.
    fn busy(
        &self,
        doctor: Option<UserId>,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> impl Future<Output = Result<Vec<clinic_core::availability::Busy>, StorageError>> + Send;

    /// One appointment as stored.
    fn appointment(
        &self,
        id: clinic_core::AppointmentId,
    ) -> impl Future<
        Output = Result<Option<clinic_core::appointment::AppointmentRecord>, StorageError>,
    > + Send;

    /// Whether `doctor` treats `patient`, as [`clinic_core::care::treats`] judges it.
    fn cares_for(
        &self,
        doctor: UserId,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// A patient's appointments that became consultations (in consultation or completed), newest
    /// first, each with its note if it has one.
    #[allow(clippy::type_complexity)]
    fn consultations(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<
        Output = Result<
            Vec<(
                clinic_core::appointment::AppointmentRecord,
                Option<clinic_core::consultation::NoteRecord>,
            )>,
            StorageError,
        >,
    > + Send;

    /// Every appointment of a patient (any status) with its note, if one was written.
    fn patient_visits(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<
        Output = Result<
            Vec<(
                clinic_core::appointment::AppointmentRecord,
                Option<clinic_core::consultation::NoteRecord>,
            )>,
            StorageError,
        >,
    > + Send;

    /// Every message of a patient's conversations, oldest first.
    fn patient_messages(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<Vec<clinic_core::chat::MessageRecord>, StorageError>> + Send;

    /// An appointment's meeting room: the one made at confirmation, or (for an appointment
    /// confirmed before rooms were made) a new one now.
    fn meeting_room(
        &self,
        appointment: clinic_core::AppointmentId,
        at_ms: i64,
    ) -> impl Future<Output = Result<String, StorageError>> + Send;
}
