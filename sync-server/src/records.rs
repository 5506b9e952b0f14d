//! A patient's records over HTTP: the chart (who they are, allergies and conditions, current
//! medicines, documents, and one timeline of everything), uploads of reports and documents that
//! survive a dropped connection (sent in chunks; the server says how far it got), and downloads
//! that can resume (`Range`). Who may: the patient, a doctor who has or had an appointment with
//! them, or — in an emergency — any doctor who gives a reason (**break-glass**, flagged in the
//! audit for the admins). Every read, upload and refusal is audited.

use crate::extract::{Path, Query};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use clinic_core::audit::AuditAction;
use clinic_core::chart::{
    timeline, upload_rule, ChartSources, ChartView, PatientDocument, UploadStart, UploadState,
};
use clinic_core::prescription::active_medicines;
use clinic_core::{decide, Action, PatientId, Role};
use serde::Deserialize;

use crate::blobs::sha256_hex;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::http::state::AppState;
use crate::storage::{Storage, UploadRow};

#[derive(Debug, Default, Deserialize)]
pub struct AccessQuery {
    /// Why a doctor who does not treat the patient needs the record now.
    #[serde(default)]
    pub break_glass: Option<String>,
    /// A desk fetching the chart ahead of the day's consultations, so it opens offline (audited
    /// as `prefetch_chart`, not as a person reading it).
    #[serde(default)]
    pub prefetch: bool,
}

pub use clinic_core::care::ChartAccess as Access;

/// Whether the caller may reach `patient`'s record, as the core judges it
/// ([`clinic_core::care::judge_chart_access`]); a refusal is audited as `refused`, a break-glass
/// access as `break_glass` with its reason.
pub(crate) async fn access<S: Storage>(
    state: &AppState<S>,
    caller: &Caller,
    patient: PatientId,
    break_glass: Option<&str>,
    refused: AuditAction,
) -> Result<Access, ApiError> {
    use clinic_core::care::{judge_chart_access, ChartFacts, ChartRefused};
    let account = caller.signed_in()?;
    let registered = state.storage.patient_account(patient).await?;
    let cares_for =
        caller.role() == Some(Role::Doctor) && state.storage.cares_for(account.id, patient).await?;
    let facts = ChartFacts {
        patient: registered,
        cares_for,
    };
    match judge_chart_access(caller.actor, &facts, break_glass) {
        Ok(Access::BreakGlass) => {
            let reason = break_glass.unwrap_or("").trim();
            crate::audit::record(
                state,
                caller,
                AuditAction::BreakGlass,
                format!("reason: {reason}"),
                patient,
            )
            .await?;
            Ok(Access::BreakGlass)
        }
        Ok(how) => Ok(how),
        // Break-glass does not probe ids.
        Err(ChartRefused::UnknownPatient) => Err(ApiError::NotFound),
        Err(why) => {
            crate::audit::record(state, caller, refused, patient.to_string(), patient).await?;
            Err(match why {
                ChartRefused::BreakGlass(refused) => ApiError::BadRequest(refused.to_string()),
                ChartRefused::NotSignedIn => ApiError::NotSignedIn,
                _ => ApiError::Forbidden,
            })
        }
    }
}

/// A patient's whole record, gathered from storage: what the chart and the exports are made of.
pub(crate) struct Record {
    pub patient: clinic_core::sync::PatientRecord,
    pub summary: clinic_core::chart::ClinicalSummary,
    /// Each appointment with its doctor's name and its note.
    pub visits: Vec<(
        clinic_core::appointment::AppointmentRecord,
        String,
        Option<clinic_core::consultation::NoteRecord>,
    )>,
    /// Issued and superseded prescriptions (no drafts).
    pub prescriptions: Vec<clinic_core::prescription::PrescriptionRecord>,
    pub documents: Vec<PatientDocument>,
    pub doctor_names: std::collections::HashMap<clinic_core::UserId, String>,
}

