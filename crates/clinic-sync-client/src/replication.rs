//! Keeping a device's encrypted store in step with the server: push the outbox in order, record
//! each answer, then pull changes after the cursor until caught up.
//!
//! Invariant: at most one batch is in flight per device, and the next batch is read from the
//! outbox only after the previous batch's answers are recorded — so the server sees a device's
//! commands in the order they were made, and a batch whose answer was lost is simply pushed
//! again (the server answers repeated commands from its record).

use std::sync::Mutex;

use chrono::Utc;
use clinic_core::sync::MAX_CHANGES_PER_PULL;
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

/// One full round: push everything pending, then pull until caught up.
pub async fn sync_round(
    store: &Mutex<Store>,
    client: &SyncClient,
    token: &str,
) -> Result<RoundReport, SyncError> {
    let (pushed, rejected) = push_pending(store, client, token).await?;
    let pulled = pull_changes(store, client, token).await?;
    Ok(RoundReport {
        pushed,
        rejected,
        pulled,
    })
}

/// Push the outbox batch by batch, recording each batch's answers before reading the next.
/// Returns how many commands were answered and how many of those were refused.
pub async fn push_pending(
    store: &Mutex<Store>,
    client: &SyncClient,
    token: &str,
) -> Result<(usize, usize), SyncError> {
    let mut answered = 0;
    let mut refused = 0;
    loop {
        let batch = locked(store).pending_commands(PUSH_BATCH)?;
        let Some(first) = batch.first().map(|c| c.id) else {
            return Ok((answered, refused));
        };
        let response = client.push(token, &batch).await?;
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
            .filter(|o| matches!(o.result, clinic_core::sync::CommandResult::Rejected(_)))
            .count();
        answered += batch.len();
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
