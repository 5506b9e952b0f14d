//! The audit of health data: every read and change appends an entry (who, in which role, did
//! what, to which record, of which patient, when), hash-chained — each entry's hash covers the
//! previous entry's hash and its own fields — so an entry removed or altered is found, and where.
//!
//! The chain is **keyed**: entries are sealed with an HMAC-SHA256 under the audit key, a file
//! outside the database (`audit_key_file`), so someone who can write the database but not read
//! that file cannot rewrite the chain and seal it again. The chain's newest entry is signed too
//! (the *head*, in the same transaction as the entry): dropping the newest entries leaves a head
//! that names an entry no longer there. Entries made before the key (version 1, plain SHA-256)
//! keep verifying; after the first keyed entry, an unkeyed one is a break.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub use clinic_core::wire::{AuditEntry, AuditPage};

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
    /// The device (the session's device name), empty when unknown.
    pub device: String,
}

/// Entries made before the audit key: plain SHA-256.
pub const UNKEYED: i64 = 1;
/// Entries sealed with the audit key: HMAC-SHA256.
pub const KEYED: i64 = 2;

/// The key the chain is sealed with, kept outside the database.
#[derive(Clone)]
pub struct AuditKey([u8; 32]);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

impl AuditKey {
    pub fn from_bytes(bytes: [u8; 32]) -> AuditKey {
        AuditKey(bytes)
    }

    /// The key in `path`, made there (owner-only) if the file does not exist yet.
    pub fn load_or_create(path: &std::path::Path) -> Result<AuditKey, crate::blobs::BlobKeyError> {
        crate::blobs::key_file(path).map(AuditKey)
    }

    fn mac(&self, parts: &[&str]) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// A keyed entry's seal: the HMAC over the previous hash and each field, length-prefixed.
    pub fn entry_mac(&self, prev_hash: &str, seq: i64, at_ms: i64, event: &AuditEvent) -> String {
        self.mac(&[
            "audit entry v2",
            prev_hash,
            &seq.to_string(),
            &at_ms.to_string(),
            &event.actor,
            &event.role,
            &event.action,
            &event.subject,
            &event.patient,
            &event.device,
        ])
    }

    /// What tells this key apart (stored with the chain: another key is refused at start).
    pub fn fingerprint(&self) -> String {
        self.mac(&["audit key fingerprint"])[..32].to_owned()
    }

    /// The head's seal: which entry is the newest, and its hash.
    pub fn head_mac(&self, seq: i64, hash: &str) -> String {
        self.mac(&["audit head", &seq.to_string(), hash])
    }

    /// A checkpoint's seal: the chain was found intact up to this entry, with this hash.
    pub fn checkpoint_mac(&self, seq: i64, hash: &str) -> String {
        self.mac(&["audit checkpoint", &seq.to_string(), hash])
    }
}

/// Why a server does not start with its audit key.
#[derive(Debug, thiserror::Error)]
pub enum AuditKeyError {
    #[error("The audit key {path} is not the one this clinic's audit chain is sealed with. The servers of one clinic share one audit key: copy it from the first server, or restore the right one.")]
    NotTheChainsKey { path: String },
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
}

/// Seal the chain with `key` from now on: the first server's key is the chain's (its
/// fingerprint kept in the database), another one is refused; a chain whose newest entry is
/// unkeyed (made before the key) gets a keyed mark at once, so from here on it ends keyed.
pub async fn adopt_key<S: crate::storage::Storage>(
    storage: &S,
    key: AuditKey,
    path: &std::path::Path,
) -> Result<(), AuditKeyError> {
    let fingerprint = key.fingerprint();
    storage.save_audit_key_fingerprint(&fingerprint).await?;
    if storage.audit_key_fingerprint().await?.as_deref() != Some(fingerprint.as_str()) {
        return Err(AuditKeyError::NotTheChainsKey {
            path: path.display().to_string(),
        });
    }
    storage.set_audit_key(key);
    if storage.audit_newest_version().await? == Some(UNKEYED) {
        let mark = AuditEvent {
            actor: String::new(),
            role: "server".to_owned(),
            action: "audit_keyed".to_owned(),
            subject: "entries from here on are sealed with the audit key".to_owned(),
            patient: String::new(),
            device: String::new(),
        };
        storage
            .audit(&mark, chrono::Utc::now().timestamp_millis())
            .await?;
    }
    Ok(())
}

/// The newest entry, as the last append signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
    pub mac: String,
}

