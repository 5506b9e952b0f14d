//! Prescriptions and the clinical summary at the desk: written, warned about and issued on the
//! server (which audits every read), printed here as a PDF in English or Bangla. All of it needs
//! the server.

use clinic_core::chart::ClinicalSummary;
use clinic_core::desk_error::DeskError;
use clinic_core::ipc::{
    ClinicalSummaryArgs, IpcError, IssuePrescriptionArgs, PrintPrescriptionArgs, PrintedDocument,
    SavePrescriptionArgs,
};
use clinic_core::prescription::{IssueForm, PrescriptionSheet, PrescriptionView};
use clinic_core::{AppointmentId, PatientId};

use super::Desk;

impl Desk {
    pub async fn prescription(
        &self,
        appointment: AppointmentId,
    ) -> Result<PrescriptionView, IpcError> {
        self.unlocked_user()?;
        self.authed(|c, t| async move { c.prescription(&t, appointment).await })
            .await
    }

    /// Write the draft (checked here as the server will check it).
    pub async fn save_prescription(
        &self,
        args: &SavePrescriptionArgs,
    ) -> Result<PrescriptionView, IpcError> {
        self.working_user()?;
        args.form.check().map_err(IpcError::validation)?;
        let (appointment, form) = (args.appointment, args.form.clone());
        self.authed(|c, t| async move { c.save_prescription(&t, appointment, &form).await })
            .await
    }

    pub async fn issue_prescription(
        &self,
        args: &IssuePrescriptionArgs,
    ) -> Result<PrescriptionView, IpcError> {
        self.working_user()?;
        let appointment = args.appointment;
        let form = IssueForm {
            acknowledged_warnings: args.acknowledged_warnings,
        };
        self.authed(|c, t| async move { c.issue_prescription(&t, appointment, &form).await })
            .await
    }

    /// A patient's issued prescriptions (the patient's own in the patient build).
    pub async fn patient_prescriptions(
        &self,
        patient: PatientId,
    ) -> Result<Vec<PrescriptionSheet>, IpcError> {
        self.unlocked_user()?;
        self.authed(|c, t| async move { c.patient_prescriptions(&t, patient).await })
            .await
    }

    /// Save an issued prescription as a PDF in this device's documents folder, named from its
    /// code and language.
    pub async fn print_prescription(
        &self,
        args: &PrintPrescriptionArgs,
    ) -> Result<PrintedDocument, IpcError> {
        let sheets = self.patient_prescriptions(args.patient).await?;
        let sheet = sheets
            .into_iter()
            .find(|s| s.record.id == args.prescription)
            .ok_or_else(|| IpcError::from(DeskError::PrescriptionNotIssued))?;
        let zone = self.clinic_zone()?;
        let day = sheet
            .record
            .issued_at
            .unwrap_or(sheet.record.created_at)
            .with_timezone(&zone)
            .date_naive();
        let pdf = clinic_print::prescription::render(&sheet, day, args.language).map_err(|e| {
            IpcError::from(DeskError::NotPrinted {
                detail: e.to_string(),
            })
        })?;
        // Only letters, digits and dashes of the code go into the name.
        let code: String = sheet
            .record
            .code
            .as_deref()
            .unwrap_or("draft")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let language = match args.language {
            clinic_core::ipc::Language::English => "en",
            clinic_core::ipc::Language::Bangla => "bn",
        };
        self.save_document(&format!("prescription-{code}-{language}.pdf"), &pdf)
    }

    /// A patient's allergies and conditions; with `summary`, saved first (a treating doctor).
    pub async fn clinical_summary(
        &self,
        args: &ClinicalSummaryArgs,
    ) -> Result<ClinicalSummary, IpcError> {
        self.unlocked_user()?;
        let patient = args.patient;
        match args.summary.clone() {
            Some(summary) => {
                self.working_user()?;
                summary.check().map_err(IpcError::validation)?;
                self.authed(
                    |c, t| async move { c.save_clinical_summary(&t, patient, &summary).await },
                )
                .await
            }
            None => {
                self.authed(|c, t| async move { c.clinical_summary(&t, patient).await })
                    .await
            }
        }
    }

    /// The patient build: the signed-in patient's own prescriptions.
    pub async fn my_prescriptions(&self) -> Result<Vec<PrescriptionSheet>, IpcError> {
        let own = self.own_patient_id().await?;
        self.patient_prescriptions(own).await
    }
}
