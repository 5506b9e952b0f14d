//! Keeping a device's encrypted store in step with the server: push the outbox in order, record
//! each answer, then pull changes after the cursor until caught up.
//!
//! Invariant: at most one batch is in flight per device, and the next batch is read from the
//! outbox only after the previous batch's answers are recorded — so the server sees a device's
//! commands in the order they were made, and a batch whose answer was lost is simply pushed
//! again (the server answers repeated commands from its record).

use std::sync::Mutex;

use chrono::Utc;
use clinic_core::sync::{
    CommandOutcome, CommandResult, PushResponse, Rejection, RejectionReason, MAX_CHANGES_PER_PULL,
};
use clinic_core::UserId;
use clinic_store::{Store, StoreError};

use crate::{ClientError, SyncClient};

/// Commands per push: large enough for throughput, small enough to answer well within the
/// client's timeout on a busy server.
pub const PUSH_BATCH: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Server(#[from] ClientError),
    #[error("The local store could not be used for syncing: {0}")]
    Store(#[from] StoreError),
    #[error("The clinic server answered a push in a way this app does not understand: {0}")]
    Protocol(String),
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub pushed: usize,
    pub rejected: usize,
    pub pulled: usize,
}

fn locked(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// One full round for `user`: push what they may push, then pull until caught up. A push that
/// fails does not keep the desk from hearing about everyone else's changes: the pull still runs,
/// and the push's error is returned after it.
pub async fn sync_round(
    store: &Mutex<Store>,
    client: &SyncClient,
    token: &str,
    user: UserId,
) -> Result<RoundReport, SyncError> {
    let pushed = push_pending(store, client, token, user).await;
    let pulled = pull_changes(store, client, token).await?;
    let (pushed, rejected) = pushed?;
    Ok(RoundReport {
        pushed,
        rejected,
        pulled,
    })
}

/// Whether the server refused a whole batch for its content (so a smaller batch may pass, and a
/// single command so refused is refused for good) rather than for a passing reason.
fn refused_for_content(e: &ClientError) -> Option<(u16, String)> {
    match e {
        ClientError::Refused { status, body } if matches!(status, 400 | 413 | 422) => {
            Some((*status, body.message.clone()))
        }
        _ => None,
    }
}

/// Push `user`'s part of the outbox batch by batch, recording each batch's answers before
/// reading the next. A batch the server refuses as a whole (too large, unreadable) is halved
/// until the one command at fault is found; that command is kept as refused, with the server's
/// words, and the rest go on. Returns how many commands were answered and how many refused.
pub async fn push_pending(
    store: &Mutex<Store>,
    client: &SyncClient,
    token: &str,
    user: UserId,
) -> Result<(usize, usize), SyncError> {
    let mut answered = 0;
    let mut refused = 0;
    let mut size = PUSH_BATCH;
    loop {
        let batch = locked(store).pending_commands_of(user, size)?;
        let Some(first) = batch.first().map(|c| c.id) else {
            return Ok((answered, refused));
        };
        let response = match client.push(token, &batch).await {
            Ok(response) => response,
            Err(e) => match refused_for_content(&e) {
                Some(_) if batch.len() > 1 => {
                    size = batch.len() / 2;
                    continue;
                }
                Some((status, message)) => PushResponse {
                    outcomes: vec![CommandOutcome {
                        id: Some(first),
                        result: CommandResult::Rejected(Rejection {
                            status,
                            ..Rejection::explained(RejectionReason::Malformed, message)
                        }),
                    }],
                },
                None => return Err(e.into()),
            },
        };
        size = PUSH_BATCH;
        if response.outcomes.len() != batch.len() {
            return Err(SyncError::Protocol(format!(
                "{} answers for {} changes",
                response.outcomes.len(),
                batch.len()
            )));
        }
        refused += response
            .outcomes
            .iter()
            .filter(|o| matches!(o.result, CommandResult::Rejected(_)))
            .count();
        answered += response.outcomes.len();
        let mut store = locked(store);
        store.settle_pushed(&response.outcomes, Utc::now())?;
        // An answer that settles nothing would push the same batch for ever.
        if store.pending_commands(1)?.first().map(|c| c.id) == Some(first) {
            return Err(SyncError::Protocol(
                "the server's answers did not name the changes sent".to_owned(),
            ));
        }
    }
}

/// Pull changes after this device's cursor until the server has no more. Returns how many
/// changes arrived.
pub async fn pull_changes(
    store: &Mutex<Store>,
    client: &SyncClient,
    token: &str,
) -> Result<usize, SyncError> {
    let mut pulled = 0;
    loop {
        let cursor = locked(store).sync_cursor()?;
        let response = client.pull(token, cursor, MAX_CHANGES_PER_PULL).await?;
        pulled += response.changes.len();
        locked(store).apply_pulled(&response, Utc::now())?;
        if !response.more {
            return Ok(pulled);
        }
    }
}
