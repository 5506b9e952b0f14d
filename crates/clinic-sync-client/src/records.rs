//! A patient's records from the server: the chart, and reports and documents sent and fetched
//! in pieces so that a dropped connection costs only the piece that was on its way — an upload
//! asks the server how far it got and goes on from there; a download asks for the rest
//! (`Range`).

use std::time::Duration;

use clinic_core::chart::{ChartView, PatientDocument, UploadStart, UploadState};
use clinic_core::PatientId;
use sha2::{Digest, Sha256};

use crate::{ClientError, SyncClient};

/// The size of one uploaded piece.
pub const CHUNK_BYTES: usize = 256 * 1024;
/// How often a dropped connection is tried again before the upload or download gives up (the
/// caller may start again later: the server keeps what it has).
const ATTEMPTS: u32 = 20;

impl SyncClient {
    /// A patient's chart; `break_glass` is a doctor's reason for emergency access.
    pub async fn chart(
        &self,
        token: &str,
        patient: PatientId,
        break_glass: Option<&str>,
    ) -> Result<ChartView, ClientError> {
        let mut url = reqwest::Url::parse(&self.url(&format!("/api/v1/patients/{patient}/chart")))
            .map_err(|e| ClientError::Unexpected(e.to_string()))?;
        if let Some(reason) = break_glass {
            url.query_pairs_mut().append_pair("break_glass", reason);
        }
        self.answer(self.http().get(url).bearer_auth(token)).await
    }

    /// A patient's chart fetched ahead of the day's consultations (audited as a prefetch).
    pub async fn prefetch_chart(
        &self,
        token: &str,
        patient: PatientId,
    ) -> Result<ChartView, ClientError> {
        self.answer(
            self.http()
                .get(self.url(&format!("/api/v1/patients/{patient}/chart?prefetch=true")))
                .bearer_auth(token),
        )
        .await
    }

    /// A patient's reports and documents.
    pub async fn patient_documents(
        &self,
        token: &str,
        patient: PatientId,
    ) -> Result<Vec<PatientDocument>, ClientError> {
        self.answer(
            self.http()
                .get(self.url(&format!("/api/v1/patients/{patient}/documents")))
                .bearer_auth(token),
        )
        .await
    }

    /// Where an upload stands on the server.
    pub async fn upload_state(
        &self,
        token: &str,
        upload: uuid::Uuid,
    ) -> Result<UploadState, ClientError> {
        self.answer(
            self.http()
                .get(self.url(&format!("/api/v1/uploads/{upload}")))
                .bearer_auth(token),
        )
        .await
    }

    /// Announce a file for a patient's record.
    pub async fn start_upload(
        &self,
        token: &str,
        patient: PatientId,
        start: &UploadStart,
    ) -> Result<UploadState, ClientError> {
        self.answer(
            self.http()
                .post(self.url(&format!("/api/v1/patients/{patient}/uploads")))
                .bearer_auth(token)
                .json(start),
        )
        .await
    }

