//! The change log devices sync from: pushes applied in groups, pages pulled.

use std::future::Future;

use super::StorageError;

pub trait SyncLog: Send + Sync + 'static {
    /// Apply several devices' pushes in one transaction (one commit for all): each push is a
    /// batch of its own, each command judged on its own, answered once, and answered the same
    /// again when pushed again. Returns each push's answers, in order, and the change-log head.
    #[allow(clippy::type_complexity)]
    fn apply_pushes(
        &self,
        pushes: Vec<(
            crate::sync::queue::Pusher,
            Vec<clinic_core::sync::PushedCommand>,
        )>,
        now: chrono::DateTime<chrono::Utc>,
        rules: crate::sync::queue::ClinicRules,
    ) -> impl Future<
        Output = Result<
            (
                Vec<Vec<clinic_core::sync::CommandOutcome>>,
                u64,
                crate::sync::events::Concerned,
            ),
            StorageError,
        >,
    > + Send;

    /// Changes after `after` that `scope` may see, at most `limit`.
    fn pull(
        &self,
        scope: clinic_core::RegistryScope,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = Result<crate::sync::PullPage, StorageError>> + Send;

    fn head_seq(&self) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Give every registered patient without a change-log entry one (patients migrated from
    /// the first schema). Returns how many were added.
    fn backfill_change_log(&self) -> impl Future<Output = Result<u64, StorageError>> + Send;
}