impl Record {
    pub(crate) async fn gather<S: Storage>(
        state: &AppState<S>,
        patient: PatientId,
    ) -> Result<Record, ApiError> {
        let record = state
            .storage
            .patient_record(patient)
            .await?
            .ok_or(ApiError::NotFound)?;
        let doctor_names: std::collections::HashMap<_, _> = state
            .storage
            .doctors()
            .await?
            .into_iter()
            .map(|d| (d.id, d.profile.display_name))
            .collect();
        let visits = state
            .storage
            .patient_visits(patient)
            .await?
            .into_iter()
            .map(|(a, note)| {
                let name = doctor_names.get(&a.doctor).cloned().unwrap_or_default();
                (a, name, note)
            })
            .collect();
        let prescriptions = state
            .storage
            .patient_prescriptions(patient)
            .await?
            .into_iter()
            .filter(|p| p.status != clinic_core::prescription::PrescriptionStatus::Draft)
            .collect();
        Ok(Record {
            patient: record,
            summary: state.storage.clinical_summary(patient).await?,
            visits,
            prescriptions,
            documents: state.storage.patient_documents(patient).await?,
            doctor_names,
        })
    }

    pub(crate) fn export<'a>(&'a self, base_url: &'a str) -> clinic_core::fhir::RecordExport<'a> {
        clinic_core::fhir::RecordExport {
            base_url,
            patient: &self.patient,
            summary: &self.summary,
            visits: &self.visits,
            prescriptions: &self.prescriptions,
            documents: &self.documents,
            doctor_names: &self.doctor_names,
        }
    }
}

/// `GET /api/v1/patients/{id}/export/fhir`: the whole record as a FHIR R4 Bundle (JSON), for
/// the patient or a treating doctor (break-glass too). Audited.
pub async fn export_fhir<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(patient): Path<PatientId>,
    Query(query): Query<AccessQuery>,
) -> Result<Response, ApiError> {
    access(
        &state,
        &caller,
        patient,
        query.break_glass.as_deref(),
        AuditAction::RefusedExport,
    )
    .await?;
    let record = Record::gather(&state, patient).await?;
    let base_url = state.settings.public_url();
    let bundle = clinic_core::fhir::bundle(&record.export(&base_url), Utc::now());
    crate::audit::record(
        &state,
        &caller,
        AuditAction::ExportFhir,
        patient.to_string(),
        patient,
    )
    .await?;
    let mut response = Json(bundle).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json"),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// `GET /api/v1/patients/{id}/chart[?break_glass=reason]`. Audited.
pub async fn chart<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(patient): Path<PatientId>,
    Query(query): Query<AccessQuery>,
) -> Result<Json<ChartView>, ApiError> {
    let how = access(
        &state,
        &caller,
        patient,
        query.break_glass.as_deref(),
        AuditAction::RefusedReadChart,
    )
    .await?;
    let record = Record::gather(&state, patient).await?;
    // Only messages of conversations the reader is part of: a doctor never reads the patient's
    // conversations with other doctors through the chart (break-glass included).
    let patient_account = record.patient.account;
    let messages: Vec<_> = state
        .storage
        .patient_messages(patient)
        .await?
        .into_iter()
        .filter(|m| {
            decide(
                caller.actor,
                Action::Converse {
                    doctor: m.doctor,
                    patient_account,
                    desk_allowed: state.settings.desk_in_conversations,
                },
            )
            .is_ok()
        })
        .collect();
    let now = Utc::now();
    let view = ChartView {
        medications: active_medicines(&record.prescriptions, &[], now),
        timeline: timeline(&ChartSources {
            visits: &record.visits,
            prescriptions: &record.prescriptions,
            documents: &record.documents,
            messages: &messages,
        }),
        patient: record.patient,
        summary: record.summary,
        documents: record.documents,
        as_of: now,
        from_this_device: false,
        clinic: state.settings.clinic_name.clone(),
    };
    // Only a treating doctor's desk fetches ahead; anything else asking so is a person reading.
    let action = if query.prefetch && how == Access::Treating {
        AuditAction::PrefetchChart
    } else {
        AuditAction::ReadChart
    };
    crate::audit::record(&state, &caller, action, patient.to_string(), patient).await?;
    Ok(Json(view))
}

