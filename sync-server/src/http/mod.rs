//! The router, the state every handler shares, and the handlers of sessions, accounts and sync
//! (`sessions.rs`, `accounts.rs`, `sync.rs`; the other features' handlers are in their own
//! modules). Each handler: extract, ask the policy, call storage, answer.

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};
use axum::Router;
use chrono::{DateTime, Utc};

mod accounts;
mod sessions;
pub(crate) mod state;
mod sync;

use accounts::*;
use sessions::*;
use sync::*;

pub use crate::caller::Caller;
use crate::error::ApiError;
use crate::storage::Storage;
pub use state::AppState;

use crate::extract::MaxBytes;
pub use crate::extract::{ApiJson, ClientAddress};

/// A push carries up to [`MAX_COMMANDS_PER_PUSH`] commands of a few hundred bytes each: it gets
/// a larger body limit than the other requests.
pub const MAX_PUSH_BYTES: usize = 4 * 1024 * 1024;

/// The whole API as a router, for the binary and for in-process tests.
pub fn router<S: Storage>(state: AppState<S>) -> Router {
    let limit = state.settings.max_request_bytes;
    Router::new()
        .route("/health", get(health::<S>))
        .route("/api/v1/sessions", post(sign_in::<S>))
        .route("/api/v1/sessions/current", delete(sign_out::<S>))
        .route("/api/v1/patients", post(sign_up::<S>))
        .route("/api/v1/me", get(me::<S>))
        .route("/api/v1/me/profile", put(update_my_profile::<S>))
        .route(
            "/api/v1/accounts",
            get(list_accounts::<S>).post(create_staff_account::<S>),
        )
        .route("/api/v1/doctors", get(doctors::<S>))
        .route(
            "/api/v1/doctors/{id}",
            put(crate::directory::save_profile::<S>),
        )
        .route(
            "/api/v1/doctors/{id}/verification",
            put(crate::directory::verify::<S>),
        )
        .route(
            "/api/v1/doctors/{id}/slots",
            get(crate::directory::slots::<S>),
        )
        .route("/api/v1/directory", get(crate::directory::directory::<S>))
        .route(
            "/api/v1/appointments/{id}/note",
            get(crate::consultations::read::<S>).put(crate::consultations::write::<S>),
        )
        .route(
            "/api/v1/patients/{id}/consultations",
            get(crate::consultations::history::<S>),
        )
        .route(
            "/api/v1/patients/{id}/consents",
            get(crate::consents::list::<S>).post(crate::consents::record::<S>),
        )
        .route(
            "/api/v1/appointments/{id}/meeting",
            get(crate::meetings::join::<S>),
        )
        .route(
            "/api/v1/doctors/{id}/documents",
            get(crate::doctor_documents::list::<S>)
                .post(crate::doctor_documents::upload::<S>)
                .layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(
                    clinic_core::doctor::CREDENTIAL_MAX_BYTES as usize,
                )),
        )
        .route(
            "/api/v1/doctors/{id}/documents/{document}",
            get(crate::doctor_documents::download::<S>),
        )
        .route(
            "/api/v1/appointments/{id}/prescription",
            get(crate::prescriptions::read::<S>).put(crate::prescriptions::write::<S>),
        )
        .route(
            "/api/v1/appointments/{id}/prescription/issue",
            post(crate::prescriptions::issue::<S>),
        )
        .route(
            "/api/v1/patients/{id}/prescriptions",
            get(crate::prescriptions::of_patient::<S>),
        )
        .route(
            "/api/v1/patients/{id}/clinical",
            get(crate::prescriptions::read_clinical::<S>)
                .put(crate::prescriptions::write_clinical::<S>),
        )
        .route(
            "/api/v1/verify/{code}",
            get(crate::prescriptions::verify_json::<S>),
        )
        .route(
            "/verify/{code}",
            get(crate::prescriptions::verify_page::<S>),
        )
        .route(
            "/api/v1/patients/{id}/chart",
            get(crate::records::chart::<S>),
        )
        .route("/api/v1/audit", get(crate::audit::view::<S>))
        .route(
            "/api/v1/patients/{id}/export/fhir",
            get(crate::records::export_fhir::<S>),
        )
        .route(
            "/api/v1/audit/offline-reads",
            post(crate::records::offline_reads::<S>),
        )
        .route(
            "/api/v1/patients/{id}/uploads",
            post(crate::records::start_upload::<S>),
        )
        .route(
            "/api/v1/uploads/{id}",
            get(crate::records::upload_state::<S>)
                .patch(crate::records::send_chunk::<S>)
                .layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(
                    crate::records::CHUNK_MAX_BYTES,
                )),
        )
        .route(
            "/api/v1/patients/{id}/documents",
            get(crate::records::documents::<S>),
        )
        .route("/api/v1/documents/{id}", get(crate::records::download::<S>))
        .route(
            "/api/v1/appointments/{id}/attachments",
            post(crate::attachments::upload::<S>).layer::<_, std::convert::Infallible>(
                DefaultBodyLimit::max(clinic_core::chat::ATTACHMENT_MAX_BYTES as usize),
            ),
        )
        .route(
            "/api/v1/attachments/{id}",
            get(crate::attachments::download::<S>),
        )
        .route(
            "/api/v1/sync/push",
            post(push::<S>)
                .layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(
                    MAX_PUSH_BYTES.max(limit),
                ))
                .layer::<_, std::convert::Infallible>(axum::Extension(MaxBytes(
                    MAX_PUSH_BYTES.max(limit),
                ))),
        )
        .route("/api/v1/sync/pull", get(pull::<S>))
        .route(
            "/api/v1/invoices/{id}/checkout",
            post(crate::payments::routes::checkout::<S>),
        )
        .route("/api/v1/takings", get(crate::takings::takings::<S>))
        .route(
            "/api/v1/payments/sslcommerz/notice",
            post(crate::payments::routes::notice::<S>),
        )
        .route("/api/v1/sync/events", get(events::<S>))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::Extension(MaxBytes(limit)))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .with_state(state)
}

/// A handler that panicked answers 500 in the one error shape (the panic goes to the log, not
/// to the caller), instead of dropping the connection.
fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    axum::response::IntoResponse::into_response(ApiError::Internal(format!(
        "handler panicked: {detail}"
    )))
}

fn now_ms(now: DateTime<Utc>) -> i64 {
    now.timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_handler_that_panics_answers_500_in_the_error_shape_and_the_server_goes_on() {
        let app = Router::new()
            .route(
                "/boom",
                get(|| async {
                    if std::hint::black_box(true) {
                        panic!("date arithmetic overflowed");
                    }
                }),
            )
            .route("/fine", get(|| async { "fine" }))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let http = reqwest::Client::new();
        let answer = http.get(format!("{url}/boom")).send().await.unwrap();
        assert_eq!(answer.status(), reqwest::StatusCode::INTERNAL_SERVER_ERROR);
        let body: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(body["code"], "internal", "{body}");
        assert!(
            !body.to_string().contains("overflowed"),
            "the panic stays in the log: {body}"
        );
        let answer = http.get(format!("{url}/fine")).send().await.unwrap();
        assert_eq!(answer.text().await.unwrap(), "fine");
    }
}
