//! E-prescriptions over HTTP, a patient's clinical summary (allergies and conditions), and the
//! public verification of a prescription's code. Reads and writes of health data are audited;
//! `/verify/CODE` says who issued what when and the hash of its content — nothing else.

use crate::extract::Path;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use clinic_core::appointment::AppointmentRecord;
use clinic_core::audit::AuditAction;
use clinic_core::chart::ClinicalSummary;
use clinic_core::prescription::{
    active_medicines, read_code, warnings, ClinicHeader, IssueForm, PrescriptionForm,
    PrescriptionRecord, PrescriptionRefused, PrescriptionSheet, PrescriptionStatus,
    PrescriptionView, VerificationAnswer,
};
use clinic_core::{decide, Action, AppointmentId, PatientId, Role};
use rand::RngCore;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::http::state::AppState;
use crate::storage::{PrescriptionSaved, Storage};

fn is_patient(caller: &Caller) -> bool {
    caller.role() == Some(Role::Patient)
}

/// The printed form of a prescription: the record with the clinic, the doctor and the patient.
async fn sheet<S: Storage>(
    state: &AppState<S>,
    record: PrescriptionRecord,
) -> Result<PrescriptionSheet, ApiError> {
    let doctor = state.storage.doctor(record.doctor).await?;
    let patient = state.storage.patient_record(record.patient).await?;
    let settings = &state.settings;
    let profile = doctor.map(|d| d.profile);
    let verify_url = record
        .code
        .as_ref()
        .map(|code| format!("{}/verify/{code}", settings.public_url()));
    Ok(PrescriptionSheet {
        clinic: ClinicHeader {
            name: settings.clinic_name.clone(),
            address: settings.clinic_address.clone(),
            phone: settings.clinic_phone.clone(),
        },
        doctor_name: profile
            .as_ref()
            .map(|p| p.display_name.clone())
            .unwrap_or_default(),
        qualifications: profile
            .as_ref()
            .map(|p| p.qualifications.clone())
            .unwrap_or_default(),
        registration_number: profile
            .as_ref()
            .map(|p| p.registration_number.clone())
            .unwrap_or_default(),
        specialty: profile
            .as_ref()
            .map(|p| p.specialty.clone())
            .unwrap_or_default(),
        patient_name: patient
            .as_ref()
            .map(|p| p.demographics.full_name.clone())
            .unwrap_or_default(),
        patient_number: patient
            .as_ref()
            .map(|p| p.patient_number.clone())
            .unwrap_or_default(),
        patient_date_of_birth: patient.as_ref().and_then(|p| p.demographics.date_of_birth),
        patient_sex: patient.as_ref().and_then(|p| p.demographics.sex),
        verify_url,
        record,
    })
}

/// The view of an appointment's prescription: every version, the newest as a sheet, and the
/// warnings its draft would be issued with.
async fn view<S: Storage>(
    state: &AppState<S>,
    appointment: &AppointmentRecord,
    for_patient: bool,
) -> Result<PrescriptionView, ApiError> {
    let mut versions = state
        .storage
        .appointment_prescriptions(appointment.id)
        .await?;
    if for_patient {
        versions.retain(|p| p.status != PrescriptionStatus::Draft);
    }
    let summary = state.storage.clinical_summary(appointment.patient).await?;
    let warnings = match versions.first() {
        Some(draft) if draft.status == PrescriptionStatus::Draft => {
            let issued = state
                .storage
                .patient_prescriptions(appointment.patient)
                .await?;
            let except: Vec<uuid::Uuid> = versions.iter().map(|p| p.id).collect();
            let active = active_medicines(&issued, &except, Utc::now());
            warnings(&draft.form, &summary.allergies, &active)
        }
        _ => Vec::new(),
    };
    let current = match versions.first() {
        Some(newest) => Some(sheet(state, newest.clone()).await?),
        None => None,
    };
    Ok(PrescriptionView {
        current,
        versions,
        warnings,
        allergies: summary.allergies,
    })
}

/// The appointment, for its doctor (a refusal is audited).
async fn doctors_appointment<S: Storage>(
    state: &AppState<S>,
    caller: &Caller,
    id: AppointmentId,
) -> Result<AppointmentRecord, ApiError> {
    crate::consultations::appointment_for(
        state,
        caller,
        id,
        AuditAction::RefusedWritePrescription,
        |doctor, _| Action::WriteConsultationNote { doctor },
    )
    .await
}

/// A prescription the lifecycle refused, as the API says it.
fn refusal(refused: PrescriptionRefused) -> ApiError {
    match refused {
        PrescriptionRefused::Invalid(fields) => ApiError::Validation(fields),
        other => ApiError::Conflict(other.to_string()),
    }
}

