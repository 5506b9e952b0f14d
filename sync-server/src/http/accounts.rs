//! Accounts and profiles: sign-up, one's own account and profile, staff accounts, the doctors.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::Utc;
use clinic_core::account::{DemographicsForm, PatientDemographics, SignUpForm, StaffAccountForm};
use clinic_core::wire::{AccountView, DoctorView, Me, PatientProfileView};
use clinic_core::{decide, Action, Actor, Role, UserId};

use super::*;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::password;
use crate::storage::{NewAccount, Storage, StoredAccount};

pub(super) async fn sign_up<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    ClientAddress(address): ClientAddress,
    ApiJson(form): ApiJson<SignUpForm>,
) -> Result<impl IntoResponse, ApiError> {
    decide(caller.actor, Action::SignUpAsPatient)?;
    // Sign-ups share the per-address budget of sign-ins: each costs an argon2 hash.
    if let Err(wait) = state.sign_in_limit.check_address(address) {
        return Err(ApiError::TooManyAttempts {
            wait_seconds: wait.as_secs().max(1),
        });
    }
    let valid = form
        .validate(Utc::now().date_naive())
        .map_err(ApiError::Validation)?;
    let password = valid.password.clone();
    let password_hash = blocking(move || password::hash_password(&password))
        .await?
        .map_err(ApiError::Internal)?;
    let account = NewAccount {
        id: UserId::from_uuid(uuid::Uuid::now_v7()),
        email: valid.email.clone(),
        display_name: valid.demographics.full_name.clone(),
        role: Role::Patient,
        password_hash: password_hash.clone(),
        created_at_ms: now_ms(Utc::now()),
    };
    state
        .storage
        .create_account(&account, Some(&valid.demographics), None)
        .await?;
    state.announce_changes().await;
    let stored = StoredAccount {
        id: account.id,
        email: account.email,
        display_name: account.display_name,
        role: Role::Patient.as_str().to_owned(),
        password_hash,
    };
    let grant = start_session(&state, &stored, None, None).await?;
    Ok((StatusCode::CREATED, Json(grant)))
}

pub(super) async fn me<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<Me>, ApiError> {
    decide(caller.actor, Action::ReadOwnAccount)?;
    let account = caller.account.ok_or(ApiError::NotSignedIn)?;
    let view = account_view(&account)?;
    let patient_profile = if view.role == Role::Patient {
        decide(
            caller.actor,
            Action::ReadPatientProfile {
                patient: account.id,
            },
        )?;
        state
            .storage
            .patient_profile(account.id)
            .await?
            .map(|record| {
                let number = record.patient_number.clone();
                PatientProfileView {
                    patient_number: Some(number),
                    ..profile_view(account.id, record.demographics)
                }
            })
    } else {
        None
    };
    Ok(Json(Me {
        account: view,
        session_expires_at: caller.session_expires_at.unwrap_or_else(Utc::now),
        patient_profile,
    }))
}

pub(super) async fn update_my_profile<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    ApiJson(form): ApiJson<DemographicsForm>,
) -> Result<Json<PatientProfileView>, ApiError> {
    let Actor::User { id, .. } = caller.actor else {
        caller.signed_in()?;
        return Err(ApiError::Forbidden);
    };
    decide(caller.actor, Action::UpdatePatientProfile { patient: id })?;
    let valid = form
        .validate(Utc::now().date_naive())
        .map_err(ApiError::Validation)?;
    // Only patients have a profile of their own; staff are refused by the policy above or here.
    if !state
        .storage
        .update_patient_profile(id, &valid, now_ms(Utc::now()))
        .await?
    {
        return Err(ApiError::Forbidden);
    }
    state.announce_changes().await;
    let record = state.storage.patient_profile(id).await?;
    Ok(Json(PatientProfileView {
        patient_number: record.map(|r| r.patient_number),
        ..profile_view(id, valid)
    }))
}

pub(super) async fn list_accounts<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<Vec<AccountView>>, ApiError> {
    decide(caller.actor, Action::ListAccounts)?;
    let accounts = state.storage.list_accounts().await?;
    // An account with a role this version does not know is left out rather than failing the list.
    Ok(Json(
        accounts
            .iter()
            .filter_map(|a| account_view(a).ok())
            .collect(),
    ))
}

pub(super) async fn create_staff_account<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    ApiJson(form): ApiJson<StaffAccountForm>,
) -> Result<impl IntoResponse, ApiError> {
    decide(caller.actor, Action::CreateStaffAccount)?;
    let valid = form.validate().map_err(ApiError::Validation)?;
    let view = crate::accounts::create_staff(state.storage.as_ref(), valid, None).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub(super) async fn doctors<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<Vec<DoctorView>>, ApiError> {
    decide(caller.actor, Action::ReadDoctorDirectory)?;
    let doctors = state.storage.doctors().await?;
    Ok(Json(
        doctors
            .into_iter()
            .map(|d| DoctorView {
                id: d.id,
                weekly_hours: clinic_core::doctor::weekly_hours(&d.pattern),
                display_name: d.profile.display_name,
                specialty: d.profile.specialty,
            })
            .collect(),
    ))
}

pub(super) fn account_view(account: &StoredAccount) -> Result<AccountView, ApiError> {
    let role = account
        .role
        .parse::<Role>()
        .map_err(|_| ApiError::Forbidden)?;
    Ok(AccountView {
        id: account.id,
        email: account.email.clone(),
        display_name: account.display_name.clone(),
        role,
    })
}

pub(super) fn profile_view(id: UserId, p: PatientDemographics) -> PatientProfileView {
    PatientProfileView {
        id,
        full_name: p.full_name,
        sex: p.sex,
        date_of_birth: p.date_of_birth,
        phone: p.phone,
        address: p.address,
        emergency_contact: p.emergency_contact,
        patient_number: None,
    }
}
