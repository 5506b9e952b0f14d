//! The audit of health data: every read and change appends an entry (who, in which role, did
//! what, to which record, of which patient, when), hash-chained — each entry's hash covers the
//! previous entry's hash and its own fields — so an entry removed or altered is found, and where.

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

/// The hash of an entry: SHA-256 over the previous hash and each field, length-prefixed so no
/// two different entries hash alike.
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
            device: e.device.clone(),
        };
        if entry_hash(&e.prev_hash, e.seq, e.at_ms, &event) != e.hash {
            return Err(ChainBroken::Altered { seq: e.seq });
        }
        prev = e.hash.clone();
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
}

/// `GET /api/v1/audit?patient=&actor=&action=&from_ms=&to_ms=&limit=`: the admins' audit viewer.
/// The whole chain is checked on each view, so a removed or edited entry shows at once.
pub async fn view<S: crate::storage::Storage>(
    axum::extract::State(state): axum::extract::State<crate::http::AppState<S>>,
    caller: crate::http::Caller,
    crate::extract::Query(filter): crate::extract::Query<AuditFilter>,
) -> Result<axum::Json<AuditPage>, crate::error::ApiError> {
    clinic_core::decide(caller.actor, clinic_core::Action::ReadAudit)?;
    let chain = state.storage.audit_entries().await?;
    let chain_broken = verify(&chain).err().map(|e| e.to_string());
    let total = chain.len();
    let limit = filter.limit.unwrap_or(200).clamp(1, 2000) as usize;
    let same = |want: &Option<String>, have: &str| {
        want.as_deref()
            .map(str::trim)
            .is_none_or(|w| w.is_empty() || w == have)
    };
    let entries: Vec<AuditEntry> = chain
        .into_iter()
        .rev()
        .filter(|e| same(&filter.patient, &e.patient))
        .filter(|e| same(&filter.actor, &e.actor))
        .filter(|e| same(&filter.action, &e.action))
        .filter(|e| filter.from_ms.is_none_or(|f| e.at_ms >= f))
        .filter(|e| filter.to_ms.is_none_or(|t| e.at_ms <= t))
        .take(limit)
        .collect();
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
    }))
}

/// Append an entry for what `caller` did to `patient`'s health data: who (account and role),
/// from which device, what, to which record.
pub(crate) async fn record<S: crate::storage::Storage>(
    state: &crate::http::AppState<S>,
    caller: &crate::http::Caller,
    action: &str,
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
        action: action.to_owned(),
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
    state: &crate::http::AppState<S>,
    caller: &crate::http::Caller,
    allowed: Result<(), clinic_core::Denied>,
    refused: &str,
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