/// The hash of an unkeyed (version 1) entry: SHA-256 over the previous hash and each field,
/// length-prefixed so no two different entries hash alike.
///
/// Health data is audited through [`record`], which names the caller and their device.
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
    // The device joined the entry later: covered when known, so entries made before it keep
    // their hashes.
    if !event.device.is_empty() {
        hasher.update((event.device.len() as u64).to_be_bytes());
        hasher.update(event.device.as_bytes());
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
    #[error("audit entry {seq} is not sealed with the audit key although earlier entries are")]
    Unkeyed { seq: i64 },
    #[error("the newest audit entries are missing: the chain was signed up to entry {signed}, it now ends at {last}")]
    Truncated { signed: i64, last: i64 },
    #[error("the audit chain's signed head is missing or not signed with the audit key")]
    HeadUnsigned,
    #[error("audit entries after the signed head ({signed}) are not covered by it")]
    Unsigned { signed: i64 },
}

/// Check a chain read in `seq` order from the first entry: unkeyed entries by their hash, keyed
/// ones with `key`; and once any entry is keyed, the signed `head` must name the last entry.
pub fn verify(
    entries: &[AuditEntry],
    key: Option<&AuditKey>,
    head: Option<&AuditHead>,
) -> Result<(), ChainBroken> {
    verify_from(None, entries, key, head)
}

/// [`verify`] from a signed `checkpoint` on: `entries` start with the checkpoint's own entry
/// (which must still have the hash the checkpoint signed) and run to the newest. What lies
/// before the checkpoint was found intact when it was made; a full check reads it again.
pub fn verify_from(
    checkpoint: Option<&AuditHead>,
    entries: &[AuditEntry],
    key: Option<&AuditKey>,
    head: Option<&AuditHead>,
) -> Result<(), ChainBroken> {
    let (first, mut prev, mut keyed_since, rest) = match checkpoint {
        None => (1, GENESIS.to_owned(), None, entries),
        Some(cp) => {
            let key = key.ok_or(ChainBroken::HeadUnsigned)?;
            if key.checkpoint_mac(cp.seq, &cp.hash) != cp.mac {
                return Err(ChainBroken::HeadUnsigned);
            }
            match entries.first() {
                Some(e) if e.seq == cp.seq && e.hash == cp.hash => {}
                Some(e) if e.seq == cp.seq => return Err(ChainBroken::Altered { seq: cp.seq }),
                _ => {
                    return Err(ChainBroken::Missing {
                        seq: cp.seq,
                        before: cp.seq - 1,
                        seq_after: entries.first().map_or(0, |e| e.seq),
                    })
                }
            }
            (cp.seq + 1, cp.hash.clone(), Some(cp.seq), &entries[1..])
        }
    };
    let entries_for_head = entries;
    for (expected, e) in (first..).zip(rest.iter()) {
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
            device: e.device.clone(),
        };
        let sealed = match (e.chain_version, key) {
            (KEYED, Some(key)) => {
                keyed_since.get_or_insert(e.seq);
                key.entry_mac(&e.prev_hash, e.seq, e.at_ms, &event) == e.hash
            }
            (UNKEYED, _) if keyed_since.is_some() => {
                return Err(ChainBroken::Unkeyed { seq: e.seq })
            }
            (UNKEYED, _) => entry_hash(&e.prev_hash, e.seq, e.at_ms, &event) == e.hash,
            _ => false,
        };
        if !sealed {
            return Err(ChainBroken::Altered { seq: e.seq });
        }
        prev = e.hash.clone();
    }
    // With the key in hand, a chain must end keyed (the server seals a mark at start, so every
    // chain it keeps does): an all-unkeyed chain was rewritten without the key.
    if let (Some(_), None, Some(last)) = (key, keyed_since, entries.last()) {
        return Err(ChainBroken::Unkeyed { seq: last.seq });
    }
    if keyed_since.is_some() {
        let entries = entries_for_head;
        let key = key.ok_or(ChainBroken::HeadUnsigned)?;
        let head = head
            .filter(|h| key.head_mac(h.seq, &h.hash) == h.mac)
            .ok_or(ChainBroken::HeadUnsigned)?;
        let last = entries.last().map_or(0, |e| e.seq);
        if head.seq > last {
            return Err(ChainBroken::Truncated {
                signed: head.seq,
                last,
            });
        }
        let at_head = entries.iter().find(|e| e.seq == head.seq);
        if at_head.is_none_or(|e| e.hash != head.hash) {
            return Err(ChainBroken::Altered { seq: head.seq });
        }
        if head.seq < last {
            return Err(ChainBroken::Unsigned { signed: head.seq });
        }
    }
    Ok(())
}

/// What the admin's audit viewer asks for (all optional; newest first).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuditFilter {
    #[serde(default)]
    pub patient: Option<String>,
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    /// Milliseconds since the epoch, inclusive.
    #[serde(default)]
    pub from_ms: Option<i64>,
    #[serde(default)]
    pub to_ms: Option<i64>,
    #[serde(default)]
    pub limit: Option<i64>,
    /// The page below this entry (a sequence number): the next page's `older_than`.
    #[serde(default)]
    pub before: Option<i64>,
    /// Check the whole chain from its first entry, not from the last checkpoint.
    #[serde(default)]
    pub full: bool,
}

