//! Patients' records at the desk: the chart — read from the server when it can be reached (the
//! server audits it) and kept in the encrypted store, so it opens offline too (an offline read
//! is noted here and reported to the server's audit when the desk is back) — and reports and
//! documents, uploaded and downloaded in pieces that survive a dropped connection.

use chrono::Utc;
use clinic_core::chart::{
    upload_rule, ChartView, DocumentCategory, PatientDocument, UploadStart,
    DEFAULT_UPLOAD_MAX_BYTES,
};
use clinic_core::desk_error::DeskError;
use clinic_core::ipc::{IpcError, PrintedDocument};
use clinic_core::wire::ErrorCode;
use clinic_core::PatientId;

use super::Desk;

fn offline_files() -> IpcError {
    IpcError::from(DeskError::FilesNeedServer)
}

impl Desk {
    /// A patient's chart. `break_glass`: a doctor's reason for emergency access to a patient
    /// they do not treat (flagged for the admins).
    pub async fn patient_chart(
        &self,
        patient: PatientId,
        break_glass: Option<String>,
    ) -> Result<ChartView, IpcError> {
        let user = self.unlocked_user()?;
        let fetched = self
            .authed(|c, t| async move { c.chart(&t, patient, break_glass.as_deref()).await })
            .await;
        match fetched {
            Ok(chart) => {
                self.with_store(|s| s.keep_chart(user.id, &chart))?;
                Ok(chart)
            }
            Err(e) if e.code == ErrorCode::ServerUnreachable => {
                // Only the copy this user read (the desk is shared by the clinic's staff).
                let Some(mut chart) = self.with_store(|s| s.cached_chart(user.id, patient))? else {
                    return Err(IpcError::from(DeskError::ChartNeedsServer));
                };
                // Read from this device's copy: noted for the server's audit.
                self.with_store(|s| s.record_offline_read(user.id, patient, Utc::now()))?;
                chart.from_this_device = true;
                Ok(chart)
            }
            Err(e) => Err(e),
        }
    }

    /// Upload a report or document to a patient's record (the patient's own in the patient
    /// build): checked here as the server will check it, sent in pieces that resume after a
    /// dropped connection, and kept in this device's encrypted store.
    pub async fn upload_patient_document(
        &self,
        patient: PatientId,
        title: String,
        category: DocumentCategory,
        content: Vec<u8>,
    ) -> Result<PatientDocument, IpcError> {
        self.unlocked_user()?;
        let start = UploadStart {
            title: title.clone(),
            category,
            size: content.len() as u64,
            sha256: "0".repeat(64),
        };
        start
            .check(DEFAULT_UPLOAD_MAX_BYTES)
            .map_err(IpcError::validation)?;
        upload_rule(DEFAULT_UPLOAD_MAX_BYTES)
            .check(&content)
            .map_err(|problem| {
                let mut error = IpcError::validation(vec![problem.field_error("file")]);
                error.message = format!("This file cannot be uploaded: {problem}.");
                error
            })?;
        let sent = content.clone();
        let document = self
            .authed(|c, t| async move {
                c.upload_document(&t, patient, &title, category, &sent)
                    .await
            })
            .await
            .map_err(|e| {
                if e.code == ErrorCode::ServerUnreachable {
                    offline_files()
                } else {
                    e
                }
            })?;
        self.with_store(|s| s.keep_document(&document, Some(&content)))?;
        Ok(document)
    }

    /// Save a document of a chart this device has read in its documents folder, under a name
    /// made here. Fetched from the server when it can be reached (the read is audited there),
    /// else from this device's copy.
    pub async fn open_patient_document(&self, id: uuid::Uuid) -> Result<PrintedDocument, IpcError> {
        let user = self.unlocked_user()?;
        let (document, kept) = self
            .with_store(|s| s.document(id))?
            .ok_or_else(|| IpcError::from(DeskError::DocumentNotHere))?;
        let described = document.clone();
        let content = match self
            .authed(|c, t| async move { c.download_document(&t, &described).await })
            .await
        {
            Ok(bytes) => {
                self.with_store(|s| s.keep_document(&document, Some(&bytes)))?;
                bytes
            }
            Err(e) if e.code == ErrorCode::ServerUnreachable => {
                // Offline, only for someone who read this patient's chart here themself.
                if self
                    .with_store(|s| s.cached_chart(user.id, document.patient))?
                    .is_none()
                {
                    return Err(offline_files());
                }
                let bytes = kept.ok_or_else(offline_files)?;
                self.with_store(|s| s.record_offline_read(user.id, document.patient, Utc::now()))?;
                bytes
            }
            Err(e) => return Err(e),
        };
        let name = PatientDocument::server_file_name(
            document.category,
            document.kind,
            &document.sha256,
            document.uploaded_at,
        );
        self.save_document(&name, &content)
    }

