//! The router and its handlers. Each handler: extract, ask the policy, call storage, answer.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use clinic_core::account::{DemographicsForm, PatientDemographics, SignUpForm, StaffAccountForm};
use clinic_core::sync::{
    read_command_text, PushResponse, MAX_CHANGES_PER_PULL, MAX_COMMANDS_PER_PUSH,
};
use clinic_core::wire::{
    AccountView, DoctorView, Health, Me, PatientProfileView, SessionGrant, SignInRequest,
    API_VERSION,
};
use clinic_core::{decide, registry_scope, Action, Actor, Role, UserId};

pub use crate::caller::Caller;
use crate::error::ApiError;
use crate::password;
use crate::settings::Settings;
use crate::sign_in_limit::SignInLimit;
use crate::storage::{NewAccount, Storage, StoredAccount};

pub struct AppState<S> {
    pub storage: Arc<S>,
    pub settings: Arc<Settings>,
    pub sign_in_limit: Arc<SignInLimit>,
    /// The change-log head as last announced: devices listening on `/sync/events` pull when it
    /// moves.
    pub changes: Arc<tokio::sync::watch::Sender<crate::sync::events::Announcement>>,
    /// Set when the server is shutting down, so that event streams end and shutdown can finish.
    pub closing: Arc<tokio::sync::watch::Sender<bool>>,
    /// Pushes are written through here, several to a commit.
    pub pushes: crate::sync::queue::PushQueue,
    /// Seals and opens stored files.
    pub blob_key: Arc<crate::blobs::BlobKey>,
}

impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        Self {
            storage: self.storage.clone(),
            settings: self.settings.clone(),
            sign_in_limit: self.sign_in_limit.clone(),
            changes: self.changes.clone(),
            closing: self.closing.clone(),
            pushes: self.pushes.clone(),
            blob_key: self.blob_key.clone(),
        }
    }
}

impl<S: Storage> AppState<S> {
    pub fn new(storage: S, settings: Settings, blob_key: crate::blobs::BlobKey) -> Self {
        let nz = |n: u32| std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MIN);
        let limit = SignInLimit::new(
            nz(settings.sign_in_attempts_per_minute_per_account),
            nz(settings.sign_in_attempts_per_minute_per_address),
            // Never below what one address may try in a minute.
            nz(settings
                .sign_in_attempts_per_hour_per_account
                .max(settings.sign_in_attempts_per_minute_per_account)),
        );
        // Made now, so the first sign-in to an unknown account costs no more than any other.
        let _ = password::decoy_hash();
        let storage = Arc::new(storage);
        let pushes = crate::sync::queue::PushQueue::start(
            storage.clone(),
            crate::sync::queue::ClinicRules {
                tz: settings.time_zone(),
                desk_in_conversations: settings.desk_in_conversations,
            },
        );
        Self {
            storage,
            pushes,
            blob_key: Arc::new(blob_key),
            settings: Arc::new(settings),
            sign_in_limit: Arc::new(limit),
            changes: Arc::new(
                tokio::sync::watch::channel(crate::sync::events::Announcement::default()).0,
            ),
            closing: Arc::new(tokio::sync::watch::channel(false).0),
        }
    }

    /// Tell listening devices the change log has moved (after a commit that appended to it).
    pub async fn announce_changes(&self) {
        match self.storage.head_seq().await {
            Ok(head) => self.announce(head),
            Err(e) => tracing::warn!(error = %e, "could not read the change-log head"),
        }
    }

    pub(crate) fn announce(&self, head: u64) {
        self.announce_to(head, crate::sync::events::Concerned::Everyone);
    }

    /// Announce a commit that moved the log to `head`, concerning `concerned` only.
    pub(crate) fn announce_to(&self, head: u64, concerned: crate::sync::events::Concerned) {
        self.changes.send_if_modified(|current| {
            let moved = head > current.head;
            if moved {
                *current = crate::sync::events::Announcement {
                    from: current.head,
                    head,
                    concerned,
                };
            }
            moved
        });
    }
}

/// A push carries up to [`MAX_COMMANDS_PER_PUSH`] commands of a few hundred bytes each: it gets
/// a larger body limit than the other requests.
pub(crate) use crate::body::{cut_off, file_answer, whole_body};
use crate::extract::MaxBytes;
pub use crate::extract::{ApiJson, ClientAddress};

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

fn account_view(account: &StoredAccount) -> Result<AccountView, ApiError> {
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

fn profile_view(id: UserId, p: PatientDemographics) -> PatientProfileView {
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

async fn health<S: Storage>(State(state): State<AppState<S>>) -> Result<Json<Health>, ApiError> {
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
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    password::off_runtime(f).await.map_err(ApiError::Internal)
}

async fn start_session<S: Storage>(
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
        desk_in_conversations: state.settings.desk_in_conversations,
    })
}

