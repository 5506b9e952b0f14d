//! The audit of health data: every read and change appends an entry (who, in which role, did
//! what, to which record, of which patient, when), hash-chained — each entry's hash covers the
//! previous entry's hash and its own fields — so an entry removed or altered is found, and where.

use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub subject: String,
    pub patient: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What happened, before it has its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub actor: String,
    pub role: String,
    /// `read_note`, `write_note`, `amend_note`, `read_history`, …
    pub action: String,
    /// The record: an appointment's id for its note, the patient's for their history.
    pub subject: String,
    pub patient: String,
}

/// The hash of an entry: SHA-256 over the previous hash and each field, length-prefixed so no
/// two different entries hash alike.
pub fn entry_hash(prev_hash: &str, seq: i64, at_ms: i64, event: &AuditEvent) -> String {
    let mut hasher = Sha256::new();
    for part in [
        prev_hash,
        &seq.to_string(),
        &at_ms.to_string(),
        &event.actor,
        &event.role,
        &event.action,
        &event.subject,
        &event.patient,
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBroken {
    #[error("audit entry {seq} is missing (the entries jump from {before} to {seq_after})")]
    Missing {
        seq: i64,
        before: i64,
        seq_after: i64,
    },
    #[error("audit entry {seq} was altered (its hash does not match its contents)")]
    Altered { seq: i64 },
    #[error("audit entry {seq} does not follow the entry before it")]
    Unlinked { seq: i64 },
}

/// Check a chain read in `seq` order from the first entry.
pub fn verify(entries: &[AuditEntry]) -> Result<(), ChainBroken> {
    let mut prev = GENESIS.to_owned();
    for (expected, e) in (1..).zip(entries.iter()) {
        if e.seq != expected {
            return Err(ChainBroken::Missing {
                seq: expected,
                before: expected - 1,
                seq_after: e.seq,
            });
        }
        if e.prev_hash != prev {
            return Err(ChainBroken::Unlinked { seq: e.seq });
        }
        let event = AuditEvent {
            actor: e.actor.clone(),
            role: e.role.clone(),
            action: e.action.clone(),
            subject: e.subject.clone(),
            patient: e.patient.clone(),
        };
        if entry_hash(&e.prev_hash, e.seq, e.at_ms, &event) != e.hash {
            return Err(ChainBroken::Altered { seq: e.seq });
        }
        prev = e.hash.clone();
    }
    Ok(())
}