/// `POST /api/v1/patients/{id}/uploads`: announce a report or document (title, kind of record,
/// size, SHA-256). The patient or a treating doctor; the patient's consent to the clinic
/// keeping uploaded records; the size refused before a byte is sent.
pub async fn start_upload<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(patient): Path<PatientId>,
    ApiJson(start): ApiJson<UploadStart>,
) -> Result<(StatusCode, Json<UploadState>), ApiError> {
    let max = state.settings.max_upload_bytes;
    if start.size > max {
        return Err(ApiError::PayloadTooLarge {
            limit_bytes: max as usize,
        });
    }
    let access = access(&state, &caller, patient, None, AuditAction::RefusedUpload).await?;
    debug_assert_ne!(access, Access::BreakGlass);
    start.check(max).map_err(ApiError::Validation)?;
    crate::attachments::records_consented(&state, patient).await?;
    let account = caller.account.as_ref().ok_or(ApiError::NotSignedIn)?;
    // Unfinished uploads do not pile up: a day to finish one, a few at a time per person.
    let now_ms = Utc::now().timestamp_millis();
    state
        .storage
        .expire_uploads(now_ms - UPLOAD_KEPT_MS)
        .await?;
    if state.storage.open_uploads(account.id).await? >= MAX_OPEN_UPLOADS {
        return Err(ApiError::Conflict(format!(
            "You have {MAX_OPEN_UPLOADS} uploads that were started and not finished; finish one (or wait a day) before starting another."
        )));
    }
    let row = UploadRow {
        id: uuid::Uuid::now_v7(),
        patient,
        uploaded_by: account.id,
        start: UploadStart {
            title: start.title.trim().to_owned(),
            ..start
        },
        received: 0,
        created_at_ms: Utc::now().timestamp_millis(),
        document: None,
    };
    state.storage.start_upload(&row).await?;
    Ok((
        StatusCode::CREATED,
        Json(UploadState {
            id: row.id,
            offset: 0,
            size: row.start.size,
            document: None,
        }),
    ))
}

async fn own_upload<S: Storage>(
    state: &AppState<S>,
    caller: &Caller,
    id: uuid::Uuid,
) -> Result<UploadRow, ApiError> {
    let account = caller.signed_in()?;
    state
        .storage
        .upload(id)
        .await?
        .filter(|u| u.uploaded_by == account.id)
        .ok_or(ApiError::NotFound)
}

/// `GET /api/v1/uploads/{id}`: how far an upload got (to resume after a dropped connection).
pub async fn upload_state<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<uuid::Uuid>,
) -> Result<Json<UploadState>, ApiError> {
    let row = own_upload(&state, &caller, id).await?;
    Ok(Json(finished_state(&state, &row).await?.unwrap_or(
        UploadState {
            id,
            offset: row.received,
            size: row.start.size,
            document: None,
        },
    )))
}

/// A finished upload's answer (the same as when its last piece arrived), if it is finished.
async fn finished_state<S: Storage>(
    state: &AppState<S>,
    row: &UploadRow,
) -> Result<Option<UploadState>, ApiError> {
    let Some(document) = row.document else {
        return Ok(None);
    };
    let (document, _) = state
        .storage
        .patient_document(document)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Some(UploadState {
        id: row.id,
        offset: row.start.size,
        size: row.start.size,
        document: Some(document),
    }))
}

fn chunk_context(id: uuid::Uuid, offset: u64) -> String {
    format!("upload:{id}:{offset}")
}

