//! Files in a consultation's conversation: an image or a PDF the doctor or the patient sends.
//! Only the appointment's two people may send or read one; the patient must have agreed to the
//! clinic keeping uploaded records; the size is refused from the declared length before the
//! body is read; what the file is comes from its content; the content is kept once, sealed
//! (`blobs`), under a name the server makes. Every read — and every refused attempt — is audited.

use crate::extract::Path;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Json;
use chrono::Utc;
use clinic_core::audit::AuditAction;
use clinic_core::chat::{conversation_open, Attachment, ATTACHMENT_RULE};
use clinic_core::consent::ConsentPurpose;
use clinic_core::{decide, Action, AppointmentId, PatientId};

use crate::blobs::sha256_hex;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::http::state::AppState;
use crate::storage::Storage;

/// Whether the patient agreed to the clinic keeping the files they or their doctor upload.
pub(crate) async fn records_consented<S: Storage>(
    state: &AppState<S>,
    patient: PatientId,
) -> Result<(), ApiError> {
    let consented = state
        .storage
        .consents(patient)
        .await?
        .iter()
        .any(|c| c.purpose == ConsentPurpose::StoreUploadedRecords);
    if consented {
        Ok(())
    } else {
        Err(ApiError::ConsentRequired(
            "The patient has not agreed to the clinic keeping uploaded files, so this file was \
             not stored. The patient agrees in their app, or tell us they agreed in person."
                .to_owned(),
        ))
    }
}

/// `POST /api/v1/appointments/{id}/attachments`, the file as the body: the appointment's doctor
/// or its patient, while the conversation is open. `201` with the attachment's record; the
/// message that carries it is a `SendMessage` command naming its id.
pub async fn upload<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<AppointmentId>,
    request: Request,
) -> Result<(StatusCode, Json<Attachment>), ApiError> {
    let appointment = crate::consultations::appointment_for(
        &state,
        &caller,
        id,
        AuditAction::RefusedAttach,
        |d, p| Action::Converse {
            doctor: d,
            patient_account: p,
            desk_allowed: state.settings.desk_in_conversations,
        },
    )
    .await?;
    let uploader = caller.account.as_ref().ok_or(ApiError::NotSignedIn)?.id;
    if !conversation_open(appointment.status) {
        return Err(ApiError::Conflict(
            "This appointment was cancelled or moved, so its conversation is closed.".to_owned(),
        ));
    }
    // Refused from the declared length, before a byte of the body is read.
    if let Some(declared) = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        ATTACHMENT_RULE.check_size(declared)?;
    }
    records_consented(&state, appointment.patient).await?;
    let kept = state.storage.attachment_count(appointment.id).await?;
    if kept >= clinic_core::chat::ATTACHMENTS_PER_APPOINTMENT_MAX {
        return Err(ApiError::Conflict(format!(
            "This conversation already holds {kept} files, the most one appointment keeps."
        )));
    }
    let bytes = crate::body::whole_body(
        request.into_body(),
        ATTACHMENT_RULE.max_bytes as usize,
        crate::body::cut_off,
    )
    .await?;
    let kind = ATTACHMENT_RULE.check(&bytes)?;
    let sha256 = sha256_hex(&bytes);
    let now = Utc::now();
    let attachment = Attachment {
        id: uuid::Uuid::now_v7(),
        appointment: appointment.id,
        kind,
        size: bytes.len() as u64,
        file_name: Attachment::server_file_name(kind, &sha256, now),
        sha256,
        uploaded_by: uploader,
        uploaded_at: now,
    };
    let sealed = state.blob_key.seal(&attachment.sha256, &bytes);
    state
        .storage
        .save_attachment(&attachment, appointment.patient, &sealed)
        .await?;
    crate::audit::record(
        &state,
        &caller,
        AuditAction::UploadAttachment,
        attachment.id.to_string(),
        appointment.patient,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(attachment)))
}

/// `GET /api/v1/attachments/{id}`: the file, for the appointment's doctor or its patient, with
/// the server's name, its type as found, and `nosniff`. A refusal is audited too.
pub async fn download<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<uuid::Uuid>,
) -> Result<Response, ApiError> {
    caller.signed_in()?;
    let (attachment, patient, sealed) = state
        .storage
        .attachment(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let doctor = state
        .storage
        .appointment(attachment.appointment)
        .await?
        .map(|a| a.doctor)
        .ok_or(ApiError::NotFound)?;
    let patient_account = state.storage.patient_account(patient).await?.flatten();
    if decide(
        caller.actor,
        Action::Converse {
            doctor,
            patient_account,
            desk_allowed: state.settings.desk_in_conversations,
        },
    )
    .is_err()
    {
        crate::audit::record(
            &state,
            &caller,
            AuditAction::RefusedReadAttachment,
            id.to_string(),
            patient,
        )
        .await?;
        return Err(ApiError::Forbidden);
    }
    let content = state
        .blob_key
        .open(&attachment.sha256, &sealed)
        .map_err(|e| ApiError::Internal(format!("attachment {id}: {e}")))?;
    crate::audit::record(
        &state,
        &caller,
        AuditAction::ReadAttachment,
        id.to_string(),
        patient,
    )
    .await?;
    crate::body::file_answer(content, attachment.kind, &attachment.file_name)
}
