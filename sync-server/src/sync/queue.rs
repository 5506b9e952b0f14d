//! Group commit for pushes: devices' pushes that arrive while one is being written wait in a
//! queue and are written together, in one transaction with one commit. Every write already waits
//! for the change-log head (see `sync`), so pushes never run side by side; the commit's disk flush
//! is shared instead of paid by each push.

use std::sync::Arc;

use clinic_core::sync::{CommandOutcome, CommandResult, PushedCommand, Rejection, RejectionReason};
use clinic_core::Actor;
use tokio::sync::{mpsc, oneshot};

use crate::error::ApiError;
use crate::storage::{Storage, StorageError};
use crate::sync::events::Concerned;

/// At most this many commands are written in one transaction (a full push is 1,000).
const MAX_COMMANDS_PER_COMMIT: usize = 2_000;

pub type Answer = Result<(Vec<CommandOutcome>, u64, crate::sync::events::Concerned), String>;

/// Who pushes: the signed-in user, and the desk code the server granted to the device their
/// session signed in from (a registration's patient number must carry it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pusher {
    pub actor: Actor,
    pub desk_code: Option<u32>,
    /// The server itself, on the payment provider's confirmed word: it may record only online
    /// payments (`judge_provider_payment`).
    pub provider: bool,
}

impl Pusher {
    /// A signed-in user on their device.
    pub fn user(actor: Actor, desk_code: Option<u32>) -> Pusher {
        Pusher {
            actor,
            desk_code,
            provider: false,
        }
    }

    /// The server, recording a payment the provider confirmed.
    pub fn provider() -> Pusher {
        Pusher {
            actor: Actor::Anonymous,
            desk_code: None,
            provider: true,
        }
    }
}

struct Waiting {
    pusher: Pusher,
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
    /// Every amount on the clinic's books is in this currency.
    pub currency: clinic_core::money::Currency,
}

/// Whether the database refused what a statement wrote — a constraint, a value or character it
/// cannot hold — as opposed to being busy, locked, out of reach or shutting down (which a retry
/// may cure): only then is writing the rest without it, and refusing it, right.
fn refused_by_the_database(error: &StorageError) -> bool {
    match error {
        StorageError::Invariant(_) => true,
        StorageError::Database(sqlx::Error::Database(e)) => {
            use sqlx::error::ErrorKind;
            let by_kind = matches!(
                e.kind(),
                ErrorKind::UniqueViolation
                    | ErrorKind::ForeignKeyViolation
                    | ErrorKind::NotNullViolation
                    | ErrorKind::CheckViolation
            );
            by_kind || e.code().is_some_and(|code| refusing_code(&code))
        }
        _ => false,
    }
}

/// The error codes of a refused value: PostgreSQL's SQLSTATE classes 22 (data exception: a NUL,
/// an untranslatable character, a value out of range) and 23 (integrity constraint); SQLite's
/// constraint (19, a trigger's `RAISE(ABORT)` among them), too big (18), mismatch (20) and range
/// (25) — never busy (5), locked (6), full (13), read-only (8) or I/O (10).
fn refusing_code(code: &str) -> bool {
    // A SQLSTATE is five characters; SQLite's (extended) result codes have at most four digits.
    if code.len() == 5 {
        return code.starts_with("22") || code.starts_with("23");
    }
    code.parse::<i32>()
        .is_ok_and(|sqlite| matches!(sqlite & 0xff, 18 | 19 | 20 | 25))
}