/// `PATCH /api/v1/uploads/{id}` with `Upload-Offset: N` and the next bytes as the body. A chunk
/// for the wrong offset is refused with where the upload stands. The last chunk completes it:
/// the whole file must have the announced hash and be a PDF, JPEG or PNG by its content.
pub async fn send_chunk<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<uuid::Uuid>,
    request: Request,
) -> Result<Response, ApiError> {
    let row = own_upload(&state, &caller, id).await?;
    // Still allowed (a doctor's appointment may have been cancelled since the upload began).
    access(
        &state,
        &caller,
        row.patient,
        None,
        AuditAction::RefusedUpload,
    )
    .await?;
    let offset = request
        .headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| {
            ApiError::BadRequest("Say where this chunk starts: an Upload-Offset header.".into())
        })?;
    let size = row.start.size;
    // Finished already (the sender missed the answer): the same answer again.
    if let Some(done) = finished_state(&state, &row).await? {
        return Ok((StatusCode::CREATED, Json(done)).into_response());
    }
    // Cut off on the way: nothing of it is kept; the sender asks and resumes.
    let bytes = crate::body::whole_body(request.into_body(), CHUNK_MAX_BYTES, || {
        ApiError::Conflict(format!(
            "The server has {} bytes of this file; send from there.",
            row.received
        ))
    })
    .await?;
    if offset != row.received {
        return Err(ApiError::Conflict(format!(
            "The server has {} bytes of this file; send from there.",
            row.received
        )));
    }
    if bytes.is_empty() || offset + bytes.len() as u64 > size {
        return Err(ApiError::BadRequest(format!(
            "This chunk does not fit: the file was announced as {size} bytes."
        )));
    }
    let sealed = state.blob_key.seal_for(&chunk_context(id, offset), &bytes);
    if !state
        .storage
        .append_chunk(id, offset, bytes.len() as u64, &sealed)
        .await?
    {
        return Err(ApiError::Conflict(
            "Another chunk arrived first; ask where the upload stands and send from there.".into(),
        ));
    }
    let received = offset + bytes.len() as u64;
    if received < size {
        return Ok(Json(UploadState {
            id,
            offset: received,
            size,
            document: None,
        })
        .into_response());
    }
    // The last chunk: the whole file, checked, sealed as one blob.
    let mut content = Vec::with_capacity(size as usize);
    for (at, sealed) in state.storage.upload_chunks(id).await? {
        let part = state
            .blob_key
            .open_for(&chunk_context(id, at as u64), &sealed)
            .map_err(|e| ApiError::Internal(format!("upload {id} chunk {at}: {e}")))?;
        content.extend_from_slice(&part);
    }
    let sha256 = sha256_hex(&content);
    if sha256 != row.start.sha256.to_ascii_lowercase() {
        state.storage.discard_upload(id).await?;
        return Err(ApiError::Conflict(
            "The file that arrived is not the one announced (its SHA-256 differs), so nothing was kept. Send it again."
                .into(),
        ));
    }
    let kind = match upload_rule(state.settings.max_upload_bytes).check(&content) {
        Ok(kind) => kind,
        Err(problem) => {
            state.storage.discard_upload(id).await?;
            return Err(ApiError::Validation(vec![problem.field_error("file")]));
        }
    };
    let account = caller.account.as_ref().ok_or(ApiError::NotSignedIn)?;
    let now = Utc::now();
    let document = PatientDocument {
        id: uuid::Uuid::now_v7(),
        patient: row.patient,
        title: row.start.title.clone(),
        category: row.start.category,
        kind,
        size,
        file_name: PatientDocument::server_file_name(row.start.category, kind, &sha256, now),
        sha256,
        uploaded_by: account.id,
        uploaded_by_role: account.role.parse().unwrap_or(Role::Patient),
        uploaded_at: now,
        seen_by_patient_at: None,
    };
    let sealed = state.blob_key.seal(&document.sha256, &content);
    state.storage.finish_upload(id, &document, &sealed).await?;
    crate::audit::record(
        &state,
        &caller,
        AuditAction::UploadDocument,
        document.id.to_string(),
        row.patient,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(UploadState {
            id,
            offset: size,
            size,
            document: Some(document),
        }),
    )
        .into_response())
}

