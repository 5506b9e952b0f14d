//! Group commit for pushes: devices' pushes that arrive while one is being written wait in a
//! queue and are written together, in one transaction with one commit. Every write already waits
//! for the change-log head (see `registry`), so pushes never ran side by side; now the commit's
//! disk flush is shared instead of paid by each push.

use std::sync::Arc;

use clinic_core::sync::{CommandOutcome, PushedCommand};
use clinic_core::Actor;
use tokio::sync::{mpsc, oneshot};

use crate::error::ApiError;
use crate::storage::Storage;

/// At most this many commands are written in one transaction (a full push is 1,000).
const MAX_COMMANDS_PER_COMMIT: usize = 2_000;

type Answer = Result<(Vec<CommandOutcome>, u64, crate::events::Concerned), String>;

struct Waiting {
    actor: Actor,
    commands: Vec<PushedCommand>,
    reply: oneshot::Sender<Answer>,
}

/// The clinic's rules a push is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClinicRules {
    /// Hours, slots, tokens and days are read on this clock.
    pub tz: chrono_tz::Tz,
    /// The front desk reads and writes in conversations (the clinic's choice; off by default).
    pub desk_in_conversations: bool,
}

/// The handle handlers push through; the writer task ends when the last handle is dropped.
#[derive(Clone)]
pub struct PushQueue {
    sender: mpsc::UnboundedSender<Waiting>,
}

impl PushQueue {
    /// Start the writer task (on the current tokio runtime).
    pub fn start<S: Storage>(storage: Arc<S>, rules: ClinicRules) -> PushQueue {
        let (sender, mut receiver) = mpsc::unbounded_channel::<Waiting>();
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut count = first.commands.len();
                let mut group = vec![first];
                while count < MAX_COMMANDS_PER_COMMIT {
                    match receiver.try_recv() {
                        Ok(next) => {
                            count += next.commands.len();
                            group.push(next);
                        }
                        Err(_) => break,
                    }
                }
                let (pushes, replies): (Vec<_>, Vec<_>) = group
                    .into_iter()
                    .map(|w| ((w.actor, w.commands), w.reply))
                    .unzip();
                let written = storage
                    .apply_pushes(pushes, chrono::Utc::now(), rules)
                    .await;
                match written {
                    Ok((answers, head, concerned)) => {
                        for (reply, outcomes) in replies.into_iter().zip(answers) {
                            let _ = reply.send(Ok((outcomes, head, concerned.clone())));
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, pushes = replies.len(), "a group of pushes could not be written");
                        for reply in replies {
                            let _ = reply.send(Err(e.to_string()));
                        }
                    }
                }
            }
        });
        PushQueue { sender }
    }

    /// Write one push (with whatever else is waiting) and return its answers and the head.
    pub async fn push(
        &self,
        actor: Actor,
        commands: Vec<PushedCommand>,
    ) -> Result<(Vec<CommandOutcome>, u64, crate::events::Concerned), ApiError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Waiting {
                actor,
                commands,
                reply,
            })
            .map_err(|_| ApiError::Internal("the push writer has stopped".to_owned()))?;
        answer
            .await
            .map_err(|_| ApiError::Internal("the push writer dropped a push".to_owned()))?
            .map_err(ApiError::Internal)
    }
}
