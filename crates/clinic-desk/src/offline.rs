//! Offline sign-in: an argon2id verifier of the password, made at each online sign-in and kept in
//! the encrypted store, lets the same user sign in on this workstation while the server is down.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use clinic_core::desk_error::DeskError;
use clinic_core::ipc::IpcError;

/// How long a session begun offline lasts before the user signs in again.
pub const OFFLINE_SESSION_HOURS: i64 = 12;

fn failed(e: impl std::fmt::Display) -> IpcError {
    IpcError::from(DeskError::PasswordNotChecked {
        detail: e.to_string(),
    })
}

/// A new verifier (PHC string with its own salt). Slow on purpose: runs off the async runtime.
pub async fn make_verifier(password: &str) -> Result<String, IpcError> {
    let password = zeroize::Zeroizing::new(password.to_owned());
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(failed)
    })
    .await
    .map_err(failed)?
}

/// Whether `password` matches `verifier`; a malformed verifier never matches.
pub async fn verify(password: &str, verifier: &str) -> Result<bool, IpcError> {
    let (password, verifier) = (
        zeroize::Zeroizing::new(password.to_owned()),
        verifier.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), verifier.as_str())
            .is_ok()
    })
    .await
    .map_err(failed)
}