/// How long an unfinished upload is kept.
pub const UPLOAD_KEPT_MS: i64 = 24 * 60 * 60 * 1000;
/// How many unfinished uploads one person may have at a time.
pub const MAX_OPEN_UPLOADS: i64 = 10;

/// The largest chunk one `PATCH` may carry.
pub const CHUNK_MAX_BYTES: usize = 1024 * 1024;

/// `GET /api/v1/patients/{id}/documents`. Audited.
pub async fn documents<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(patient): Path<PatientId>,
    Query(query): Query<AccessQuery>,
) -> Result<Json<Vec<PatientDocument>>, ApiError> {
    access(
        &state,
        &caller,
        patient,
        query.break_glass.as_deref(),
        AuditAction::RefusedReadDocuments,
    )
    .await?;
    let list = state.storage.patient_documents(patient).await?;
    crate::audit::record(
        &state,
        &caller,
        AuditAction::ReadDocuments,
        patient.to_string(),
        patient,
    )
    .await?;
    Ok(Json(list))
}

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    Whole,
    /// Bytes `from..=to`.
    Part(usize, usize),
    /// A range the file does not have, or one this server does not read (answered 416).
    Unsatisfiable,
}

/// `bytes=N-`, `bytes=N-M` or `bytes=-N` (the last N bytes).
fn wanted(headers: &HeaderMap, len: usize) -> Wanted {
    let Some(value) = headers.get(header::RANGE) else {
        return Wanted::Whole;
    };
    let parsed = (|| {
        let spec = value.to_str().ok()?.strip_prefix("bytes=")?;
        let (from, to) = spec.split_once('-')?;
        let last = len.checked_sub(1)?;
        match (from.trim(), to.trim()) {
            ("", suffix) => {
                let n: usize = suffix.parse().ok()?;
                (n > 0).then(|| (len.saturating_sub(n), last))
            }
            (from, "") => Some((from.parse().ok()?, last)),
            (from, to) => Some((from.parse().ok()?, to.parse::<usize>().ok()?.min(last))),
        }
    })();
    match parsed {
        Some((from, to)) if from <= to && to < len => Wanted::Part(from, to),
        _ => Wanted::Unsatisfiable,
    }
}

/// `GET /api/v1/documents/{id}[?break_glass=reason]`: the file (`Range: bytes=N-` resumes a
/// download). The patient's first opening marks a report from the clinic as seen. Audited.
pub async fn download<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<uuid::Uuid>,
    Query(query): Query<AccessQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller.signed_in()?;
    let (document, sealed) = state
        .storage
        .patient_document(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let how = access(
        &state,
        &caller,
        document.patient,
        query.break_glass.as_deref(),
        AuditAction::RefusedReadDocument,
    )
    .await?;
    let content = state
        .blob_key
        .open(&document.sha256, &sealed)
        .map_err(|e| ApiError::Internal(format!("document {id}: {e}")))?;
    if how == Access::OwnRecord {
        state
            .storage
            .mark_document_seen(id, Utc::now().timestamp_millis())
            .await?;
    }
    crate::audit::record(
        &state,
        &caller,
        AuditAction::ReadDocument,
        id.to_string(),
        document.patient,
    )
    .await?;
    let len = content.len();
    match wanted(&headers, len) {
        Wanted::Unsatisfiable => {
            let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            response.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{len}"))
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
            );
            Ok(response)
        }
        Wanted::Part(from, to) => {
            let mut response = crate::body::file_answer(
                content[from..=to].to_vec(),
                document.kind,
                &document.file_name,
            )?;
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            response.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes {from}-{to}/{len}"))
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
            );
            response
                .headers_mut()
                .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
            Ok(response)
        }
        Wanted::Whole => {
            let mut response =
                crate::body::file_answer(content, document.kind, &document.file_name)?;
            response
                .headers_mut()
                .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
            Ok(response)
        }
    }
}