/// `GET /api/v1/appointments/{id}/prescription`: the appointment's doctor (drafts too) or its
/// patient (issued versions only). Audited.
pub async fn read<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<AppointmentId>,
) -> Result<Json<PrescriptionView>, ApiError> {
    let appointment = crate::consultations::appointment_for(
        &state,
        &caller,
        id,
        AuditAction::RefusedReadPrescription,
        |d, p| Action::ReadConsultationNote {
            doctor: d,
            patient_account: p,
        },
    )
    .await?;
    let answer = view(&state, &appointment, is_patient(&caller)).await?;
    crate::audit::record(
        &state,
        &caller,
        AuditAction::ReadPrescription,
        id.to_string(),
        appointment.patient,
    )
    .await?;
    Ok(Json(answer))
}

/// `PUT /api/v1/appointments/{id}/prescription`: the appointment's doctor writes the draft,
/// during or after the consultation. After issuing, a change is a new version.
pub async fn write<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<AppointmentId>,
    ApiJson(form): ApiJson<PrescriptionForm>,
) -> Result<Json<PrescriptionView>, ApiError> {
    let appointment = doctors_appointment(&state, &caller, id).await?;
    let versions = state.storage.appointment_prescriptions(id).await?;
    let record = PrescriptionRecord::write(
        &appointment,
        &versions,
        &form,
        uuid::Uuid::now_v7(),
        Utc::now(),
    )
    .map_err(refusal)?;
    if state.storage.save_prescription(&record).await? != PrescriptionSaved::Saved {
        return Err(ApiError::Conflict(
            "This prescription changed meanwhile (issued, or saved from another screen): reload it, then make your change again."
                .to_owned(),
        ));
    }
    crate::audit::record(
        &state,
        &caller,
        AuditAction::WritePrescription,
        record.id.to_string(),
        appointment.patient,
    )
    .await?;
    Ok(Json(view(&state, &appointment, false).await?))
}

/// `POST /api/v1/appointments/{id}/prescription/issue`: lock the draft, give it its code and
/// content hash, supersede the version it replaces. With warnings, only when acknowledged.
pub async fn issue<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<AppointmentId>,
    ApiJson(form): ApiJson<IssueForm>,
) -> Result<Json<PrescriptionView>, ApiError> {
    let appointment = doctors_appointment(&state, &caller, id).await?;
    let current = view(&state, &appointment, false).await?;
    let mut issued = PrescriptionRecord::issue(
        &appointment,
        &current.versions,
        current.warnings.len(),
        form.acknowledged_warnings,
        Utc::now(),
    )
    .map_err(refusal)?;
    // A code nobody has: 50 random bits, drawn again in the unlikely case it is taken.
    for _ in 0..5 {
        let code = clinic_core::prescription::new_code(rand::rng().next_u64());
        issued.code = Some(code);
        let bytes = issued
            .verified_bytes()
            .ok_or_else(|| ApiError::Internal("an issued prescription without code".into()))?;
        issued.content_hash = Some(crate::blobs::sha256_hex(&bytes));
        let saved = state.storage.save_prescription(&issued).await?;
        if saved == PrescriptionSaved::Changed {
            return Err(ApiError::Conflict(
                "This prescription was issued meanwhile (another screen, or a second click); nothing changed."
                    .to_owned(),
            ));
        }
        if saved == PrescriptionSaved::Saved {
            crate::audit::record(
                &state,
                &caller,
                AuditAction::IssuePrescription,
                issued.id.to_string(),
                appointment.patient,
            )
            .await?;
            return Ok(Json(view(&state, &appointment, false).await?));
        }
    }
    Err(ApiError::Internal(
        "no free verification code was found".into(),
    ))
}

/// `GET /api/v1/patients/{id}/prescriptions`: the patient's issued prescriptions as sheets —
/// for the patient, or a doctor who cares for them. Audited.
pub async fn of_patient<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(patient): Path<PatientId>,
) -> Result<Json<Vec<PrescriptionSheet>>, ApiError> {
    crate::records::access(
        &state,
        &caller,
        patient,
        None,
        AuditAction::RefusedReadChart,
    )
    .await?;
    let mut out = Vec::new();
    for record in state.storage.patient_prescriptions(patient).await? {
        if record.status != PrescriptionStatus::Draft {
            out.push(sheet(&state, record).await?);
        }
    }
    crate::audit::record(
        &state,
        &caller,
        AuditAction::ReadPrescriptions,
        patient.to_string(),
        patient,
    )
    .await?;
    Ok(Json(out))
}