    /// The patient build: the patient's own chart.
    pub async fn my_chart(&self) -> Result<ChartView, IpcError> {
        let own = self.own_patient_id().await?;
        self.patient_chart(own, None).await
    }

    /// The patient build: the patient's own reports and documents (kept here as described).
    pub async fn my_documents(&self) -> Result<Vec<PatientDocument>, IpcError> {
        let own = self.own_patient_id().await?;
        let list = self
            .authed(|c, t| async move { c.patient_documents(&t, own).await })
            .await?;
        for document in &list {
            self.with_store(|s| s.keep_document(document, None))?;
        }
        Ok(list)
    }

    /// Save a patient's record as a file in the documents folder: a printable summary (PDF, from
    /// the chart — offline too, from this device's copy) or the whole record as FHIR R4 JSON
    /// (from the server, which audits it).
    pub async fn export_record(
        &self,
        args: &clinic_core::ipc::ExportArgs,
    ) -> Result<PrintedDocument, IpcError> {
        let patient = match args.patient {
            Some(patient) => patient,
            None => self.own_patient_id().await?,
        };
        let chart = self.patient_chart(patient, None).await?;
        let zone = self.clinic_zone()?;
        let today = Utc::now().with_timezone(&zone).date_naive();
        // Only letters, digits and dashes of the patient number go into the name.
        let number: String = chart
            .patient
            .patient_number
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        match args.format {
            clinic_core::ipc::ExportFormat::SummaryPdf => {
                let pdf = clinic_print::record_summary::render(
                    &chart.clinic,
                    &chart,
                    today,
                    &zone,
                    args.language,
                )
                .map_err(|e| {
                    IpcError::from(DeskError::NotPrinted {
                        detail: e.to_string(),
                    })
                })?;
                let language = match args.language {
                    clinic_core::ipc::Language::English => "en",
                    clinic_core::ipc::Language::Bangla => "bn",
                };
                self.save_document(&format!("record-{number}-{today}-{language}.pdf"), &pdf)
            }
            clinic_core::ipc::ExportFormat::Fhir => {
                let bundle = self
                    .authed(|c, t| async move { c.export_fhir(&t, patient).await })
                    .await?;
                let text = serde_json::to_vec_pretty(&bundle).map_err(|e| {
                    IpcError::from(DeskError::Internal {
                        detail: e.to_string(),
                    })
                })?;
                self.save_document(&format!("record-{number}-{today}.fhir.json"), &text)
            }
        }
    }

    /// The admins' audit viewer (online).
    pub async fn audit_log(
        &self,
        query: clinic_core::ipc::AuditQuery,
    ) -> Result<clinic_core::wire::AuditPage, IpcError> {
        self.working_user()?;
        self.authed(|c, t| async move { c.audit_log(&t, &query).await })
            .await
    }

    /// A doctor's desk keeps the charts of the day's patients fresh (at most every half hour
    /// each), so the consultation still has them if the connection drops. After a sync round.
    pub(crate) async fn prefetch_todays_charts(&self, token: &str) {
        let Ok(user) = self.unlocked_user() else {
            return;
        };
        if user.role != clinic_core::Role::Doctor {
            return;
        }
        let Ok(zone) = self.clinic_zone() else {
            return;
        };
        let today = Utc::now().with_timezone(&zone).date_naive();
        let Ok(appointments) = self.with_store(|s| s.appointments_on(today, Some(user.id))) else {
            return;
        };
        let mut patients: Vec<PatientId> = appointments
            .iter()
            .filter(|a| clinic_core::chat::conversation_open(a.status))
            .map(|a| a.patient)
            .collect();
        patients.sort();
        patients.dedup();
        for patient in patients.into_iter().take(30) {
            let fresh = self
                .with_store(|s| s.chart_fetched_at(user.id, patient))
                .ok()
                .flatten()
                .is_some_and(|at| Utc::now() - at < chrono::Duration::minutes(30));
            if fresh {
                continue;
            }
            match self.client.prefetch_chart(token, patient).await {
                Ok(chart) => {
                    let _ = self.with_store(|s| s.keep_chart(user.id, &chart));
                }
                Err(_) => return,
            }
        }
    }

    /// Report the charts read offline to the server's audit (after a sync round).
    pub(crate) async fn report_offline_reads(&self, token: &str) {
        // The signed-in user's own reads, with their own session.
        let Ok(user) = self.unlocked_user() else {
            return;
        };
        let Ok((reads, last)) = self.with_store(|s| s.offline_reads(user.id)) else {
            return;
        };
        if reads.is_empty() {
            return;
        }
        if self
            .client
            .report_offline_reads(token, &reads)
            .await
            .is_ok()
        {
            let _ = self.with_store(|s| s.forget_offline_reads(user.id, last));
        }
    }
}
