//! Signing in and out: sessions, the sign-in limits, health.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{Duration, Utc};
use clinic_core::wire::{Health, SessionGrant, SignInRequest, API_VERSION};
use clinic_core::{decide, Action, Actor, Role};

use super::*;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::password;
use crate::storage::{Storage, StoredAccount};

pub(super) async fn health<S: Storage>(
    State(state): State<AppState<S>>,
) -> Result<Json<Health>, ApiError> {
    decide(Actor::Anonymous, Action::ReadHealth)?;
    state.storage.ping().await?;
    Ok(Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        api_version: API_VERSION,
        database: state.storage.backend().to_owned(),
    }))
}

/// Hash off the async runtime: argon2 takes tens of milliseconds of CPU on purpose.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    password::off_runtime(f).await.map_err(ApiError::Internal)
}

pub(super) async fn start_session<S: Storage>(
    state: &AppState<S>,
    account: &StoredAccount,
    device_name: Option<&str>,
    desk_code: Option<u32>,
) -> Result<SessionGrant, ApiError> {
    let view = account_view(account)?;
    let (token, hash) = password::new_session_token();
    let now = Utc::now();
    let expires_at = now + Duration::hours(i64::from(state.settings.session_hours));
    let device_name = device_name.map(|d| {
        d.chars()
            .filter(|c| !c.is_control())
            .take(80)
            .collect::<String>()
    });
    state
        .storage
        .create_session(
            &hash,
            account.id,
            device_name.as_deref(),
            desk_code,
            now_ms(now),
            now_ms(expires_at),
        )
        .await?;
    Ok(SessionGrant {
        token,
        expires_at,
        account: view,
        desk_code,
        lock_after_seconds: Some(state.settings.lock_after_minutes * 60),
        clinic_time_zone: Some(state.settings.clinic_time_zone.clone()),
        clinic_currency: Some(state.settings.clinic_currency().code().to_owned()),
        clinic: Some(clinic_core::prescription::ClinicHeader {
            name: state.settings.clinic_name.clone(),
            address: state.settings.clinic_address.clone(),
            phone: state.settings.clinic_phone.clone(),
        }),
        desk_in_conversations: state.settings.desk_in_conversations,
    })
}

pub(super) async fn sign_in<S: Storage>(
    State(state): State<AppState<S>>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<Json<SessionGrant>, ApiError> {
    decide(Actor::Anonymous, Action::SignIn)?;
    let email = clinic_core::account::normalise_email(&request.email);
    if let Err(wait) = state.sign_in_limit.check(&email, address) {
        return Err(ApiError::TooManyAttempts {
            wait_seconds: wait.as_secs().max(1),
        });
    }
    // An address with invisible characters is nobody's (and some databases refuse the query).
    let account = match email.chars().any(char::is_control) {
        true => None,
        false => state.storage.account_by_email(&email).await?,
    };
    // Verify against a decoy when the account does not exist: same time, same answer.
    let stored_hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| password::decoy_hash().to_owned());
    let password = request.password;
    let matches = blocking(move || password::verify_password(&password, &stored_hash)).await?;
    let account = match account {
        Some(account) if matches => account,
        _ => return Err(ApiError::InvalidCredentials),
    };
    let role = account.role.parse::<Role>().map(|role| Actor::User {
        id: account.id,
        role,
    });
    decide(
        role.unwrap_or(Actor::UnrecognisedRole { id: account.id }),
        Action::ReadOwnAccount,
    )?;
    // Staff desks number the patients they register offline with a code of their own; the
    // session remembers it, so what it pushes is held to that desk's series.
    let is_staff = account.role.parse::<Role>().is_ok_and(Role::is_staff);
    let desk_code = match (request.device_id, is_staff) {
        (Some(device), true) => Some(
            state
                .storage
                .desk_code(device, account.id, now_ms(Utc::now()))
                .await?,
        ),
        _ => None,
    };
    let grant = start_session(&state, &account, request.device_name.as_deref(), desk_code).await?;
    Ok(Json(grant))
}

pub(super) async fn sign_out<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    decide(caller.actor, Action::SignOut)?;
    if let Some(hash) = caller.token_hash {
        state
            .storage
            .revoke_session(&hash, now_ms(Utc::now()))
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
