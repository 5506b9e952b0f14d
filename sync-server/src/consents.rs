//! Patients' consents over HTTP: `POST /api/v1/patients/{id}/consents` (the patient themself, the
//! front desk or a treating doctor recording spoken consent, which must say how) and `GET` the
//! list. Every consent recorded, every list read and every refusal is audited.

use crate::extract::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use clinic_core::audit::AuditAction;
use clinic_core::consent::{ConsentForm, ConsentGiven, ConsentRecord};
use clinic_core::{decide, Action, Actor, PatientId, Role};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::http::state::AppState;
use crate::storage::Storage;

pub async fn record<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(patient): Path<PatientId>,
    ApiJson(form): ApiJson<ConsentForm>,
) -> Result<(StatusCode, Json<ConsentRecord>), ApiError> {
    let account = state.storage.patient_account(patient).await?;
    let cares_for = cares_for(&state, &caller, patient).await?;
    // The policy first: probing ids hears "not allowed", never "unknown".
    let allowed = decide(
        caller.actor,
        Action::RecordConsent {
            patient_account: account.flatten(),
            cares_for,
        },
    );
    crate::audit::unless_refused(
        &state,
        &caller,
        allowed,
        AuditAction::RefusedRecordConsent,
        patient,
    )
    .await?;
    if account.is_none() {
        return Err(ApiError::NotFound);
    }
    let (Actor::User { id, role }, Some(_)) = (caller.actor, caller.account.as_ref()) else {
        return Err(ApiError::NotSignedIn);
    };
    let given = if role == Role::Patient {
        ConsentGiven::ByThePatient
    } else {
        ConsentGiven::Spoken
    };
    form.check(given == ConsentGiven::Spoken)
        .map_err(ApiError::Validation)?;
    let consent = ConsentRecord {
        id: uuid::Uuid::now_v7(),
        patient,
        purpose: form.purpose,
        given,
        recorded_by: id,
        recorded_at: Utc::now(),
        note: form
            .note
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty()),
    };
    state.storage.save_consent(&consent).await?;
    crate::audit::record(
        &state,
        &caller,
        AuditAction::RecordConsent,
        format!("{}: {}", consent.purpose.as_str(), consent.id),
        patient,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(consent)))
}

pub async fn list<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(patient): Path<PatientId>,
) -> Result<Json<Vec<ConsentRecord>>, ApiError> {
    let account = state.storage.patient_account(patient).await?;
    let cares_for = cares_for(&state, &caller, patient).await?;
    let allowed = decide(
        caller.actor,
        Action::ReadConsent {
            patient_account: account.flatten(),
            cares_for,
        },
    );
    crate::audit::unless_refused(
        &state,
        &caller,
        allowed,
        AuditAction::RefusedReadConsents,
        patient,
    )
    .await?;
    if account.is_none() {
        return Err(ApiError::NotFound);
    }
    let consents = state.storage.consents(patient).await?;
    crate::audit::record(
        &state,
        &caller,
        AuditAction::ReadConsents,
        patient.to_string(),
        patient,
    )
    .await?;
    Ok(Json(consents))
}

/// Whether the caller is a doctor who treats `patient`.
async fn cares_for<S: Storage>(
    state: &AppState<S>,
    caller: &Caller,
    patient: PatientId,
) -> Result<bool, ApiError> {
    Ok(match caller.actor {
        Actor::User {
            id,
            role: Role::Doctor,
        } => state.storage.cares_for(id, patient).await?,
        _ => false,
    })
}