/// `GET /api/v1/audit?patient=&actor=&action=&from_ms=&to_ms=&limit=&before=&full=`: the
/// admins' audit viewer, a page at a time, newest first (the filters in SQL). The chain is
/// checked on each view from the newest signed checkpoint on (`full`: from its first entry), and
/// a view that finds it intact leaves a checkpoint at its newest entry — so a removed or edited
/// recent entry shows at once, and a view does not read the whole history.
pub async fn view<S: crate::storage::Storage>(
    axum::extract::State(state): axum::extract::State<crate::http::state::AppState<S>>,
    caller: crate::caller::Caller,
    crate::extract::Query(filter): crate::extract::Query<AuditFilter>,
) -> Result<axum::Json<AuditPage>, crate::error::ApiError> {
    clinic_core::decide(caller.actor, clinic_core::Action::ReadAudit)?;
    let key = state.storage.audit_key();
    let head = state.storage.audit_head().await?;
    let checkpoint = match (filter.full, key) {
        (false, Some(_)) => state.storage.audit_checkpoint().await?,
        _ => None,
    };
    let total = state.storage.audit_count().await? as usize;
    let mut from = checkpoint.as_ref().map_or(1, |c| c.seq);
    let mut chain = state.storage.audit_entries_from(from).await?;
    let mut checked = verify_from(checkpoint.as_ref(), &chain, key, head.as_ref());
    let mut head = head;
    // Entries 1..=N are N rows: one gone anywhere, or a break after the checkpoint, and the
    // whole chain is checked, to say where.
    let whole = chain.last().is_none_or(|last| last.seq as usize == total);
    if checkpoint.is_some() && (checked.is_err() || !whole) {
        from = 1;
        chain = state.storage.audit_entries().await?;
        checked = verify(&chain, key, head.as_ref());
    }
    // An entry appended between reading the head and the entries looks like a break: read
    // both again (a real break stays; a race does not).
    if checked.is_err() {
        head = state.storage.audit_head().await?;
        from = 1;
        chain = state.storage.audit_entries().await?;
        checked = verify(&chain, key, head.as_ref());
    }
    if let (Ok(()), Some(key), Some(last)) = (&checked, key, chain.last()) {
        if checkpoint.as_ref().is_none_or(|c| c.seq < last.seq) {
            let newest = AuditHead {
                seq: last.seq,
                hash: last.hash.clone(),
                mac: key.checkpoint_mac(last.seq, &last.hash),
            };
            state
                .storage
                .save_audit_checkpoint(&newest, chrono::Utc::now().timestamp_millis())
                .await?;
        }
    }
    let chain_broken = checked.err().map(|e| e.to_string());
    let limit = filter.limit.unwrap_or(200).clamp(1, 2000);
    let entries = state.storage.audit_page(&filter, limit).await?;
    let older_than = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    let mut names = std::collections::BTreeMap::new();
    for account in state.storage.list_accounts().await? {
        names.insert(account.id.to_string(), account.display_name);
    }
    for e in &entries {
        if names.contains_key(&e.patient) && !e.patient.is_empty() {
            continue;
        }
        if let Ok(id) = e.patient.parse::<clinic_core::PatientId>() {
            if let Some(p) = state.storage.patient_record(id).await? {
                names.insert(
                    e.patient.clone(),
                    format!("{} · {}", p.demographics.full_name, p.patient_number),
                );
            }
        }
    }
    Ok(axum::Json(AuditPage {
        entries,
        chain_broken,
        total,
        names,
        older_than,
        checked_from: from,
    }))
}

/// Append an entry for what `caller` did to `patient`'s health data: who (account and role),
/// from which device, what, to which record.
pub(crate) async fn record<S: crate::storage::Storage>(
    state: &crate::http::state::AppState<S>,
    caller: &crate::caller::Caller,
    action: clinic_core::audit::AuditAction,
    subject: String,
    patient: clinic_core::PatientId,
) -> Result<(), crate::error::ApiError> {
    let account = caller
        .account
        .as_ref()
        .ok_or(crate::error::ApiError::NotSignedIn)?;
    let event = AuditEvent {
        actor: account.id.to_string(),
        role: account.role.clone(),
        action: action.as_str().to_owned(),
        subject,
        patient: patient.to_string(),
        device: caller.device.clone().unwrap_or_default(),
    };
    state
        .storage
        .audit(&event, chrono::Utc::now().timestamp_millis())
        .await?;
    Ok(())
}