/// Write a group of pushes in one transaction. If the database refuses something in it, the
/// transaction is undone and each push is written on its own, so one device's bad data never
/// refuses another's push; a push the database still refuses is written a command at a time,
/// and only the command it refuses is answered [`RejectionReason::NotStorable`]. A database out
/// of reach fails every push of the group (the desks keep their commands and push again).
pub async fn write_group<S: Storage>(
    storage: &S,
    pushes: Vec<(Pusher, Vec<PushedCommand>)>,
    rules: ClinicRules,
) -> Vec<Answer> {
    let count = pushes.len();
    let error = match storage
        .apply_pushes(pushes.clone(), chrono::Utc::now(), rules)
        .await
    {
        Ok((answers, head, concerned)) => {
            return answers
                .into_iter()
                .map(|outcomes| Ok((outcomes, head, concerned.clone())))
                .collect()
        }
        Err(e) => e,
    };
    if !refused_by_the_database(&error) {
        tracing::error!(error = %error, pushes = count, "a group of pushes could not be written");
        return (0..count).map(|_| Err(error.to_string())).collect();
    }
    tracing::warn!(error = %error, pushes = count, "the database refused a group of pushes: writing each on its own");
    let mut answers = Vec::with_capacity(count);
    for push in pushes {
        answers.push(if count > 1 {
            match storage
                .apply_pushes(vec![push.clone()], chrono::Utc::now(), rules)
                .await
            {
                Ok((mut outcomes, head, _)) => Ok((outcomes.remove(0), head, Concerned::Everyone)),
                Err(e) if refused_by_the_database(&e) => {
                    write_one_by_one(storage, push, rules).await
                }
                Err(e) => Err(e.to_string()),
            }
        } else {
            write_one_by_one(storage, push, rules).await
        });
    }
    answers
}

/// A push the database refuses, written one command at a time in the desk's order.
async fn write_one_by_one<S: Storage>(
    storage: &S,
    (pusher, commands): (Pusher, Vec<PushedCommand>),
    rules: ClinicRules,
) -> Answer {
    let mut outcomes = Vec::with_capacity(commands.len());
    let mut head = 0;
    for command in commands {
        let id = match &command {
            Ok(envelope) => Some(envelope.id),
            Err((id, _)) => *id,
        };
        match storage
            .apply_pushes(vec![(pusher, vec![command])], chrono::Utc::now(), rules)
            .await
        {
            Ok((mut answers, at, _)) => {
                head = head.max(at);
                outcomes.extend(answers.remove(0));
            }
            Err(e) if refused_by_the_database(&e) => {
                tracing::warn!(error = %e, command = ?id, "the database refused a command");
                outcomes.push(CommandOutcome {
                    id,
                    result: CommandResult::Rejected(Rejection::new(
                        RejectionReason::NotStorable,
                        vec![],
                    )),
                });
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok((outcomes, head, Concerned::Everyone))
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
                    .map(|w| ((w.pusher, w.commands), w.reply))
                    .unzip();
                // Written in a task of its own: should anything in it panic, this group's
                // devices hear an error (and push again) and the writer goes on with the next.
                let count = pushes.len();
                let writing = tokio::spawn({
                    let storage = storage.clone();
                    async move { write_group(storage.as_ref(), pushes, rules).await }
                });
                let answers = match writing.await {
                    Ok(answers) => answers,
                    Err(e) => {
                        tracing::error!(error = %e, pushes = count, "writing a group of pushes failed");
                        (0..count)
                            .map(|_| Err("the push could not be written".to_owned()))
                            .collect()
                    }
                };
                for (reply, answer) in replies.into_iter().zip(answers) {
                    let _ = reply.send(answer);
                }
            }
        });
        PushQueue { sender }
    }

    /// Write one push (with whatever else is waiting) and return its answers and the head.
    pub async fn push(
        &self,
        pusher: Pusher,
        commands: Vec<PushedCommand>,
    ) -> Result<(Vec<CommandOutcome>, u64, crate::sync::events::Concerned), ApiError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Waiting {
                pusher,
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

#[cfg(test)]
mod tests {
    use super::refusing_code;

    #[test]
    fn only_a_refused_value_is_refused_never_a_busy_or_absent_database() {
        for refused in [
            "22021", "22P05", "23505", "23514", "19", "1811", "2067", "18", "20",
        ] {
            assert!(refusing_code(refused), "{refused}");
        }
        for retry in [
            "40001", "40P01", "57014", "57P01", "53100", "25006", "5", "517", "6", "13", "8", "10",
        ] {
            assert!(!refusing_code(retry), "{retry}");
        }
    }
}
