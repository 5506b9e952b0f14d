//! Video calls: a meeting room per confirmed video appointment (made in the same transaction
//! as the confirmation, see `storage/sql/push_appointments.rs`), and `GET /api/v1/appointments/{id}/meeting`, which gives
//! the appointment's doctor or patient the address to open — with, for a self-hosted Jitsi with
//! token authentication, a token signed here with the clinic's app secret (the doctor moderator
//! and owner, the patient a member who waits in the lobby), expiring shortly after the slot.

use crate::extract::Path;
use axum::extract::State;
use axum::Json;
use chrono::Utc;
use clinic_core::audit::AuditAction;
use clinic_core::consent::ConsentPurpose;
use clinic_core::ipc::MeetingAccess;
use clinic_core::meeting::{call_open, JitsiClaims, JitsiServer, Participant};
use clinic_core::{Action, AppointmentId, Role};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::http::state::AppState;
use crate::storage::Storage;

/// Sign a participant's token (HS256 with the clinic's app secret).
pub fn sign(claims: &JitsiClaims, secret: &str) -> Result<String, ApiError> {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|e| ApiError::Internal(format!("signing a meeting token: {e}")))
}

/// `GET /api/v1/appointments/{id}/meeting`.
pub async fn join<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<AppointmentId>,
) -> Result<Json<MeetingAccess>, ApiError> {
    let appointment = crate::consultations::appointment_for(
        &state,
        &caller,
        id,
        AuditAction::RefusedJoinCall,
        |doctor, patient_account| Action::JoinCall {
            doctor,
            patient_account,
        },
    )
    .await?;
    let account = caller.account.as_ref().ok_or(ApiError::NotSignedIn)?;
    let now = Utc::now();
    let until =
        call_open(&appointment, now).map_err(|refused| ApiError::Conflict(refused.to_string()))?;
    // No call without the patient's consent to a video consultation.
    let consented = state
        .storage
        .consents(appointment.patient)
        .await?
        .iter()
        .any(|c| c.purpose == ConsentPurpose::VideoConsultation);
    if !consented {
        return Err(ApiError::ConsentRequired(
            "The patient has not agreed to a video consultation yet, so the call does not start. \
             The patient agrees in their app, or tell us they agreed by phone or in person."
                .to_owned(),
        ));
    }
    let room = state
        .storage
        .meeting_room(id, now.timestamp_millis())
        .await?;
    let jitsi = JitsiServer {
        base_url: state.settings.jitsi_url.clone(),
        app_id: state.settings.jitsi_app_id.clone(),
    };
    let moderator = caller.role() == Some(Role::Doctor);
    let participant = Participant {
        id: account.id.to_string(),
        name: account.display_name.clone(),
        email: account.email.clone(),
        moderator,
    };
    let token = match (
        jitsi.claims(&room, &participant, now, until),
        state.settings.jitsi_app_secret.as_deref(),
    ) {
        (Some(claims), Some(secret)) => Some(sign(&claims, secret)?),
        _ => None,
    };
    crate::audit::record(
        &state,
        &caller,
        AuditAction::JoinCall,
        id.to_string(),
        appointment.patient,
    )
    .await?;
    Ok(Json(MeetingAccess {
        url: jitsi.meeting_url(&room, token.as_deref(), &account.display_name),
        jitsi_url: jitsi.base_url.clone(),
        room,
        moderator,
        with_token: token.is_some(),
        open_until: until,
    }))
}
