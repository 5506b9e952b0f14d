//! The audit trail: a chain sealed with the audit key, its signed head and checkpoints.

use std::future::Future;

use clinic_core::UserId;

use super::StorageError;

pub trait AuditTrail: Send + Sync + 'static {
    /// Append an entry to the audit chain.
    fn audit(
        &self,
        event: &crate::audit::AuditEvent,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Append entries to the audit chain in one transaction.
    fn audit_many(
        &self,
        events: &[crate::audit::AuditEvent],
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// The patients whose charts the server gave `actor` on `device` (read, fetched ahead or
    /// opened by break-glass): the charts that device can hold.
    fn charts_served(
        &self,
        actor: UserId,
        device: &str,
    ) -> impl Future<Output = Result<Vec<clinic_core::PatientId>, StorageError>> + Send;

    /// The whole chain, in order.
    fn audit_entries(
        &self,
    ) -> impl Future<Output = Result<Vec<crate::audit::AuditEntry>, StorageError>> + Send {
        self.audit_entries_from(1)
    }

    /// The chain from entry `from_seq` on, in order.
    fn audit_entries_from(
        &self,
        from_seq: i64,
    ) -> impl Future<Output = Result<Vec<crate::audit::AuditEntry>, StorageError>> + Send;

    /// One page of the chain for the viewer, newest first: the entries that pass `filter`,
    /// below `filter.before` (a sequence number) when given.
    fn audit_page(
        &self,
        filter: &crate::audit::AuditFilter,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<crate::audit::AuditEntry>, StorageError>> + Send;

    /// How many entries the chain holds.
    fn audit_count(&self) -> impl Future<Output = Result<i64, StorageError>> + Send;

    /// The fingerprint of the audit key the chain is sealed with, once one was adopted.
    fn audit_key_fingerprint(
        &self,
    ) -> impl Future<Output = Result<Option<String>, StorageError>> + Send;

    /// Adopt `fingerprint` unless one is kept already (the first server's wins).
    fn save_audit_key_fingerprint(
        &self,
        fingerprint: &str,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// How the newest audit entry is sealed (`None`: no entry yet).
    fn audit_newest_version(
        &self,
    ) -> impl Future<Output = Result<Option<i64>, StorageError>> + Send;

    /// The newest signed checkpoint the viewer left (where it last found the chain intact).
    fn audit_checkpoint(
        &self,
    ) -> impl Future<Output = Result<Option<crate::audit::AuditHead>, StorageError>> + Send;

    fn save_audit_checkpoint(
        &self,
        checkpoint: &crate::audit::AuditHead,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// The chain's signed head (the newest entry, as its append signed it).
    fn audit_head(
        &self,
    ) -> impl Future<Output = Result<Option<crate::audit::AuditHead>, StorageError>> + Send;

    /// The key new audit entries are sealed with (set once, at start).
    fn audit_key(&self) -> Option<&crate::audit::AuditKey>;

    fn set_audit_key(&self, key: crate::audit::AuditKey);
}
