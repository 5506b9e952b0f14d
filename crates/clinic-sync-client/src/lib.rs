//! The device side of talking to the sync server: typed calls over HTTP with errors a
//! receptionist understands.
//!
//! Invariant: every answer is decoded into `clinic_core::wire` types; nothing here knows Tauri.

use std::time::Duration;

use clinic_core::account::{DemographicsForm, SignUpForm, StaffAccountForm};
use clinic_core::ipc::IpcError;
use clinic_core::sync::{CommandEnvelope, PullResponse, PushResponse};
use clinic_core::wire::{
    AccountView, DoctorView, ErrorBody, ErrorCode, Health, Me, PatientProfileView, SessionGrant,
    SignInRequest,
};
use serde::de::DeserializeOwned;

pub mod billing;
pub mod records;
pub mod replication;

/// The server's event stream: each event says the change log moved to a new head.
pub struct ChangeEvents {
    response: reqwest::Response,
    buffer: String,
    url: String,
}

impl ChangeEvents {
    /// Wait for the next "changes" event and return the head it announces. `None` when the
    /// server ended the stream; an error when nothing (not even a keep-alive) came for 45 s.
    pub async fn next_head(&mut self) -> Result<Option<u64>, ClientError> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let mut name = "message";
                let mut data = None;
                for line in event.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data = v.trim().parse::<u64>().ok();
                    }
                }
                if name == "changes" {
                    if let Some(head) = data {
                        return Ok(Some(head));
                    }
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(45), self.response.chunk())
                .await
                .map_err(|_| ClientError::Unreachable {
                    url: self.url.clone(),
                })?
                .map_err(|_| ClientError::Unreachable {
                    url: self.url.clone(),
                })?;
            match chunk {
                Some(bytes) => self
                    .buffer
                    .push_str(&String::from_utf8_lossy(&bytes).replace("\r\n", "\n")),
                None => return Ok(None),
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "Cannot reach the clinic server at {url}. Check that this computer is connected to the \
         clinic network and that the server is running, then try again."
    )]
    Unreachable { url: String },
    #[error("{}", .body.message)]
    Refused { status: u16, body: ErrorBody },
    #[error("The clinic server gave an answer this app does not understand ({0}). Is it the right address, and the same version?")]
    Unexpected(String),
    #[error("This desk does not talk to {url} over plain http: use the server's https address (or the clinic allows plain http on its own network with CLINIC_DESK_ALLOW_PLAIN_HTTP=1).")]
    PlainHttpRefused { url: String },
    #[error("The clinic server's certificate is not the one this desk trusts.")]
    CertificateNotTrusted { url: String },
}

impl From<ClientError> for IpcError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Refused { body, .. } => IpcError::from(body),
            ClientError::Unreachable { .. }
            | ClientError::PlainHttpRefused { .. }
            | ClientError::CertificateNotTrusted { .. } => {
                IpcError::new(ErrorCode::ServerUnreachable, e.to_string())
            }
            ClientError::Unexpected(_) => IpcError::new(ErrorCode::Internal, e.to_string()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SyncClient {
    base_url: String,
    /// Rebuilt when the server's certificate is pinned; shared by every clone.
    http: std::sync::Arc<std::sync::RwLock<reqwest::Client>>,
    /// Plain http to a server that is not on this computer, and the clinic did not allow it.
    plain_refused: bool,
}

fn http_client(pinned: Option<&[u8]>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(15));
    if let Some(der) = pinned {
        // Exactly this certificate, whatever name the server is reached by (it was pinned, as
        // an SSH host key is): no other authority, and no other certificate, is trusted — and
        // a pin that cannot be read trusts nothing at all (never the system's authorities).
        let only: Vec<reqwest::Certificate> =
            reqwest::Certificate::from_der(der).into_iter().collect();
        builder = builder
            .tls_certs_only(only)
            .tls_danger_accept_invalid_hostnames(true);
    }
    builder
        .build()
        .expect("an HTTP client with timeouts can always be built")
}