async fn sign_in<S: Storage>(
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

/// `POST /api/v1/sync/push`: apply a batch of a device's commands; one answer per command.
async fn push<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    ApiJson(request): ApiJson<PushBody>,
) -> Result<Json<PushResponse>, ApiError> {
    decide(caller.actor, Action::Sync)?;
    if request.commands.len() > MAX_COMMANDS_PER_PUSH {
        return Err(ApiError::BadRequest(format!(
            "A push may carry at most {MAX_COMMANDS_PER_PUSH} changes; this one has {}. Send them in smaller batches.",
            request.commands.len()
        )));
    }
    let parsed = request
        .commands
        .iter()
        .map(|raw| read_command_text(raw.get()))
        .collect();
    let pusher = crate::sync::queue::Pusher {
        actor: caller.actor,
        desk_code: caller.desk_code,
    };
    let (outcomes, head, concerned) = state.pushes.push(pusher, parsed).await?;
    state.announce_to(head, concerned);
    Ok(Json(PushResponse { outcomes }))
}

/// A [`clinic_core::sync::PushRequest`] as received: each command kept as its JSON text until it
/// is read on its own.
#[derive(serde::Deserialize)]
struct PushBody {
    commands: Vec<Box<serde_json::value::RawValue>>,
}

#[derive(Debug, serde::Deserialize)]
struct PullQuery {
    #[serde(default)]
    after: u64,
    limit: Option<u32>,
}

/// `GET /api/v1/sync/pull?after=N&limit=M`: the changes this caller may see after its cursor.
async fn pull<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    crate::extract::Query(query): crate::extract::Query<PullQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let scope = registry_scope(caller.actor)?;
    let limit = query
        .limit
        .unwrap_or(MAX_CHANGES_PER_PULL)
        .clamp(1, MAX_CHANGES_PER_PULL);
    let page = state.storage.pull(scope, query.after, limit).await?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        page.to_json(),
    ))
}

/// `GET /api/v1/sync/events`: a server-sent event each time the change log moves (and one at
/// once), so devices pull at once instead of waiting for their next round. The event carries
/// only the head's number; what a device may see is decided when it pulls.
async fn events<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    let listener = match registry_scope(caller.actor)? {
        clinic_core::RegistryScope::WholeRegistry { account, .. } => {
            crate::sync::events::Listener::Staff {
                account: account.to_string(),
            }
        }
        clinic_core::RegistryScope::OwnRecord { account } => {
            crate::sync::events::Listener::Patient {
                patients: state
                    .storage
                    .patient_profile(account)
                    .await?
                    .map(|record| record.id.to_string())
                    .into_iter()
                    .collect(),
            }
        }
    };
    let changes = state.changes.subscribe();
    let closing = state.closing.subscribe();
    // The first event goes out at once, with the current head; after it, only commits that
    // concern this device (or one it may have missed).
    let first = changes.borrow().head;
    let stream = futures_util::stream::unfold(
        (changes, closing, listener, Some(first), first),
        |(mut changes, mut closing, listener, first, mut seen)| async move {
            if let Some(head) = first {
                let event = Event::default().event("changes").data(head.to_string());
                return Some((
                    Ok::<_, std::convert::Infallible>(event),
                    (changes, closing, listener, None, seen),
                ));
            }
            loop {
                if *closing.borrow() {
                    return None;
                }
                tokio::select! {
                    changed = changes.changed() => changed.ok()?,
                    _ = closing.changed() => return None,
                }
                let announced = changes.borrow_and_update().clone();
                let wake = announced.wakes(&listener, seen);
                seen = announced.head;
                if wake {
                    let event = Event::default()
                        .event("changes")
                        .data(announced.head.to_string());
                    return Some((Ok(event), (changes, closing, listener, None, seen)));
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15))))
}

async fn sign_out<S: Storage>(
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

async fn sign_up<S: Storage>(
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

async fn me<S: Storage>(
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

async fn update_my_profile<S: Storage>(
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

async fn list_accounts<S: Storage>(
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

async fn create_staff_account<S: Storage>(
    State(state): State<AppState<S>>,
    caller: Caller,
    ApiJson(form): ApiJson<StaffAccountForm>,
) -> Result<impl IntoResponse, ApiError> {
    decide(caller.actor, Action::CreateStaffAccount)?;
    let valid = form.validate().map_err(ApiError::Validation)?;
    let view = crate::accounts::create_staff(state.storage.as_ref(), valid, None).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn doctors<S: Storage>(
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
