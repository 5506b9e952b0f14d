//! The doctor directory over HTTP: doctors edit their profile and working pattern, admins verify
//! them, and anyone signed in searches the directory and a doctor's free slots (the patient build
//! asks here; staff desks search their own synced copy).

use crate::extract::{Path, Query};
use axum::extract::State;
use axum::Json;
use chrono::{Days, NaiveDate, Utc};
use clinic_core::availability::{
    free_slots, ClinicDays, ConsultationType, Slot, SlotQuery, WorkingPattern,
};
use clinic_core::doctor::{
    search_directory, DirectoryPage, DirectoryQuery, DirectorySort, DoctorRecord, Verification,
};
use clinic_core::ipc::DoctorProfileForm;
use clinic_core::{decide, Action, Actor, Role, UserId};
use serde::Deserialize;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::http::state::AppState;
use crate::storage::Storage;

fn is_patient(actor: Actor) -> bool {
    matches!(
        actor,
        Actor::User {
            role: Role::Patient,
            ..
        }
    )
}

/// `PUT /api/v1/doctors/{id}`: a doctor's profile and working pattern (the doctor, or an admin).
/// A new doctor waits for verification; a change to what was verified is checked again.
pub async fn save_profile<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<UserId>,
    ApiJson(form): ApiJson<DoctorProfileForm>,
) -> Result<Json<DoctorRecord>, ApiError> {
    decide(caller.actor, Action::EditDoctorProfile { doctor: id })?;
    let account = state
        .storage
        .account_by_id(id)
        .await?
        .filter(|a| a.role.parse() == Ok(Role::Doctor))
        .ok_or(ApiError::NotFound)?;
    let mut fields = form.profile.check().err().unwrap_or_default();
    fields.extend(form.pattern.check().err().unwrap_or_default());
    if !fields.is_empty() {
        return Err(ApiError::Validation(fields));
    }
    let before = state.storage.doctor(account.id).await?;
    let verification = Verification::after_edit(before.as_ref(), &form.profile);
    let record = DoctorRecord {
        id: account.id,
        profile: form.profile,
        verification,
        pattern: WorkingPattern {
            doctor: account.id,
            ..form.pattern
        },
    };
    state
        .storage
        .save_doctor(&record, Utc::now().timestamp_millis())
        .await?;
    state.announce_changes().await;
    Ok(Json(record))
}

/// `PUT /api/v1/doctors/{id}/verification`: an admin's decision on a doctor's credentials.
/// A rejection says why.
pub async fn verify<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<UserId>,
    ApiJson(decision): ApiJson<Verification>,
) -> Result<Json<DoctorRecord>, ApiError> {
    decide(caller.actor, Action::VerifyDoctor)?;
    decision.check().map_err(ApiError::Validation)?;
    let mut record = state.storage.doctor(id).await?.ok_or(ApiError::NotFound)?;
    record.verification = match decision {
        Verification::Rejected { reason } => Verification::Rejected {
            reason: reason.trim().to_owned(),
        },
        other => other,
    };
    state
        .storage
        .save_doctor(&record, Utc::now().timestamp_millis())
        .await?;
    state.announce_changes().await;
    Ok(Json(record))
}

/// The days a directory or slot list covers.
#[derive(Debug, Deserialize)]
pub struct Window {
    /// The first day (clinic time); today when left out.
    pub from: Option<NaiveDate>,
    pub days: Option<u32>,
}

fn slot_query(
    tz: chrono_tz::Tz,
    kind: ConsultationType,
    window: &Window,
) -> Result<SlotQuery, ApiError> {
    SlotQuery::window(kind, tz, Utc::now(), window.from, window.days)
        .map_err(|problem| ApiError::Validation(vec![problem]))
}

fn day_bounds(
    tz: chrono_tz::Tz,
    query: &SlotQuery,
) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let at =
        |d: NaiveDate| clinic_core::availability::instant(tz, d.and_time(chrono::NaiveTime::MIN));
    (at(query.first_day), at(query.last_day + Days::new(1)))
}

#[derive(Debug, Deserialize)]
pub struct DirectoryParams {
    #[serde(default)]
    pub text: String,
    pub specialty: Option<String>,
    pub city: Option<String>,
    pub language: Option<String>,
    pub max_fee: Option<u32>,
    pub kind: Option<ConsultationType>,
    #[serde(default)]
    pub sort: DirectorySort,
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub per_page: u32,
    #[serde(default)]
    pub verified_only: bool,
    pub from: Option<NaiveDate>,
    pub days: Option<u32>,
}

/// `GET /api/v1/directory?…`: search the doctors, with each one's next free slot. Patients see
/// verified doctors only.
pub async fn directory<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Query(p): Query<DirectoryParams>,
) -> Result<Json<DirectoryPage>, ApiError> {
    decide(caller.actor, Action::ReadDoctorDirectory)?;
    let tz = state.settings.time_zone();
    let kind = p.kind.unwrap_or(ConsultationType::InPerson);
    let slots = slot_query(
        tz,
        kind,
        &Window {
            from: p.from,
            days: p.days,
        },
    )?;
    let query = DirectoryQuery {
        text: p.text,
        specialty: p.specialty,
        city: p.city,
        language: p.language,
        max_fee: p.max_fee,
        kind: Some(kind),
        verified_only: p.verified_only || is_patient(caller.actor),
        sort: p.sort,
        page: p.page,
        per_page: p.per_page,
    };
    let doctors = state.storage.doctors().await?;
    let (from, to) = day_bounds(tz, &slots);
    let mut busy = state.storage.busy(None, from, to).await?;
    // Grouped by doctor in the ids' own order (the database's text collation may differ).
    busy.sort_unstable_by_key(|b| (b.doctor, b.start));
    let days = ClinicDays::new(tz, &slots);
    let page = search_directory(&doctors, &query, &days, &slots, |doctor| {
        let first = busy.partition_point(|b| b.doctor < doctor);
        let end = busy.partition_point(|b| b.doctor <= doctor);
        &busy[first..end]
    });
    Ok(Json(page))
}

#[derive(Debug, Deserialize)]
pub struct SlotParams {
    pub kind: Option<ConsultationType>,
    pub from: Option<NaiveDate>,
    pub days: Option<u32>,
}

/// `GET /api/v1/doctors/{id}/slots?kind=&from=&days=`: a doctor's free slots.
pub async fn slots<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<UserId>,
    Query(p): Query<SlotParams>,
) -> Result<Json<Vec<Slot>>, ApiError> {
    decide(caller.actor, Action::ReadDoctorDirectory)?;
    let record = state
        .storage
        .doctor(id)
        .await?
        .filter(|d| d.verification.is_verified() || !is_patient(caller.actor))
        .ok_or(ApiError::NotFound)?;
    let tz = state.settings.time_zone();
    let query = slot_query(
        tz,
        p.kind.unwrap_or(ConsultationType::InPerson),
        &Window {
            from: p.from,
            days: p.days,
        },
    )?;
    let (from, to) = day_bounds(tz, &query);
    let busy = state.storage.busy(Some(id), from, to).await?;
    Ok(Json(free_slots(&record.pattern, tz, &query, &busy)))
}
