//! Who is calling: the bearer token read into an [`Actor`] once per request, before a handler
//! runs.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use clinic_core::{decide, Action, Actor, Role};

use crate::error::ApiError;
use crate::http::state::AppState;
use crate::password;
use crate::storage::{Storage, StoredAccount};

/// Who is calling, from the bearer token. No token is [`Actor::Anonymous`]; a token that is
/// unknown, revoked or expired is refused here with "sign in again".
pub struct Caller {
    pub actor: Actor,
    pub account: Option<StoredAccount>,
    pub token_hash: Option<String>,
    pub session_expires_at: Option<DateTime<Utc>>,
    /// The name the caller's device signed in with.
    pub device: Option<String>,
    /// The desk code granted to the device the caller's session signed in from.
    pub desk_code: Option<u32>,
}

impl Caller {
    /// The signed-in caller's account, or why not ([`Action::SignedIn`]).
    pub fn signed_in(&self) -> Result<&StoredAccount, ApiError> {
        decide(self.actor, Action::SignedIn)?;
        self.account.as_ref().ok_or(ApiError::NotSignedIn)
    }

    /// The caller's role, typed (none for the anonymous and for a role this version does not
    /// know).
    pub fn role(&self) -> Option<Role> {
        self.actor.role()
    }
}

impl<S: Storage> FromRequestParts<AppState<S>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, ApiError> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION);
        let Some(header) = header else {
            return Ok(Caller {
                actor: Actor::Anonymous,
                account: None,
                token_hash: None,
                session_expires_at: None,
                device: None,
                desk_code: None,
            });
        };
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or(ApiError::NotSignedIn)?;
        let hash = password::token_hash(token.trim());
        let session = state
            .storage
            .session(&hash)
            .await?
            .ok_or(ApiError::SessionExpired)?;
        if session.revoked || session.expires_at_ms <= Utc::now().timestamp_millis() {
            return Err(ApiError::SessionExpired);
        }
        let actor = match session.account.role.parse::<Role>() {
            Ok(role) => Actor::User {
                id: session.account.id,
                role,
            },
            Err(_) => Actor::UnrecognisedRole {
                id: session.account.id,
            },
        };
        Ok(Caller {
            actor,
            account: Some(session.account),
            token_hash: Some(hash),
            session_expires_at: DateTime::from_timestamp_millis(session.expires_at_ms),
            device: session.device_name.clone(),
            desk_code: session.desk_code,
        })
    }
}