/// `GET /api/v1/patients/{id}/clinical`: allergies and conditions. Audited.
pub async fn read_clinical<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(patient): Path<PatientId>,
) -> Result<Json<ClinicalSummary>, ApiError> {
    crate::records::access(
        &state,
        &caller,
        patient,
        None,
        AuditAction::RefusedReadChart,
    )
    .await?;
    let summary = state.storage.clinical_summary(patient).await?;
    crate::audit::record(
        &state,
        &caller,
        AuditAction::ReadClinicalSummary,
        patient.to_string(),
        patient,
    )
    .await?;
    Ok(Json(summary))
}

/// `PUT /api/v1/patients/{id}/clinical`: a doctor who cares for the patient. Audited.
pub async fn write_clinical<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(patient): Path<PatientId>,
    ApiJson(summary): ApiJson<ClinicalSummary>,
) -> Result<Json<ClinicalSummary>, ApiError> {
    let account = caller.signed_in()?;
    let cares_for =
        caller.role() == Some(Role::Doctor) && state.storage.cares_for(account.id, patient).await?;
    let allowed = decide(caller.actor, Action::WriteClinicalSummary { cares_for });
    crate::audit::unless_refused(
        &state,
        &caller,
        allowed,
        AuditAction::RefusedWriteClinicalSummary,
        patient,
    )
    .await?;
    summary.check().map_err(ApiError::Validation)?;
    state
        .storage
        .save_clinical_summary(patient, &summary, account.id, Utc::now().timestamp_millis())
        .await?;
    crate::audit::record(
        &state,
        &caller,
        AuditAction::WriteClinicalSummary,
        patient.to_string(),
        patient,
    )
    .await?;
    Ok(Json(summary))
}

async fn verification<S: Storage>(
    state: &AppState<S>,
    typed: &str,
) -> Result<VerificationAnswer, ApiError> {
    let code = read_code(typed).map_err(|problem| {
        let mut message = problem.to_string();
        if let Some(first) = message.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        ApiError::BadRequest(format!("{message}."))
    })?;
    let record = state
        .storage
        .prescription_by_code(&code)
        .await?
        .ok_or(ApiError::NotFound)?;
    let doctor = state.storage.doctor(record.doctor).await?;
    Ok(VerificationAnswer {
        code,
        doctor_name: doctor
            .as_ref()
            .map(|d| d.profile.display_name.clone())
            .unwrap_or_default(),
        registration_number: doctor
            .as_ref()
            .map(|d| d.profile.registration_number.clone())
            .unwrap_or_default(),
        issued_at: record
            .issued_at
            .ok_or_else(|| ApiError::Internal("issued without a time".into()))?,
        content_hash: record.content_hash.unwrap_or_default(),
        superseded: record.status == PrescriptionStatus::Superseded,
    })
}

/// `GET /api/v1/verify/{code}` (no sign-in): who issued it, when, and its content's hash.
pub async fn verify_json<S: Storage>(
    State(state): State<AppState<S>>,
    Path(code): Path<String>,
) -> Result<Json<VerificationAnswer>, ApiError> {
    Ok(Json(verification(&state, &code).await?))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /verify/{code}` (no sign-in): the same as a page a pharmacist's phone opens from the QR.
pub async fn verify_page<S: Storage>(
    State(state): State<AppState<S>>,
    Path(code): Path<String>,
) -> Response {
    let (status, body) = match verification(&state, &code).await {
        Ok(answer) => (
            StatusCode::OK,
            format!(
                "<h1>Prescription verified</h1>\
                 <p>Code <b>{}</b> was issued by <b>{}</b> (registration {}) on {} UTC.</p>\
                 <p>Content hash (SHA-256):<br><code>{}</code></p>{}",
                escape(&answer.code),
                escape(&answer.doctor_name),
                escape(&answer.registration_number),
                answer.issued_at.format("%Y-%m-%d %H:%M"),
                escape(&answer.content_hash),
                if answer.superseded {
                    "<p><b>This prescription was replaced by a newer version.</b></p>"
                } else {
                    ""
                }
            ),
        ),
        Err(ApiError::NotFound) => (
            StatusCode::NOT_FOUND,
            "<h1>Not verified</h1><p>No prescription was issued with this code.</p>".to_owned(),
        ),
        Err(ApiError::BadRequest(why)) => (
            StatusCode::BAD_REQUEST,
            format!("<h1>Not verified</h1><p>{}</p>", escape(&why)),
        ),
        Err(other) => return other.into_response(),
    };
    let mut response = Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>Prescription check</title>\
         </head><body style=\"font-family: sans-serif; max-width: 40em; margin: 2em auto\">{body}</body></html>"
    ))
    .into_response();
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    response
}
