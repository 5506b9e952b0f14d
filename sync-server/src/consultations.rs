//! Consultation notes and a patient's consultation history over HTTP. Every read and write of a
//! note, and every read of a history, is audited in the same breath (a write in the same
//! transaction).

use crate::extract::Path;
use axum::extract::State;
use axum::Json;
use chrono::Utc;
use clinic_core::account::{FieldError, FieldProblem};
use clinic_core::appointment::Status;
use clinic_core::consultation::{NoteRecord, NoteRefused};
use clinic_core::ipc::{ConsultationSummary, NoteForm, NoteView};
use clinic_core::{decide, Action, AppointmentId, PatientId, Role};

use crate::audit::AuditEvent;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::http::state::AppState;
use crate::storage::Storage;
use clinic_core::audit::AuditAction;

fn event(caller: &Caller, action: AuditAction, subject: String, patient: PatientId) -> AuditEvent {
    AuditEvent {
        actor: caller
            .account
            .as_ref()
            .map(|a| a.id.to_string())
            .unwrap_or_default(),
        role: caller
            .account
            .as_ref()
            .map(|a| a.role.clone())
            .unwrap_or_default(),
        action: action.as_str().to_owned(),
        subject,
        patient: patient.to_string(),
        device: caller.device.clone().unwrap_or_default(),
    }
}

/// An appointment, for a caller the policy lets do `action` with it (built from the
/// appointment's doctor and its patient's own account); a refusal is audited as `refused`.
/// Signed-out callers and unknown ids are told apart from refusals only after the caller is
/// known to be signed in.
pub(crate) async fn appointment_for<S: Storage>(
    state: &AppState<S>,
    caller: &Caller,
    id: AppointmentId,
    refused: AuditAction,
    action: impl Fn(clinic_core::UserId, Option<clinic_core::UserId>) -> Action,
) -> Result<clinic_core::appointment::AppointmentRecord, ApiError> {
    caller.signed_in()?;
    let appointment = state
        .storage
        .appointment(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let patient_account = state
        .storage
        .patient_account(appointment.patient)
        .await?
        .flatten();
    let allowed = decide(caller.actor, action(appointment.doctor, patient_account));
    crate::audit::unless_refused(state, caller, allowed, refused, appointment.patient).await?;
    Ok(appointment)
}

/// A note is locked (only amended) once its consultation is completed
/// ([`clinic_core::consultation::note_state`]).
fn locked(status: Status) -> bool {
    clinic_core::consultation::note_state(status) == Ok(true)
}

/// `GET /api/v1/appointments/{id}/note`: the appointment's doctor, or the patient's own.
pub async fn read<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<AppointmentId>,
) -> Result<Json<NoteView>, ApiError> {
    let appointment = appointment_for(
        &state,
        &caller,
        id,
        AuditAction::RefusedReadNote,
        |doctor, patient_account| Action::ReadConsultationNote {
            doctor,
            patient_account,
        },
    )
    .await?;
    caller.account.as_ref().ok_or(ApiError::NotSignedIn)?;
    let record = state.storage.note(id).await?;
    state
        .storage
        .audit(
            &event(
                &caller,
                AuditAction::ReadNote,
                id.to_string(),
                appointment.patient,
            ),
            Utc::now().timestamp_millis(),
        )
        .await?;
    Ok(Json(NoteView {
        record,
        status: appointment.status,
        locked: locked(appointment.status),
    }))
}

/// `PUT /api/v1/appointments/{id}/note`: the appointment's doctor. A draft while the
/// consultation runs; once it is completed, an amendment with a reason — never an overwrite.
pub async fn write<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<AppointmentId>,
    ApiJson(form): ApiJson<NoteForm>,
) -> Result<Json<NoteView>, ApiError> {
    let appointment = appointment_for(
        &state,
        &caller,
        id,
        AuditAction::RefusedWriteNote,
        |doctor, _| Action::WriteConsultationNote { doctor },
    )
    .await?;
    let account = caller.account.as_ref().ok_or(ApiError::NotSignedIn)?;
    let existing = state.storage.note(id).await?;
    let amending = existing.is_some() && locked(appointment.status);
    let now = Utc::now();
    let record = NoteRecord::write(
        existing,
        (id, appointment.patient, appointment.doctor),
        appointment.status,
        form.note,
        form.reason.as_deref(),
        account.id,
        now,
    )
    .map_err(|refused| match refused {
        NoteRefused::Invalid(fields) => ApiError::Validation(fields),
        NoteRefused::ReasonRequired => {
            ApiError::Validation(vec![FieldError::new("reason", FieldProblem::Required)])
        }
        other => ApiError::Conflict(other.to_string()),
    })?;
    let action = if amending {
        AuditAction::AmendNote
    } else {
        AuditAction::WriteNote
    };
    state
        .storage
        .save_note(
            &record,
            &event(&caller, action, id.to_string(), appointment.patient),
            now.timestamp_millis(),
        )
        .await?;
    Ok(Json(NoteView {
        record: Some(record),
        status: appointment.status,
        locked: locked(appointment.status),
    }))
}

/// `GET /api/v1/patients/{id}/consultations`: the patient, or a doctor who has or had an
/// appointment with them; newest first, each note as it reads now.
pub async fn history<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(patient): Path<PatientId>,
) -> Result<Json<Vec<ConsultationSummary>>, ApiError> {
    let account = caller.signed_in()?;
    let patient_account = state.storage.patient_account(patient).await?;
    let cares_for =
        caller.role() == Some(Role::Doctor) && state.storage.cares_for(account.id, patient).await?;
    let allowed = decide(
        caller.actor,
        Action::ReadPatientHistory {
            patient_account: patient_account.flatten(),
            cares_for,
        },
    );
    crate::audit::unless_refused(
        &state,
        &caller,
        allowed,
        AuditAction::RefusedReadHistory,
        patient,
    )
    .await?;
    if patient_account.is_none() {
        return Err(ApiError::NotFound);
    }
    let doctors = state.storage.doctors().await?;
    let list = state
        .storage
        .consultations(patient)
        .await?
        .into_iter()
        .map(|(appointment, note)| ConsultationSummary {
            doctor_name: doctors
                .iter()
                .find(|d| d.id == appointment.doctor)
                .map(|d| d.profile.display_name.clone())
                .unwrap_or_default(),
            note: note.as_ref().map(|n| n.current().clone()),
            amendments: note.as_ref().map_or(0, |n| n.amendments.len()),
            appointment,
        })
        .collect();
    state
        .storage
        .audit(
            &event(
                &caller,
                AuditAction::ReadHistory,
                patient.to_string(),
                patient,
            ),
            Utc::now().timestamp_millis(),
        )
        .await?;
    Ok(Json(list))
}