    /// Send `content` for an upload the server knows, from wherever the server says it stands,
    /// trying again after a dropped connection. The document, once whole.
    pub async fn continue_upload(
        &self,
        token: &str,
        upload: uuid::Uuid,
        content: &[u8],
    ) -> Result<PatientDocument, ClientError> {
        let mut offset: Option<u64> = None;
        let mut failures = 0;
        loop {
            let at = match offset {
                Some(at) => at,
                None => match self.upload_state(token, upload).await {
                    // Whole already: the answer to the last piece was lost on the way.
                    Ok(UploadState {
                        document: Some(document),
                        ..
                    }) => return Ok(document),
                    Ok(state) => state.offset,
                    Err(e @ ClientError::Unreachable { .. }) => {
                        failures += 1;
                        if failures >= ATTEMPTS {
                            return Err(e);
                        }
                        tokio::time::sleep(Duration::from_millis(250)).await;
                        continue;
                    }
                    Err(e) => return Err(e),
                },
            };
            let from = usize::try_from(at).unwrap_or(usize::MAX).min(content.len());
            let to = (from + CHUNK_BYTES).min(content.len());
            let sent = self
                .answer::<UploadState>(
                    self.http()
                        .patch(self.url(&format!("/api/v1/uploads/{upload}")))
                        .bearer_auth(token)
                        .header("Upload-Offset", at.to_string())
                        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                        .body(content[from..to].to_vec()),
                )
                .await;
            match sent {
                Ok(UploadState {
                    document: Some(document),
                    ..
                }) => return Ok(document),
                Ok(state) => offset = Some(state.offset),
                // Dropped on the way, or the server already had this piece: ask where it stands.
                Err(ClientError::Unreachable { .. }) | Err(ClientError::Unexpected(_)) => {
                    failures += 1;
                    if failures >= ATTEMPTS {
                        return Err(ClientError::Unreachable {
                            url: self.base_url.clone(),
                        });
                    }
                    offset = None;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(ClientError::Refused { status: 409, body })
                    if body.message.starts_with("The server has") =>
                {
                    offset = None;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Announce and send a whole file for a patient's record.
    pub async fn upload_document(
        &self,
        token: &str,
        patient: PatientId,
        title: &str,
        category: clinic_core::chart::DocumentCategory,
        content: &[u8],
    ) -> Result<PatientDocument, ClientError> {
        let start = UploadStart {
            title: title.to_owned(),
            category,
            size: content.len() as u64,
            sha256: hex::encode(Sha256::digest(content)),
        };
        let state = self.start_upload(token, patient, &start).await?;
        self.continue_upload(token, state.id, content).await
    }

    /// A document's bytes, asking for the rest after a dropped connection; checked against its
    /// SHA-256.
    pub async fn download_document(
        &self,
        token: &str,
        document: &PatientDocument,
    ) -> Result<Vec<u8>, ClientError> {
        let url = self.url(&format!("/api/v1/documents/{}", document.id));
        let mut content: Vec<u8> = Vec::with_capacity(document.size as usize);
        let mut failures = 0;
        while (content.len() as u64) < document.size {
            let mut request = self.http().get(&url).bearer_auth(token);
            if !content.is_empty() {
                request =
                    request.header(reqwest::header::RANGE, format!("bytes={}-", content.len()));
            }
            let result = async {
                let mut response = self.send(request).await?;
                if !response.status().is_success() {
                    return Err(self.refusal(response).await);
                }
                // Asked for the rest but given something else (the whole file, another range):
                // start again from what came.
                let continues = response.status() == reqwest::StatusCode::PARTIAL_CONTENT
                    && response
                        .headers()
                        .get(reqwest::header::CONTENT_RANGE)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with(&format!("bytes {}-", content.len())));
                if !continues {
                    content.clear();
                }
                // Read as it comes, so what arrived before a drop is kept.
                while let Some(piece) =
                    response
                        .chunk()
                        .await
                        .map_err(|_| ClientError::Unreachable {
                            url: self.base_url.clone(),
                        })?
                {
                    content.extend_from_slice(&piece);
                }
                Ok(())
            }
            .await;
            match result {
                Ok(()) => {}
                Err(ClientError::Unreachable { .. }) if failures + 1 < ATTEMPTS => {
                    failures += 1;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => return Err(e),
            }
        }
        if hex::encode(Sha256::digest(&content)) != document.sha256 {
            return Err(ClientError::Unexpected(
                "the downloaded file is not the one the server described".to_owned(),
            ));
        }
        Ok(content)
    }

    /// A patient's whole record as a FHIR R4 Bundle (audited by the server).
    pub async fn export_fhir(
        &self,
        token: &str,
        patient: PatientId,
    ) -> Result<serde_json::Value, ClientError> {
        self.answer(
            self.http()
                .get(self.url(&format!("/api/v1/patients/{patient}/export/fhir")))
                .bearer_auth(token),
        )
        .await
    }

    /// The admins' audit viewer.
    pub async fn audit_log(
        &self,
        token: &str,
        query: &clinic_core::ipc::AuditQuery,
    ) -> Result<clinic_core::wire::AuditPage, ClientError> {
        let mut url = reqwest::Url::parse(&self.url("/api/v1/audit"))
            .map_err(|e| ClientError::Unexpected(e.to_string()))?;
        {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in [
                ("action", &query.action),
                ("patient", &query.patient),
                ("actor", &query.actor),
            ] {
                if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                    pairs.append_pair(name, value.trim());
                }
            }
            if let Some(limit) = query.limit {
                pairs.append_pair("limit", &limit.to_string());
            }
            if let Some(before) = query.before {
                pairs.append_pair("before", &before.to_string());
            }
            if query.full {
                pairs.append_pair("full", "true");
            }
        }
        self.answer(self.http().get(url).bearer_auth(token)).await
    }

    /// Chart reads made from this device's copy while offline, for the server's audit.
    pub async fn report_offline_reads(
        &self,
        token: &str,
        reads: &[clinic_core::chart::OfflineRead],
    ) -> Result<(), ClientError> {
        let response = self
            .send(
                self.http()
                    .post(self.url("/api/v1/audit/offline-reads"))
                    .bearer_auth(token)
                    .json(reads),
            )
            .await?;
        if !response.status().is_success() {
            return Err(self.refusal(response).await);
        }
        Ok(())
    }
}
