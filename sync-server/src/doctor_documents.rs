//! Files doctors upload: credentials (a degree, a registration certificate) that the admins
//! who verify them read, and the photo the directory shows. What a file is comes from its
//! content, never its name; the size is refused from the declared length before the body is
//! read; the file name is the server's own; answers carry `nosniff` so nothing is run.

use crate::extract::{Path, Query};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Json;
use chrono::Utc;
use clinic_core::doctor::{DoctorDocument, DocumentPurpose, Verification};
use clinic_core::{decide, Action, Role, UserId};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::http::state::AppState;
use crate::storage::Storage;

#[derive(Debug, Deserialize)]
pub struct PurposeQuery {
    pub purpose: DocumentPurpose,
}

fn purpose_of(query: Result<Query<PurposeQuery>, ApiError>) -> Result<DocumentPurpose, ApiError> {
    query.map(|Query(q)| q.purpose).map_err(|_| {
        ApiError::BadRequest(
            "Say what the file is for: purpose=credential or purpose=photo.".to_owned(),
        )
    })
}

/// Who may read a doctor's files of this purpose.
fn read_action(doctor: UserId, purpose: DocumentPurpose) -> Action {
    match purpose {
        DocumentPurpose::Credential => Action::ReadDoctorCredentials { doctor },
        DocumentPurpose::Photo => Action::ReadDoctorDirectory,
    }
}

/// `POST /api/v1/doctors/{id}/documents?purpose=credential|photo`, the file as the body. The
/// doctor themself or an admin. A new credential from a doctor whose credentials were rejected
/// puts them back in the admins' queue.
pub async fn upload<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(doctor): Path<UserId>,
    query: Result<Query<PurposeQuery>, ApiError>,
    request: Request,
) -> Result<(StatusCode, Json<DoctorDocument>), ApiError> {
    // The body is read here, after the checks, not by an extractor before them.
    let headers = request.headers();
    decide(caller.actor, Action::EditDoctorProfile { doctor })?;
    let purpose = purpose_of(query)?;
    let rule = purpose.rule();
    // Refused from the declared length, before a byte of the body is read.
    if let Some(declared) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        rule.check_size(declared)?;
    }
    let account = state
        .storage
        .account_by_id(doctor)
        .await?
        .filter(|a| a.role.parse() == Ok(Role::Doctor))
        .ok_or(ApiError::NotFound)?;
    let bytes = crate::body::whole_body(
        request.into_body(),
        rule.max_bytes as usize,
        crate::body::cut_off,
    )
    .await?;
    let kind = rule.check(&bytes)?;
    let day_ago = Utc::now() - chrono::Duration::days(1);
    let today = state
        .storage
        .doctor_documents(doctor, purpose)
        .await?
        .iter()
        .filter(|d| d.uploaded_at > day_ago)
        .count();
    if today >= clinic_core::doctor::DOCUMENTS_PER_PURPOSE_PER_DAY {
        return Err(ApiError::Conflict(format!(
            "{today} files of this kind were sent in the last day, the most the clinic takes. \
             Send more tomorrow."
        )));
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let now = Utc::now();
    let document = DoctorDocument {
        id: uuid::Uuid::now_v7(),
        doctor: account.id,
        purpose,
        kind,
        size: bytes.len() as u64,
        file_name: DoctorDocument::server_file_name(purpose, kind, &sha256, now),
        sha256,
        uploaded_at: now,
        uploaded_by: caller
            .account
            .as_ref()
            .map(|a| a.id)
            .ok_or(ApiError::NotSignedIn)?,
    };
    // Sealed at rest like every other stored file (a credential names a person).
    let sealed = state.blob_key.seal(&document.sha256, &bytes);
    state
        .storage
        .save_doctor_document(&document, &sealed)
        .await?;
    if purpose == DocumentPurpose::Credential {
        if let Some(mut record) = state.storage.doctor(account.id).await? {
            if matches!(record.verification, Verification::Rejected { .. }) {
                record.verification = Verification::Pending;
                state
                    .storage
                    .save_doctor(&record, now.timestamp_millis())
                    .await?;
                state.announce_changes().await;
            }
        }
    }
    Ok((StatusCode::CREATED, Json(document)))
}

/// `GET /api/v1/doctors/{id}/documents?purpose=…`: the list, newest first (no content).
pub async fn list<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(doctor): Path<UserId>,
    query: Result<Query<PurposeQuery>, ApiError>,
) -> Result<Json<Vec<DoctorDocument>>, ApiError> {
    let purpose = purpose_of(query)?;
    decide(caller.actor, read_action(doctor, purpose))?;
    Ok(Json(state.storage.doctor_documents(doctor, purpose).await?))
}

/// `GET /api/v1/doctors/{id}/documents/{document}`: the file itself, as a download with the
/// server's name, its type from what it was found to be, and `nosniff`.
pub async fn download<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path((doctor, id)): Path<(UserId, uuid::Uuid)>,
) -> Result<Response, ApiError> {
    decide(caller.actor, Action::ReadDoctorDirectory)?;
    let (document, content) = state
        .storage
        .doctor_document(doctor, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    decide(caller.actor, read_action(doctor, document.purpose))?;
    let content = if crate::blobs::BlobKey::is_sealed(&content) {
        state
            .blob_key
            .open(&document.sha256, &content)
            .map_err(|e| ApiError::Internal(format!("doctor document {id}: {e}")))?
    } else {
        // Stored before files of doctors were sealed.
        content
    };
    crate::body::file_answer(content, document.kind, &document.file_name)
}