/// `POST /api/v1/audit/offline-reads`: charts this user read from their device's own copy while
/// the server could not be reached, at most [`OFFLINE_READS_PER_REPORT`] at a time. A read is
/// entered (`offline_read_chart`, with the device's time of reading) only if it is believable
/// ([`judge_offline_reads`]: a chart the server gave this account on this device, at a plausible
/// time, not repeated) and the user may still read that chart; what is not believed is entered
/// once per report (`refused_offline_reads`, with how many), so a report cannot flood the audit.
pub async fn offline_reads<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    ApiJson(reads): ApiJson<Vec<clinic_core::chart::OfflineRead>>,
) -> Result<StatusCode, ApiError> {
    use clinic_core::chart::{judge_offline_reads, OFFLINE_READS_PER_REPORT};
    let account = caller.signed_in()?;
    if reads.len() > OFFLINE_READS_PER_REPORT {
        return Err(ApiError::BadRequest(format!(
            "At most {OFFLINE_READS_PER_REPORT} offline reads at a time."
        )));
    }
    let device = caller.device.clone().unwrap_or_default();
    let served: std::collections::HashSet<PatientId> = state
        .storage
        .charts_served(account.id, &device)
        .await?
        .into_iter()
        .collect();
    let now = Utc::now();
    let mut events = Vec::new();
    let mut not_believed = 0;
    for (read, verdict) in reads
        .iter()
        .zip(judge_offline_reads(&reads, now, |p| served.contains(&p)))
    {
        if verdict.is_err() {
            not_believed += 1;
            continue;
        }
        match access(
            &state,
            &caller,
            read.patient,
            None,
            AuditAction::RefusedOfflineRead,
        )
        .await
        {
            Ok(_) => events.push(crate::audit::AuditEvent {
                actor: account.id.to_string(),
                role: account.role.clone(),
                action: AuditAction::OfflineReadChart.as_str().to_owned(),
                subject: format!("read at {} on the device", read.read_at.to_rfc3339()),
                patient: read.patient.to_string(),
                device: device.clone(),
            }),
            Err(ApiError::Forbidden) => {}
            Err(e) => return Err(e),
        }
    }
    if not_believed > 0 {
        events.push(crate::audit::AuditEvent {
            actor: account.id.to_string(),
            role: account.role.clone(),
            action: AuditAction::RefusedOfflineReads.as_str().to_owned(),
            subject: format!("{not_believed} reported reads not believed"),
            patient: String::new(),
            device,
        });
    }
    state
        .storage
        .audit_many(&events, now.timestamp_millis())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn ranges_are_read_as_rfc_7233_says() {
        assert_eq!(wanted(&HeaderMap::new(), 100), Wanted::Whole);
        assert_eq!(wanted(&range("bytes=10-"), 100), Wanted::Part(10, 99));
        assert_eq!(wanted(&range("bytes=10-19"), 100), Wanted::Part(10, 19));
        assert_eq!(wanted(&range("bytes=90-200"), 100), Wanted::Part(90, 99));
        assert_eq!(wanted(&range("bytes=-30"), 100), Wanted::Part(70, 99));
        assert_eq!(wanted(&range("bytes=-300"), 100), Wanted::Part(0, 99));
        for bad in [
            "bytes=100-",
            "bytes=5-2",
            "bytes=-0",
            "items=0-5",
            "bytes=a-",
        ] {
            assert_eq!(wanted(&range(bad), 100), Wanted::Unsatisfiable, "{bad}");
        }
        assert_eq!(wanted(&range("bytes=0-"), 0), Wanted::Unsatisfiable);
    }
}
