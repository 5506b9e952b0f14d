//! Consultations at the desk: the doctor's note, the patient's history, consent.

use clinic_core::ipc::IpcError;
use clinic_core::AppointmentId;

use crate::Desk;

impl Desk {
    /// A consultation's note (online: the server decides who reads it, and audits the read).
    pub async fn consultation_note(
        &self,
        appointment: AppointmentId,
    ) -> Result<clinic_core::ipc::NoteView, IpcError> {
        self.unlocked_user()?;
        self.authed(|c, t| async move { c.note(&t, appointment).await })
            .await
    }

    /// Write a consultation's note (checked here as the server will check it).
    pub async fn save_note(
        &self,
        args: &clinic_core::ipc::SaveNoteArgs,
    ) -> Result<clinic_core::ipc::NoteView, IpcError> {
        self.working_user()?;
        args.form.note.check().map_err(IpcError::validation)?;
        let (appointment, form) = (args.appointment, args.form.clone());
        self.authed(|c, t| async move { c.save_note(&t, appointment, &form).await })
            .await
    }

    /// A patient's consultations, newest first (online; audited by the server).
    pub async fn patient_history(
        &self,
        patient: clinic_core::PatientId,
    ) -> Result<Vec<clinic_core::ipc::ConsultationSummary>, IpcError> {
        self.unlocked_user()?;
        self.authed(|c, t| async move { c.consultations(&t, patient).await })
            .await
    }

    /// Record a patient's consent (online: the server keeps consents and checks them).
    pub async fn record_consent(
        &self,
        args: &clinic_core::ipc::RecordConsentArgs,
    ) -> Result<clinic_core::consent::ConsentRecord, IpcError> {
        let user = self.unlocked_user()?;
        let spoken = user.role != clinic_core::Role::Patient;
        args.form.check(spoken).map_err(IpcError::validation)?;
        let (patient, form) = (args.patient, args.form.clone());
        self.authed(|c, t| async move { c.record_consent(&t, patient, &form).await })
            .await
    }
}
