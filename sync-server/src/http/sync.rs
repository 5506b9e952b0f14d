//! Sync: pushes queued for the group commit, pages of the change log, announcements of a new head.

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::Json;
use clinic_core::sync::{
    read_command_text, PushResponse, MAX_CHANGES_PER_PULL, MAX_COMMANDS_PER_PUSH,
};
use clinic_core::{decide, registry_scope, Action};

use super::*;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::storage::Storage;

/// `POST /api/v1/sync/push`: apply a batch of a device's commands; one answer per command.
pub(super) async fn push<S: Storage>(
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
    let pusher = crate::sync::queue::Pusher::user(caller.actor, caller.desk_code);
    let (outcomes, head, concerned) = state.pushes.push(pusher, parsed).await?;
    state.announce_to(head, concerned);
    Ok(Json(PushResponse { outcomes }))
}

/// A [`clinic_core::sync::PushRequest`] as received: each command kept as its JSON text until it
/// is read on its own.
#[derive(serde::Deserialize)]
pub(super) struct PushBody {
    commands: Vec<Box<serde_json::value::RawValue>>,
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct PullQuery {
    #[serde(default)]
    after: u64,
    limit: Option<u32>,
}

/// `GET /api/v1/sync/pull?after=N&limit=M`: the changes this caller may see after its cursor.
pub(super) async fn pull<S: Storage>(
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
pub(super) async fn events<S: Storage>(
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