/// Whether plain http to `url` is acceptable without the clinic's say-so: only to this
/// computer itself (a demo, a test).
pub fn plain_http_is_local(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    if scheme.eq_ignore_ascii_case("https") {
        return true;
    }
    if !scheme.eq_ignore_ascii_case("http") {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return false;
    }
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    };
    host.eq_ignore_ascii_case("localhost")
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A certificate's SHA-256 fingerprint, `AB:CD:…`.
pub fn fingerprint(der: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl SyncClient {
    /// A client for the server at `base_url` (e.g. `https://clinic-server.lan:8750`).
    pub fn new(base_url: &str) -> Self {
        Self::with_policy(base_url, true)
    }

    /// A client that refuses plain `http://` to anything but this computer unless
    /// `allow_plain_http` (the clinic's explicit choice).
    pub fn with_policy(base_url: &str, allow_plain_http: bool) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            http: std::sync::Arc::new(std::sync::RwLock::new(http_client(None))),
            plain_refused: !allow_plain_http && !plain_http_is_local(base_url),
        }
    }

    fn http(&self) -> reqwest::Client {
        self.http.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// From now on trust exactly this certificate (DER) for the server.
    pub fn pin_certificate(&self, der: &[u8]) {
        *self.http.write().unwrap_or_else(|p| p.into_inner()) = http_client(Some(der));
    }

    /// The certificate the server presents (DER), read without trusting it — for pinning at
    /// the first contact, or to say what changed. Only `/health` is asked: no secret is sent.
    pub async fn presented_certificate(&self) -> Result<Vec<u8>, ClientError> {
        if self.plain_refused {
            return Err(ClientError::PlainHttpRefused {
                url: self.base_url.clone(),
            });
        }
        let probe = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(5))
            .tls_danger_accept_invalid_certs(true)
            .tls_info(true)
            .build()
            .map_err(|e| ClientError::Unexpected(e.to_string()))?;
        let response =
            probe
                .get(self.url("/health"))
                .send()
                .await
                .map_err(|_| ClientError::Unreachable {
                    url: self.base_url.clone(),
                })?;
        response
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|info| info.peer_certificate())
            .map(<[u8]>::to_vec)
            .ok_or_else(|| ClientError::Unexpected("the server presented no certificate".into()))
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A quick reachability check for the status bar.
    pub async fn health(&self, timeout: Duration) -> Result<Health, ClientError> {
        let request = self.http().get(self.url("/health")).timeout(timeout);
        self.answer(request).await
    }

    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        device_name: Option<&str>,
        device_id: Option<uuid::Uuid>,
    ) -> Result<SessionGrant, ClientError> {
        let body = SignInRequest {
            email: email.to_owned(),
            password: password.to_owned(),
            device_name: device_name.map(str::to_owned),
            device_id,
        };
        self.answer(self.http().post(self.url("/api/v1/sessions")).json(&body))
            .await
    }

    pub async fn sign_up(&self, form: &SignUpForm) -> Result<SessionGrant, ClientError> {
        self.answer(self.http().post(self.url("/api/v1/patients")).json(form))
            .await
    }

    pub async fn me(&self, token: &str) -> Result<Me, ClientError> {
        self.answer(self.http().get(self.url("/api/v1/me")).bearer_auth(token))
            .await
    }

    pub async fn update_my_profile(
        &self,
        token: &str,
        form: &DemographicsForm,
    ) -> Result<PatientProfileView, ClientError> {
        self.answer(
            self.http()
                .put(self.url("/api/v1/me/profile"))
                .bearer_auth(token)
                .json(form),
        )
        .await
    }

    /// Every account of the clinic (admins only).
    pub async fn accounts(&self, token: &str) -> Result<Vec<AccountView>, ClientError> {
        self.answer(
            self.http()
                .get(self.url("/api/v1/accounts"))
                .bearer_auth(token),
        )
        .await
    }

    /// Create a staff account (admins only).
    pub async fn create_staff_account(
        &self,
        token: &str,
        form: &StaffAccountForm,
    ) -> Result<AccountView, ClientError> {
        self.answer(
            self.http()
                .post(self.url("/api/v1/accounts"))
                .bearer_auth(token)
                .json(form),
        )
        .await
    }

    pub async fn doctors(&self, token: &str) -> Result<Vec<DoctorView>, ClientError> {
        self.answer(
            self.http()
                .get(self.url("/api/v1/doctors"))
                .bearer_auth(token),
        )
        .await
    }

    /// Search the doctor directory (a patient sees verified doctors only).
    pub async fn directory(
        &self,
        token: &str,
        query: &clinic_core::doctor::DirectoryQuery,
    ) -> Result<clinic_core::doctor::DirectoryPage, ClientError> {
        let mut params: Vec<(&str, String)> = vec![
            ("text", query.text.clone()),
            ("page", query.page.to_string()),
            ("verified_only", query.verified_only.to_string()),
        ];
        if query.per_page > 0 {
            params.push(("per_page", query.per_page.to_string()));
        }
        if let Some(kind) = query.kind {
            params.push(("kind", wire_name(&kind)));
        }
        params.push(("sort", wire_name(&query.sort)));
        for (name, value) in [
            ("specialty", &query.specialty),
            ("city", &query.city),
            ("language", &query.language),
        ] {
            if let Some(v) = value {
                params.push((name, v.clone()));
            }
        }
        if let Some(max) = query.max_fee {
            params.push(("max_fee", max.to_string()));
        }
        let url = reqwest::Url::parse_with_params(&self.url("/api/v1/directory"), &params)
            .map_err(|e| ClientError::Unexpected(e.to_string()))?;
        self.answer(self.http().get(url).bearer_auth(token)).await
    }

    /// A doctor's profile and working pattern (the doctor, or an admin).
    pub async fn save_doctor_profile(
        &self,
        token: &str,
        doctor: clinic_core::UserId,
        form: &clinic_core::ipc::DoctorProfileForm,
    ) -> Result<clinic_core::doctor::DoctorRecord, ClientError> {
        self.answer(
            self.http()
                .put(self.url(&format!("/api/v1/doctors/{doctor}")))
                .bearer_auth(token)
                .json(form),
        )
        .await
    }

    /// Upload a doctor's credential or photo (the server checks it again).
    pub async fn upload_doctor_document(
        &self,
        token: &str,
        doctor: clinic_core::UserId,
        purpose: clinic_core::doctor::DocumentPurpose,
        content: Vec<u8>,
    ) -> Result<clinic_core::doctor::DoctorDocument, ClientError> {
        let url = reqwest::Url::parse_with_params(
            &self.url(&format!("/api/v1/doctors/{doctor}/documents")),
            &[("purpose", purpose.as_str())],
        )
        .map_err(|e| ClientError::Unexpected(e.to_string()))?;
        self.answer(
            self.http()
                .post(url)
                .bearer_auth(token)
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(content),
        )
        .await
    }

    /// Send a file to an appointment's conversation (before the message that carries it).
    pub async fn upload_attachment(
        &self,
        token: &str,
        appointment: clinic_core::AppointmentId,
        content: Vec<u8>,
    ) -> Result<clinic_core::chat::Attachment, ClientError> {
        self.answer(
            self.http()
                .post(self.url(&format!("/api/v1/appointments/{appointment}/attachments")))
                .bearer_auth(token)
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(content),
        )
        .await
    }

    /// A conversation's file (the server audits the read).
    pub async fn attachment(&self, token: &str, id: uuid::Uuid) -> Result<Vec<u8>, ClientError> {
        self.download(
            self.http()
                .get(self.url(&format!("/api/v1/attachments/{id}")))
                .bearer_auth(token),
        )
        .await
    }

    /// A file's bytes, or the server's refusal.
    async fn download(&self, request: reqwest::RequestBuilder) -> Result<Vec<u8>, ClientError> {
        let response = self.send(request).await?;
        if !response.status().is_success() {
            return Err(self.refusal(response).await);
        }
        response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|_| ClientError::Unreachable {
                url: self.base_url.clone(),
            })
    }

    /// A doctor's files of one purpose, newest first.
    pub async fn doctor_documents(
        &self,
        token: &str,
        doctor: clinic_core::UserId,
        purpose: clinic_core::doctor::DocumentPurpose,
    ) -> Result<Vec<clinic_core::doctor::DoctorDocument>, ClientError> {
        let url = reqwest::Url::parse_with_params(
            &self.url(&format!("/api/v1/doctors/{doctor}/documents")),
            &[("purpose", purpose.as_str())],
        )
        .map_err(|e| ClientError::Unexpected(e.to_string()))?;
        self.answer(self.http().get(url).bearer_auth(token)).await
    }

    /// One of a doctor's files, its bytes.
    pub async fn doctor_document(
        &self,
        token: &str,
        doctor: clinic_core::UserId,
        document: uuid::Uuid,
    ) -> Result<Vec<u8>, ClientError> {
        self.download(
            self.http()
                .get(self.url(&format!("/api/v1/doctors/{doctor}/documents/{document}")))
                .bearer_auth(token),
        )
        .await
    }

    /// A consultation's note (audited by the server).
    pub async fn note(
        &self,
        token: &str,
        appointment: clinic_core::AppointmentId,
    ) -> Result<clinic_core::ipc::NoteView, ClientError> {
        self.answer(
            self.http()
                .get(self.url(&format!("/api/v1/appointments/{appointment}/note")))
                .bearer_auth(token),
        )
        .await
    }

    /// Write a consultation's note: a draft, or an amendment once it is locked.
    pub async fn save_note(
        &self,
        token: &str,
        appointment: clinic_core::AppointmentId,
        form: &clinic_core::ipc::NoteForm,
    ) -> Result<clinic_core::ipc::NoteView, ClientError> {
        self.answer(
            self.http()
                .put(self.url(&format!("/api/v1/appointments/{appointment}/note")))
                .bearer_auth(token)
                .json(form),
        )
        .await
    }

    /// A patient's consultations, newest first (audited by the server).
    pub async fn consultations(
        &self,
        token: &str,
        patient: clinic_core::PatientId,
    ) -> Result<Vec<clinic_core::ipc::ConsultationSummary>, ClientError> {
        self.answer(
            self.http()
                .get(self.url(&format!("/api/v1/patients/{patient}/consultations")))
                .bearer_auth(token),
        )
        .await
    }

    /// An appointment's prescription (audited by the server).
    pub async fn prescription(
        &self,
        token: &str,
        appointment: clinic_core::AppointmentId,
    ) -> Result<clinic_core::prescription::PrescriptionView, ClientError> {
        self.answer(
            self.http()
                .get(self.url(&format!("/api/v1/appointments/{appointment}/prescription")))
                .bearer_auth(token),
        )
        .await
    }

    /// Write the draft of an appointment's prescription (a new version after issuing).
    pub async fn save_prescription(
        &self,
        token: &str,
        appointment: clinic_core::AppointmentId,
        form: &clinic_core::prescription::PrescriptionForm,
    ) -> Result<clinic_core::prescription::PrescriptionView, ClientError> {
        self.answer(
            self.http()
                .put(self.url(&format!("/api/v1/appointments/{appointment}/prescription")))
                .bearer_auth(token)
                .json(form),
        )
        .await
    }

    /// Issue the draft: locked, with its verification code.
    pub async fn issue_prescription(
        &self,
        token: &str,
        appointment: clinic_core::AppointmentId,
        form: &clinic_core::prescription::IssueForm,
    ) -> Result<clinic_core::prescription::PrescriptionView, ClientError> {
        self.answer(
            self.http()
                .post(self.url(&format!(
                    "/api/v1/appointments/{appointment}/prescription/issue"
                )))
                .bearer_auth(token)
                .json(form),
        )
        .await
    }

    /// A patient's issued prescriptions, as printable sheets.
    pub async fn patient_prescriptions(
        &self,
        token: &str,
        patient: clinic_core::PatientId,
    ) -> Result<Vec<clinic_core::prescription::PrescriptionSheet>, ClientError> {
        self.answer(
            self.http()
                .get(self.url(&format!("/api/v1/patients/{patient}/prescriptions")))
                .bearer_auth(token),
        )
        .await
    }

    /// A patient's allergies and conditions.
    pub async fn clinical_summary(
        &self,
        token: &str,
        patient: clinic_core::PatientId,
    ) -> Result<clinic_core::chart::ClinicalSummary, ClientError> {
        self.answer(
            self.http()
                .get(self.url(&format!("/api/v1/patients/{patient}/clinical")))
                .bearer_auth(token),
        )
        .await
    }

    pub async fn save_clinical_summary(
        &self,
        token: &str,
        patient: clinic_core::PatientId,
        summary: &clinic_core::chart::ClinicalSummary,
    ) -> Result<clinic_core::chart::ClinicalSummary, ClientError> {
        self.answer(
            self.http()
                .put(self.url(&format!("/api/v1/patients/{patient}/clinical")))
                .bearer_auth(token)
                .json(summary),
        )
        .await
    }

    /// Record a patient's consent (the patient themself, or staff noting spoken consent).
    pub async fn record_consent(
        &self,
        token: &str,
        patient: clinic_core::PatientId,
        form: &clinic_core::consent::ConsentForm,
    ) -> Result<clinic_core::consent::ConsentRecord, ClientError> {
        self.answer(
            self.http()
                .post(self.url(&format!("/api/v1/patients/{patient}/consents")))
                .bearer_auth(token)
                .json(form),
        )
        .await
    }

    /// Where an appointment's video call is, for the signed-in doctor or patient.
    pub async fn meeting(
        &self,
        token: &str,
        appointment: clinic_core::AppointmentId,
    ) -> Result<clinic_core::ipc::MeetingAccess, ClientError> {
        self.answer(
            self.http()
                .get(self.url(&format!("/api/v1/appointments/{appointment}/meeting")))
                .bearer_auth(token),
        )
        .await
    }

    /// An admin's decision on a doctor's credentials.
    pub async fn verify_doctor(
        &self,
        token: &str,
        doctor: clinic_core::UserId,
        decision: &clinic_core::doctor::Verification,
    ) -> Result<clinic_core::doctor::DoctorRecord, ClientError> {
        self.answer(
            self.http()
                .put(self.url(&format!("/api/v1/doctors/{doctor}/verification")))
                .bearer_auth(token)
                .json(decision),
        )
        .await
    }

    /// A doctor's free slots over the next `days` days.
    pub async fn doctor_slots(
        &self,
        token: &str,
        doctor: clinic_core::UserId,
        kind: clinic_core::availability::ConsultationType,
        days: u32,
    ) -> Result<Vec<clinic_core::availability::Slot>, ClientError> {
        let url = reqwest::Url::parse_with_params(
            &self.url(&format!("/api/v1/doctors/{doctor}/slots")),
            &[("kind", wire_name(&kind)), ("days", days.to_string())],
        )
        .map_err(|e| ClientError::Unexpected(e.to_string()))?;
        self.answer(self.http().get(url).bearer_auth(token)).await
    }

    /// Push a batch of this device's commands; one answer per command, in order.
    pub async fn push(
        &self,
        token: &str,
        commands: &[CommandEnvelope],
    ) -> Result<PushResponse, ClientError> {
        // The wire shape of a `PushRequest`, written straight from the envelopes.
        #[derive(serde::Serialize)]
        struct Push<'a> {
            commands: &'a [CommandEnvelope],
        }
        self.answer(
            self.http()
                .post(self.url("/api/v1/sync/push"))
                .bearer_auth(token)
                .json(&Push { commands }),
        )
        .await
    }

    /// The changes after `after` this user may see, at most `limit`.
    pub async fn pull(
        &self,
        token: &str,
        after: u64,
        limit: u32,
    ) -> Result<PullResponse, ClientError> {
        self.answer(
            self.http()
                .get(self.url(&format!("/api/v1/sync/pull?after={after}&limit={limit}")))
                .bearer_auth(token),
        )
        .await
    }

    /// Listen for the server's "the change log moved" events.
    pub async fn events(&self, token: &str) -> Result<ChangeEvents, ClientError> {
        let request = self
            .http()
            .get(self.url("/api/v1/sync/events"))
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            // The stream stays open for as long as the server runs; liveness is checked per
            // event instead (the server sends a keep-alive every 15 s).
            .timeout(Duration::from_secs(60 * 60 * 24 * 365));
        let response = self.send(request).await?;
        if !response.status().is_success() {
            return Err(self.refusal(response).await);
        }
        Ok(ChangeEvents {
            response,
            buffer: String::new(),
            url: self.base_url.clone(),
        })
    }

    /// Revoke the session on the server.
    pub async fn sign_out(&self, token: &str) -> Result<(), ClientError> {
        let request = self
            .http()
            .delete(self.url("/api/v1/sessions/current"))
            .bearer_auth(token);
        let response = self.send(request).await?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(self.refusal(response).await)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        if self.plain_refused {
            return Err(ClientError::PlainHttpRefused {
                url: self.base_url.clone(),
            });
        }
        request.send().await.map_err(|e| {
            if certificate_problem(&e) {
                ClientError::CertificateNotTrusted {
                    url: self.base_url.clone(),
                }
            } else if e.is_connect() || e.is_timeout() || e.is_request() {
                ClientError::Unreachable {
                    url: self.base_url.clone(),
                }
            } else {
                ClientError::Unexpected(e.to_string())
            }
        })
    }

    async fn answer<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let response = self.send(request).await?;
        if !response.status().is_success() {
            return Err(self.refusal(response).await);
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|_| ClientError::Unreachable {
                url: self.base_url.clone(),
            })?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Unexpected(e.to_string()))
    }

    async fn refusal(&self, response: reqwest::Response) -> ClientError {
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap_or_default();
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => ClientError::Refused { status, body },
            Err(_) => ClientError::Unexpected(format!("HTTP {status}")),
        }
    }
}

/// Whether a failed request failed on the server's certificate (OpenSSL's verification).
fn certificate_problem(e: &reqwest::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = source {
        let text = err.to_string();
        if text.contains("certificate verify failed") || text.contains("self-signed certificate") {
            return true;
        }
        source = err.source();
    }
    false
}

/// A value's name on the wire (a unit enum variant's serde name), for query strings.
fn wire_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