/// `allowed` as the policy said it; a refusal to a signed-in caller is audited as `refused`
/// (naming `patient`) before it is answered.
pub(crate) async fn unless_refused<S: crate::storage::Storage>(
    state: &crate::http::state::AppState<S>,
    caller: &crate::caller::Caller,
    allowed: Result<(), clinic_core::Denied>,
    refused: clinic_core::audit::AuditAction,
    patient: clinic_core::PatientId,
) -> Result<(), crate::error::ApiError> {
    if let Err(denied) = allowed {
        if denied == clinic_core::Denied::NotPermitted && caller.account.is_some() {
            record(state, caller, refused, patient.to_string(), patient).await?;
        }
        return Err(denied.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u8) -> AuditEvent {
        AuditEvent {
            actor: format!("doctor-{n}"),
            role: "doctor".into(),
            action: "read_chart".into(),
            subject: "p".into(),
            patient: "p".into(),
            device: if n.is_multiple_of(2) {
                "Room 2".into()
            } else {
                String::new()
            },
        }
    }

    /// A chain of `unkeyed` entries made before the key, then `keyed` ones, with its head.
    fn chain(key: &AuditKey, unkeyed: i64, keyed: i64) -> (Vec<AuditEntry>, Option<AuditHead>) {
        let mut out: Vec<AuditEntry> = Vec::new();
        let mut head = None;
        for seq in 1..=unkeyed + keyed {
            let e = event(seq as u8);
            let prev = out.last().map_or(GENESIS.to_owned(), |p| p.hash.clone());
            let (hash, chain_version) = if seq <= unkeyed {
                (entry_hash(&prev, seq, seq * 1000, &e), UNKEYED)
            } else {
                (key.entry_mac(&prev, seq, seq * 1000, &e), KEYED)
            };
            if chain_version == KEYED {
                head = Some(AuditHead {
                    seq,
                    hash: hash.clone(),
                    mac: key.head_mac(seq, &hash),
                });
            }
            out.push(AuditEntry {
                seq,
                at_ms: seq * 1000,
                actor: e.actor,
                role: e.role,
                action: e.action,
                subject: e.subject,
                patient: e.patient,
                device: e.device,
                prev_hash: prev,
                hash,
                chain_version,
            });
        }
        (out, head)
    }

    #[test]
    fn entries_from_before_the_key_still_verify_and_keyed_ones_need_the_key() {
        let key = AuditKey::from_bytes([7; 32]);
        let (entries, head) = chain(&key, 3, 4);
        assert_eq!(verify(&entries, Some(&key), head.as_ref()), Ok(()));
        let (old, none) = chain(&key, 3, 0);
        assert_eq!(
            verify(&old, None, none.as_ref()),
            Ok(()),
            "an unkeyed chain alone"
        );
        let other = AuditKey::from_bytes([8; 32]);
        assert_eq!(
            verify(&entries, Some(&other), head.as_ref()),
            Err(ChainBroken::Altered { seq: 4 }),
            "sealed with another key"
        );
    }

    #[test]
    fn a_rewrite_without_the_key_a_downgrade_and_a_truncation_are_found() {
        let key = AuditKey::from_bytes([7; 32]);
        let (entries, head) = chain(&key, 2, 5);
        // Rewritten and sealed again as an unkeyed entry (all one needs is the database).
        let mut rewritten = entries.clone();
        rewritten[4].actor = "someone else".into();
        rewritten[4].chain_version = UNKEYED;
        let e = AuditEvent {
            actor: rewritten[4].actor.clone(),
            role: rewritten[4].role.clone(),
            action: rewritten[4].action.clone(),
            subject: rewritten[4].subject.clone(),
            patient: rewritten[4].patient.clone(),
            device: rewritten[4].device.clone(),
        };
        rewritten[4].hash = entry_hash(&rewritten[4].prev_hash, 5, 5000, &e);
        assert_eq!(
            verify(&rewritten, Some(&key), head.as_ref()),
            Err(ChainBroken::Unkeyed { seq: 5 })
        );
        // The newest two dropped.
        assert_eq!(
            verify(&entries[..5], Some(&key), head.as_ref()),
            Err(ChainBroken::Truncated { signed: 7, last: 5 })
        );
        // The head dropped too, or forged.
        assert_eq!(
            verify(&entries[..5], Some(&key), None),
            Err(ChainBroken::HeadUnsigned)
        );
        let forged = AuditHead {
            seq: 5,
            hash: entries[4].hash.clone(),
            mac: "00".repeat(32),
        };
        assert_eq!(
            verify(&entries[..5], Some(&key), Some(&forged)),
            Err(ChainBroken::HeadUnsigned)
        );
    }
}
