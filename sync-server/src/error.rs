//! One error type for every endpoint. Internals are logged; the answer says only what the person
//! can act on, with a stable code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use clinic_core::account::FieldError;
use clinic_core::wire::{ErrorBody, ErrorCode};
use clinic_core::Denied;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("rate limited for {wait_seconds} s")]
    TooManyAttempts { wait_seconds: u64 },
    #[error("invalid fields: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("not signed in")]
    NotSignedIn,
    #[error("session expired")]
    SessionExpired,
    #[error("forbidden")]
    Forbidden,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("payload too large")]
    PayloadTooLarge { limit_bytes: usize },
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    /// What was asked cannot be done in the state things are in; the message says why.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The patient has not agreed to this; the message says what to do.
    #[error("consent required: {0}")]
    ConsentRequired(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::NotSignedIn => ApiError::NotSignedIn,
            Denied::NotPermitted => ApiError::Forbidden,
        }
    }
}

/// A file refused for its size (413) or what it is (a field message on `file`).
impl From<clinic_core::upload::UploadProblem> for ApiError {
    fn from(problem: clinic_core::upload::UploadProblem) -> Self {
        match problem {
            clinic_core::upload::UploadProblem::TooLarge { max_bytes, .. } => {
                ApiError::PayloadTooLarge {
                    limit_bytes: max_bytes as usize,
                }
            }
            other => ApiError::Validation(vec![other.field_error("file")]),
        }
    }
}

impl From<crate::storage::StorageError> for ApiError {
    fn from(e: crate::storage::StorageError) -> Self {
        match e {
            crate::storage::StorageError::EmailTaken => {
                ApiError::Validation(vec![FieldError::new(
                    "email",
                    clinic_core::account::FieldProblem::AlreadyRegistered,
                )])
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidCredentials | ApiError::NotSignedIn | ApiError::SessionExpired => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) | ApiError::ConsentRequired(_) => StatusCode::CONFLICT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let (code, message) = match self {
            ApiError::InvalidCredentials => (
                ErrorCode::InvalidCredentials,
                "The email or password is not right. Check both and try again.".to_owned(),
            ),
            ApiError::TooManyAttempts { wait_seconds } => (
                ErrorCode::TooManyAttempts,
                format!("Too many sign-in attempts. Wait {wait_seconds} seconds, then try again."),
            ),
            ApiError::Validation(fields) => (
                ErrorCode::Validation,
                fields
                    .iter()
                    .map(FieldError::english)
                    .collect::<Vec<_>>()
                    .join("; ")
                    + ".",
            ),
            ApiError::NotSignedIn => (ErrorCode::NotSignedIn, "Please sign in first.".to_owned()),
            ApiError::SessionExpired => (
                ErrorCode::SessionExpired,
                "Your session has ended. Please sign in again.".to_owned(),
            ),
            ApiError::Forbidden => (
                ErrorCode::Forbidden,
                "Your account is not allowed to do this.".to_owned(),
            ),
            ApiError::BadRequest(why) => (ErrorCode::BadRequest, why.clone()),
            ApiError::PayloadTooLarge { limit_bytes } => (
                ErrorCode::PayloadTooLarge,
                format!(
                    "The request is too large: the limit is {} KiB.",
                    limit_bytes / 1024
                ),
            ),
            ApiError::NotFound => (ErrorCode::NotFound, "Nothing was found here.".to_owned()),
            ApiError::MethodNotAllowed => (
                ErrorCode::BadRequest,
                "This address does not accept that kind of request.".to_owned(),
            ),
            ApiError::Conflict(why) => (ErrorCode::Conflict, why.clone()),
            ApiError::ConsentRequired(why) => (ErrorCode::ConsentRequired, why.clone()),
            ApiError::Internal(_) => (
                ErrorCode::Internal,
                "The server could not finish this. Nothing was changed; try again.".to_owned(),
            ),
        };
        let fields = match self {
            ApiError::Validation(fields) => fields.clone(),
            _ => Vec::new(),
        };
        ErrorBody {
            code,
            message,
            fields,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let mut response = (self.status(), Json(self.body())).into_response();
        if let ApiError::TooManyAttempts { wait_seconds } = self {
            if let Ok(value) = wait_seconds.to_string().parse() {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
        }
        response
    }
}
