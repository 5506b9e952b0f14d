//! The server's storage: one trait, two backends (embedded SQLite, PostgreSQL).
//!
//! The SQL that both databases speak the same way is written once, in [`shared_sql_storage!`];
//! a backend writes its own only where the databases differ. Migrations are per backend under
//! `migrations/server/`.

use std::future::Future;

use clinic_core::account::{PatientDemographics, Sex};
use clinic_core::doctor::{DoctorDocument, DoctorRecord, DocumentPurpose};
use clinic_core::wire::WorkingHours;
use clinic_core::UserId;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A rule the database enforces refused what the code had judged right: the transaction is
    /// undone rather than answered wrongly.
    #[error("a database rule refused the write: {0}")]
    Invariant(String),
}

/// An account as stored. `role` is kept as text: a value this version does not know must not make
/// the row unreadable (the policy then refuses everything but sign-out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccount {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: clinic_core::Role,
    pub password_hash: String,
    pub created_at_ms: i64,
}

/// A session joined with its account.
#[derive(Debug, Clone)]
pub struct StoredSession {
    pub account: StoredAccount,
    pub expires_at_ms: i64,
    pub revoked: bool,
    /// The name the device gave when it signed in.
    pub device_name: Option<String>,
    /// The desk code granted to the device the session signed in from (staff desks only).
    pub desk_code: Option<u32>,
}

pub trait Storage: Send + Sync + 'static {
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
    fn migrate(&self) -> impl Future<Output = Result<(), StorageError>> + Send;
    fn ping(&self) -> impl Future<Output = Result<(), StorageError>> + Send;
    fn count_accounts(&self) -> impl Future<Output = Result<i64, StorageError>> + Send;
    /// Create an account with its profile in one transaction.
    fn create_account(
        &self,
        account: &NewAccount,
        patient: Option<&PatientDemographics>,
        doctor: Option<&DoctorRecord>,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    fn account_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = Result<Option<StoredAccount>, StorageError>> + Send;
    fn account_by_id(
        &self,
        id: UserId,
    ) -> impl Future<Output = Result<Option<StoredAccount>, StorageError>> + Send;
    fn list_accounts(
        &self,
    ) -> impl Future<Output = Result<Vec<StoredAccount>, StorageError>> + Send;
    fn create_session(
        &self,
        token_hash: &str,
        account: UserId,
        device_name: Option<&str>,
        desk_code: Option<u32>,
        created_at_ms: i64,
        expires_at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    fn session(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<StoredSession>, StorageError>> + Send;
    fn revoke_session(
        &self,
        token_hash: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// The registry record linked to a patient's own account.
    fn patient_profile(
        &self,
        account: UserId,
    ) -> impl Future<Output = Result<Option<clinic_core::sync::PatientRecord>, StorageError>> + Send;
    /// Replace the demographics; the account's display name follows the full name.
    fn update_patient_profile(
        &self,
        account: UserId,
        profile: &PatientDemographics,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;
    /// Every doctor of the clinic, verified or not, by name.
    fn doctors(&self) -> impl Future<Output = Result<Vec<DoctorRecord>, StorageError>> + Send;
    fn doctor(
        &self,
        id: UserId,
    ) -> impl Future<Output = Result<Option<DoctorRecord>, StorageError>> + Send;
    /// Write a doctor's record (new or changed) with its change-log entry.
    fn save_doctor(
        &self,
        record: &DoctorRecord,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// Slot-holding appointments starting in `[from, to)`: one doctor's, or every doctor's.
    fn busy(
        &self,
        doctor: Option<UserId>,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> impl Future<Output = Result<Vec<clinic_core::availability::Busy>, StorageError>> + Send;
    /// Apply several devices' pushes in one transaction (one commit for all): each push is a
    /// batch of its own, each command judged on its own, answered once, and answered the same
    /// again when pushed again. Returns each push's answers, in order, and the change-log head.
    #[allow(clippy::type_complexity)]
    fn apply_pushes(
        &self,
        pushes: Vec<(
            crate::push_queue::Pusher,
            Vec<clinic_core::sync::PushedCommand>,
        )>,
        now: chrono::DateTime<chrono::Utc>,
        rules: crate::push_queue::ClinicRules,
    ) -> impl Future<
        Output = Result<
            (
                Vec<Vec<clinic_core::sync::CommandOutcome>>,
                u64,
                crate::events::Concerned,
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
    ) -> impl Future<Output = Result<crate::registry::PullPage, StorageError>> + Send;
    fn head_seq(&self) -> impl Future<Output = Result<u64, StorageError>> + Send;
    /// The desk code of a device, given on its first sign-in and the same ever after.
    fn desk_code(
        &self,
        device: uuid::Uuid,
        account: UserId,
        at_ms: i64,
    ) -> impl Future<Output = Result<u32, StorageError>> + Send;
    /// Give every registered patient without a change-log entry one (patients migrated from
    /// the first schema). Returns how many were added.
    fn backfill_change_log(&self) -> impl Future<Output = Result<u64, StorageError>> + Send;
    /// Move doctors of the first schema (specialty and weekly hours) into doctor records.
    fn backfill_doctors(&self) -> impl Future<Output = Result<u64, StorageError>> + Send;
    /// One appointment as stored.
    fn appointment(
        &self,
        id: clinic_core::AppointmentId,
    ) -> impl Future<
        Output = Result<Option<clinic_core::appointment::AppointmentRecord>, StorageError>,
    > + Send;
    /// `None`: no such patient; `Some(account)`: the patient, and their own account if any.
    fn patient_account(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<Option<Option<UserId>>, StorageError>> + Send;
    fn note(
        &self,
        appointment: clinic_core::AppointmentId,
    ) -> impl Future<Output = Result<Option<clinic_core::consultation::NoteRecord>, StorageError>> + Send;
    /// Write a note and its audit entry together.
    fn save_note(
        &self,
        record: &clinic_core::consultation::NoteRecord,
        event: &crate::audit::AuditEvent,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// A patient's appointments that became consultations (in consultation or completed), newest
    /// first, each with its note if it has one.
    #[allow(clippy::type_complexity)]
    fn consultations(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<
        Output = Result<
            Vec<(
                clinic_core::appointment::AppointmentRecord,
                Option<clinic_core::consultation::NoteRecord>,
            )>,
            StorageError,
        >,
    > + Send;
    /// Whether `doctor` treats `patient`, as [`clinic_core::care::treats`] judges it.
    fn cares_for(
        &self,
        doctor: UserId,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;
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
    fn save_consent(
        &self,
        consent: &clinic_core::consent::ConsentRecord,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// A patient's consents, newest first.
    fn consents(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<Vec<clinic_core::consent::ConsentRecord>, StorageError>> + Send;
    /// An appointment's meeting room: the one made at confirmation, or (for an appointment
    /// confirmed before rooms were made) a new one now.
    fn meeting_room(
        &self,
        appointment: clinic_core::AppointmentId,
        at_ms: i64,
    ) -> impl Future<Output = Result<String, StorageError>> + Send;
    /// A patient in the registry.
    fn patient_record(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<Option<clinic_core::sync::PatientRecord>, StorageError>> + Send;
    /// A patient's clinical summary (empty when none was recorded).
    fn clinical_summary(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<clinic_core::chart::ClinicalSummary, StorageError>> + Send;
    fn save_clinical_summary(
        &self,
        patient: clinic_core::PatientId,
        summary: &clinic_core::chart::ClinicalSummary,
        by: UserId,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// Every version of an appointment's prescription, newest first.
    fn appointment_prescriptions(
        &self,
        appointment: clinic_core::AppointmentId,
    ) -> impl Future<Output = Result<Vec<clinic_core::prescription::PrescriptionRecord>, StorageError>>
           + Send;
    /// A patient's prescriptions, newest first (drafts included: callers filter).
    fn patient_prescriptions(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<Vec<clinic_core::prescription::PrescriptionRecord>, StorageError>>
           + Send;
    /// Write a prescription version — a new one, or over the stored one only while that is
    /// still a draft; when it is issued and replaces another, mark that one superseded — in one
    /// transaction.
    fn save_prescription(
        &self,
        record: &clinic_core::prescription::PrescriptionRecord,
    ) -> impl Future<Output = Result<PrescriptionSaved, StorageError>> + Send;
    /// The issued (or superseded) prescription with this code.
    fn prescription_by_code(
        &self,
        code: &str,
    ) -> impl Future<
        Output = Result<Option<clinic_core::prescription::PrescriptionRecord>, StorageError>,
    > + Send;
    /// Every appointment of a patient (any status) with its note, if one was written.
    fn patient_visits(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<
        Output = Result<
            Vec<(
                clinic_core::appointment::AppointmentRecord,
                Option<clinic_core::consultation::NoteRecord>,
            )>,
            StorageError,
        >,
    > + Send;
    /// Every message of a patient's conversations, oldest first.
    fn patient_messages(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<Vec<clinic_core::chat::MessageRecord>, StorageError>> + Send;
    /// A patient's reports and documents, newest first.
    fn patient_documents(
        &self,
        patient: clinic_core::PatientId,
    ) -> impl Future<Output = Result<Vec<clinic_core::chart::PatientDocument>, StorageError>> + Send;
    /// One document with its sealed blob.
    fn patient_document(
        &self,
        id: uuid::Uuid,
    ) -> impl Future<
        Output = Result<Option<(clinic_core::chart::PatientDocument, Vec<u8>)>, StorageError>,
    > + Send;
    /// The patient opened it (kept only the first time).
    fn mark_document_seen(
        &self,
        id: uuid::Uuid,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    fn start_upload(
        &self,
        upload: &UploadRow,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    fn upload(
        &self,
        id: uuid::Uuid,
    ) -> impl Future<Output = Result<Option<UploadRow>, StorageError>> + Send;
    /// Keep a chunk received at `offset` — only if the upload has exactly `offset` bytes so far
    /// (`false` otherwise: a chunk repeated or out of order).
    fn append_chunk(
        &self,
        id: uuid::Uuid,
        offset: u64,
        len: u64,
        sealed: &[u8],
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;
    /// An upload's sealed chunks in order, with their offsets.
    fn upload_chunks(
        &self,
        id: uuid::Uuid,
    ) -> impl Future<Output = Result<Vec<(i64, Vec<u8>)>, StorageError>> + Send;
    /// The whole file arrived and was checked: keep the blob and the document, drop the upload.
    fn finish_upload(
        &self,
        id: uuid::Uuid,
        document: &clinic_core::chart::PatientDocument,
        sealed: &[u8],
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    fn discard_upload(
        &self,
        id: uuid::Uuid,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// Drop unfinished uploads begun before `before_ms` (their pieces with them).
    fn expire_uploads(
        &self,
        before_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// How many unfinished uploads `account` has.
    fn open_uploads(
        &self,
        account: UserId,
    ) -> impl Future<Output = Result<i64, StorageError>> + Send;
    /// Keep a conversation's file: its blob (sealed; once per content) and its record.
    /// How many files an appointment's conversation keeps.
    fn attachment_count(
        &self,
        appointment: clinic_core::AppointmentId,
    ) -> impl Future<Output = Result<usize, StorageError>> + Send;
    fn save_attachment(
        &self,
        attachment: &clinic_core::chat::Attachment,
        patient: clinic_core::PatientId,
        sealed: &[u8],
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// A conversation's file with its patient and its sealed blob.
    fn attachment(
        &self,
        id: uuid::Uuid,
    ) -> impl Future<
        Output = Result<
            Option<(
                clinic_core::chat::Attachment,
                clinic_core::PatientId,
                Vec<u8>,
            )>,
            StorageError,
        >,
    > + Send;
    /// Keep a file a doctor uploaded (already checked).
    fn save_doctor_document(
        &self,
        document: &DoctorDocument,
        content: &[u8],
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// A doctor's files for one purpose, newest first (without their content).
    fn doctor_documents(
        &self,
        doctor: UserId,
        purpose: DocumentPurpose,
    ) -> impl Future<Output = Result<Vec<DoctorDocument>, StorageError>> + Send;
    /// One of a doctor's files with its content; `None` when that doctor has no such file.
    fn doctor_document(
        &self,
        doctor: UserId,
        id: uuid::Uuid,
    ) -> impl Future<Output = Result<Option<(DoctorDocument, Vec<u8>)>, StorageError>> + Send;
}

/// What became of a prescription write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrescriptionSaved {
    Saved,
    /// Its verification code belongs to another prescription (draw another).
    CodeTaken,
    /// It changed meanwhile: the stored one is no longer a draft, or another request saved
    /// this version first. Nothing was written.
    Changed,
}

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    pub id: uuid::Uuid,
    pub patient: clinic_core::PatientId,
    pub uploaded_by: UserId,
    pub start: clinic_core::chart::UploadStart,
    pub received: u64,
    pub created_at_ms: i64,
    /// The document it became, once whole.
    pub document: Option<uuid::Uuid>,
}

/// Appointments with their notes, from `(appointment record, note record)` rows.
pub(crate) fn visits_from_rows(
    rows: Vec<(String, Option<String>)>,
) -> Result<
    Vec<(
        clinic_core::appointment::AppointmentRecord,
        Option<clinic_core::consultation::NoteRecord>,
    )>,
    StorageError,
> {
    rows.into_iter()
        .map(|(a, n)| {
            Ok((
                crate::schedule::read_record("appointment", &a)?,
                n.map(|n| crate::schedule::read_record("consultation note", &n))
                    .transpose()?,
            ))
        })
        .collect()
}

/// A document's record with when the patient first opened it.
pub(crate) fn document_with_seen(
    record: &str,
    seen_ms: Option<i64>,
) -> Result<clinic_core::chart::PatientDocument, StorageError> {
    let mut document: clinic_core::chart::PatientDocument =
        crate::schedule::read_record("document", record)?;
    document.seen_by_patient_at = seen_ms.and_then(chrono::DateTime::from_timestamp_millis);
    Ok(document)
}

/// Append `$event` to the audit chain inside transaction `$tx`. The chain's last entry is read
/// with the row locked where the database can (PostgreSQL: the `change_head` row serialises
/// writers; SQLite allows one writer at a time anyway), so no two entries take the same place.
macro_rules! append_audit {
    ($tx:ident, $event:expr, $at_ms:expr, $key:expr) => {{
        let event: &$crate::audit::AuditEvent = $event;
        let key: Option<&$crate::audit::AuditKey> = $key;
        // Serialise appenders on the change-log head row (held briefly).
        sqlx::query("UPDATE change_head SET seq = seq WHERE id = 1")
            .execute(&mut *$tx)
            .await?;
        let last: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *$tx)
                .await?;
        let (seq, prev) = match last {
            Some((seq, hash)) => (seq + 1, hash),
            None => (1, $crate::audit::GENESIS.to_owned()),
        };
        let (hash, version) = match key {
            Some(key) => (key.entry_mac(&prev, seq, $at_ms, event), $crate::audit::KEYED),
            None => (
                $crate::audit::entry_hash(&prev, seq, $at_ms, event),
                $crate::audit::UNKEYED,
            ),
        };
        sqlx::query(
            "INSERT INTO audit_entry (seq, at, actor, role, action, subject, patient_id, prev_hash, hash,
               device, chain_version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(seq)
        .bind($at_ms)
        .bind(&event.actor)
        .bind(&event.role)
        .bind(&event.action)
        .bind(&event.subject)
        .bind(&event.patient)
        .bind(&prev)
        .bind(&hash)
        .bind(&event.device)
        .bind(version)
        .execute(&mut *$tx)
        .await?;
        // The signed head moves with the entry, in the same transaction.
        if let Some(key) = key {
            sqlx::query(
                "INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, $1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
                   mac = excluded.mac",
            )
            .bind(seq)
            .bind(&hash)
            .bind(key.head_mac(seq, &hash))
            .execute(&mut *$tx)
            .await?;
        }
    }};
}
pub(crate) use append_audit;

/// An audit entry as read from its row.
pub(crate) type AuditRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
);

pub(crate) fn audit_entry(
    (seq, at_ms, actor, role, action, subject, patient, prev_hash, hash, device, chain_version): AuditRow,
) -> crate::audit::AuditEntry {
    crate::audit::AuditEntry {
        seq,
        at_ms,
        actor,
        role,
        action,
        subject,
        patient,
        device,
        prev_hash,
        hash,
        chain_version,
    }
}

/// A new meeting room's name, from the operating system's random source.
pub(crate) fn new_room() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    clinic_core::meeting::room_name(bytes)
}

pub(crate) type DocumentRow = (
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    i64,
    String,
);

/// The columns of a [`DocumentRow`], for `concat!` (sqlx takes only static SQL).
macro_rules! document_columns {
    () => {
        "id, doctor_id, purpose, kind, size, sha256, file_name, uploaded_at, uploaded_by"
    };
}

pub(crate) fn document_from_row(
    (id, doctor, purpose, kind, size, sha256, file_name, at, by): DocumentRow,
) -> Result<DoctorDocument, StorageError> {
    fn word<T: serde::de::DeserializeOwned>(what: &str, text: String) -> Result<T, StorageError> {
        serde_json::from_value(serde_json::Value::String(text))
            .map_err(|_| StorageError::Corrupt(format!("document {what}")))
    }
    Ok(DoctorDocument {
        id: id
            .parse()
            .map_err(|_| StorageError::Corrupt(format!("document id {id:?}")))?,
        doctor: parse_id(&doctor)?,
        purpose: word("purpose", purpose)?,
        kind: word("kind", kind)?,
        size: size as u64,
        sha256,
        file_name,
        uploaded_at: chrono::DateTime::from_timestamp_millis(at)
            .ok_or_else(|| StorageError::Corrupt("document time".into()))?,
        uploaded_by: parse_id(&by)?,
    })
}

fn map_insert_error(e: sqlx::Error) -> StorageError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StorageError::EmailTaken,
        _ => StorageError::Database(e),
    }
}

fn parse_id(text: &str) -> Result<UserId, StorageError> {
    text.parse()
        .map_err(|_| StorageError::Corrupt(format!("account id {text:?}")))
}

type AccountRow = (String, String, String, String, String);

fn account_from_row(
    (id, email, display_name, role, password_hash): AccountRow,
) -> Result<StoredAccount, StorageError> {
    Ok(StoredAccount {
        id: parse_id(&id)?,
        email,
        display_name,
        role,
        password_hash,
    })
}

/// Implements [`Storage`] for a backend struct with a `pool` field. Both SQLite and PostgreSQL
/// accept `$1`-style parameters, BIGINT times and TEXT ids, so this SQL serves both.
macro_rules! shared_sql_storage {
    ($backend:ty, $name:literal, $migrator:expr) => {
        impl $crate::storage::Storage for $backend {
            fn backend(&self) -> &'static str {
                $name
            }

            async fn appointment(
                &self,
                id: clinic_core::AppointmentId,
            ) -> Result<Option<clinic_core::appointment::AppointmentRecord>, StorageError> {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT record FROM appointment WHERE id = $1")
                        .bind(id.to_string())
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|(text,)| $crate::schedule::read_record("appointment", &text))
                    .transpose()
            }

            async fn patient_account(
                &self,
                patient: clinic_core::PatientId,
            ) -> Result<Option<Option<UserId>>, StorageError> {
                let row: Option<(Option<String>,)> =
                    sqlx::query_as("SELECT account_id FROM patient WHERE id = $1")
                        .bind(patient.to_string())
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|(a,)| a.map(|a| parse_id(&a)).transpose()).transpose()
            }

            async fn note(
                &self,
                appointment: clinic_core::AppointmentId,
            ) -> Result<Option<clinic_core::consultation::NoteRecord>, StorageError> {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT record FROM consultation_note WHERE appointment_id = $1")
                        .bind(appointment.to_string())
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|(text,)| $crate::schedule::read_record("consultation note", &text))
                    .transpose()
            }

            async fn save_note(
                &self,
                record: &clinic_core::consultation::NoteRecord,
                event: &$crate::audit::AuditEvent,
                at_ms: i64,
            ) -> Result<(), StorageError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "INSERT INTO consultation_note (appointment_id, patient_id, doctor_id, record, updated_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (appointment_id) DO UPDATE SET record = excluded.record,
                       updated_at = excluded.updated_at",
                )
                .bind(record.appointment.to_string())
                .bind(record.patient.to_string())
                .bind(record.doctor.to_string())
                .bind($crate::schedule::write_record(record)?)
                .bind(at_ms)
                .execute(&mut *tx)
                .await?;
                $crate::storage::append_audit!(tx, event, at_ms, self.audit_key.get());
                tx.commit().await?;
                Ok(())
            }

            async fn consultations(
                &self,
                patient: clinic_core::PatientId,
            ) -> Result<
                Vec<(
                    clinic_core::appointment::AppointmentRecord,
                    Option<clinic_core::consultation::NoteRecord>,
                )>,
                StorageError,
            > {
                let rows: Vec<(String, Option<String>)> = sqlx::query_as(
                    "SELECT a.record, n.record FROM appointment a
                     LEFT JOIN consultation_note n ON n.appointment_id = a.id
                     WHERE a.patient_id = $1 AND a.status IN ('in_consultation', 'completed')
                     ORDER BY COALESCE(a.slot_start, a.booked_at) DESC",
                )
                .bind(patient.to_string())
                .fetch_all(&self.pool)
                .await?;
                $crate::storage::visits_from_rows(rows)
            }

            async fn cares_for(
                &self,
                doctor: UserId,
                patient: clinic_core::PatientId,
            ) -> Result<bool, StorageError> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT record FROM appointment WHERE doctor_id = $1 AND patient_id = $2",
                )
                .bind(doctor.to_string())
                .bind(patient.to_string())
                .fetch_all(&self.pool)
                .await?;
                let mut theirs = Vec::with_capacity(rows.len());
                for (text,) in rows {
                    theirs.push($crate::schedule::read_record("appointment", &text)?);
                }
                Ok(clinic_core::care::treats(doctor, &theirs))
            }

            async fn audit(
                &self,
                event: &$crate::audit::AuditEvent,
                at_ms: i64,
            ) -> Result<(), StorageError> {
                let mut tx = self.pool.begin().await?;
                $crate::storage::append_audit!(tx, event, at_ms, self.audit_key.get());
                tx.commit().await?;
                Ok(())
            }

            async fn audit_many(
                &self,
                events: &[$crate::audit::AuditEvent],
                at_ms: i64,
            ) -> Result<(), StorageError> {
                if events.is_empty() {
                    return Ok(());
                }
                let mut tx = self.pool.begin().await?;
                for event in events {
                    $crate::storage::append_audit!(tx, event, at_ms, self.audit_key.get());
                }
                tx.commit().await?;
                Ok(())
            }

            async fn charts_served(
                &self,
                actor: UserId,
                device: &str,
            ) -> Result<Vec<clinic_core::PatientId>, StorageError> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT DISTINCT patient_id FROM audit_entry
                     WHERE actor = $1 AND device = $2
                       AND action IN ('read_chart', 'prefetch_chart', 'break_glass')",
                )
                .bind(actor.to_string())
                .bind(device)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().filter_map(|(p,)| p.parse().ok()).collect())
            }

            async fn audit_entries_from(
                &self,
                from_seq: i64,
            ) -> Result<Vec<$crate::audit::AuditEntry>, StorageError> {
                let rows: Vec<$crate::storage::AuditRow> = sqlx::query_as(
                    "SELECT seq, at, actor, role, action, subject, patient_id, prev_hash, hash, device,
                            chain_version
                     FROM audit_entry WHERE seq >= $1 ORDER BY seq",
                )
                .bind(from_seq)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map($crate::storage::audit_entry).collect())
            }

            async fn audit_page(
                &self,
                filter: &$crate::audit::AuditFilter,
                limit: i64,
            ) -> Result<Vec<$crate::audit::AuditEntry>, StorageError> {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT seq, at, actor, role, action, subject, patient_id, prev_hash, hash, device,
                            chain_version
                     FROM audit_entry WHERE 1 = 1",
                );
                let wanted = |v: &Option<String>| {
                    v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
                };
                if let Some(patient) = wanted(&filter.patient) {
                    q.push(" AND patient_id = ").push_bind(patient);
                }
                if let Some(actor) = wanted(&filter.actor) {
                    q.push(" AND actor = ").push_bind(actor);
                }
                if let Some(action) = wanted(&filter.action) {
                    q.push(" AND action = ").push_bind(action);
                }
                if let Some(from) = filter.from_ms {
                    q.push(" AND at >= ").push_bind(from);
                }
                if let Some(to) = filter.to_ms {
                    q.push(" AND at <= ").push_bind(to);
                }
                if let Some(before) = filter.before {
                    q.push(" AND seq < ").push_bind(before);
                }
                q.push(" ORDER BY seq DESC LIMIT ").push_bind(limit);
                let rows: Vec<$crate::storage::AuditRow> =
                    q.build_query_as().fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map($crate::storage::audit_entry).collect())
            }

            async fn audit_count(&self) -> Result<i64, StorageError> {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_entry")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n)
            }

            async fn audit_key_fingerprint(&self) -> Result<Option<String>, StorageError> {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT fingerprint FROM audit_key_check WHERE id = 1")
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|(f,)| f))
            }

            async fn save_audit_key_fingerprint(&self, fingerprint: &str) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO audit_key_check (id, fingerprint) VALUES (1, $1)
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(fingerprint)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn audit_newest_version(&self) -> Result<Option<i64>, StorageError> {
                let row: Option<(i64,)> = sqlx::query_as(
                    "SELECT chain_version FROM audit_entry ORDER BY seq DESC LIMIT 1",
                )
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(v,)| v))
            }

            async fn audit_checkpoint(
                &self,
            ) -> Result<Option<$crate::audit::AuditHead>, StorageError> {
                let row: Option<(i64, String, String)> = sqlx::query_as(
                    "SELECT seq, hash, mac FROM audit_checkpoint ORDER BY seq DESC LIMIT 1",
                )
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(seq, hash, mac)| $crate::audit::AuditHead { seq, hash, mac }))
            }

            async fn save_audit_checkpoint(
                &self,
                c: &$crate::audit::AuditHead,
                at_ms: i64,
            ) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO audit_checkpoint (seq, hash, mac, at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (seq) DO NOTHING",
                )
                .bind(c.seq)
                .bind(&c.hash)
                .bind(&c.mac)
                .bind(at_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn audit_head(&self) -> Result<Option<$crate::audit::AuditHead>, StorageError> {
                let row: Option<(i64, String, String)> =
                    sqlx::query_as("SELECT seq, hash, mac FROM audit_head WHERE id = 1")
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|(seq, hash, mac)| $crate::audit::AuditHead { seq, hash, mac }))
            }

            fn audit_key(&self) -> Option<&$crate::audit::AuditKey> {
                self.audit_key.get()
            }

            fn set_audit_key(&self, key: $crate::audit::AuditKey) {
                let _ = self.audit_key.set(key);
            }

            async fn save_consent(
                &self,
                c: &clinic_core::consent::ConsentRecord,
            ) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO consent (id, patient_id, purpose, given, recorded_by, recorded_at, note)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(c.id.to_string())
                .bind(c.patient.to_string())
                .bind(c.purpose.as_str())
                .bind(match c.given {
                    clinic_core::consent::ConsentGiven::ByThePatient => "by_the_patient",
                    clinic_core::consent::ConsentGiven::Spoken => "spoken",
                })
                .bind(c.recorded_by.to_string())
                .bind(c.recorded_at.timestamp_millis())
                .bind(c.note.as_deref())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn consents(
                &self,
                patient: clinic_core::PatientId,
            ) -> Result<Vec<clinic_core::consent::ConsentRecord>, StorageError> {
                let rows: Vec<(String, String, String, String, i64, Option<String>)> = sqlx::query_as(
                    "SELECT id, purpose, given, recorded_by, recorded_at, note FROM consent
                     WHERE patient_id = $1 ORDER BY recorded_at DESC, id DESC",
                )
                .bind(patient.to_string())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(id, purpose, given, by, at, note)| {
                        let word = |w: String| serde_json::Value::String(w);
                        Ok(clinic_core::consent::ConsentRecord {
                            id: id.parse().map_err(|_| StorageError::Corrupt("consent id".into()))?,
                            patient,
                            purpose: serde_json::from_value(word(purpose))
                                .map_err(|_| StorageError::Corrupt("consent purpose".into()))?,
                            given: serde_json::from_value(word(given))
                                .map_err(|_| StorageError::Corrupt("consent given".into()))?,
                            recorded_by: parse_id(&by)?,
                            recorded_at: chrono::DateTime::from_timestamp_millis(at)
                                .ok_or_else(|| StorageError::Corrupt("consent time".into()))?,
                            note,
                        })
                    })
                    .collect()
            }

            async fn meeting_room(
                &self,
                appointment: clinic_core::AppointmentId,
                at_ms: i64,
            ) -> Result<String, StorageError> {
                sqlx::query(
                    "INSERT INTO meeting (appointment_id, room, created_at) VALUES ($1, $2, $3)
                     ON CONFLICT (appointment_id) DO NOTHING",
                )
                .bind(appointment.to_string())
                .bind($crate::storage::new_room())
                .bind(at_ms)
                .execute(&self.pool)
                .await?;
                let (room,): (String,) =
                    sqlx::query_as("SELECT room FROM meeting WHERE appointment_id = $1")
                        .bind(appointment.to_string())
                        .fetch_one(&self.pool)
                        .await?;
                Ok(room)
            }

            async fn patient_record(
                &self,
                patient: clinic_core::PatientId,
            ) -> Result<Option<clinic_core::sync::PatientRecord>, StorageError> {
                let row: Option<$crate::registry::PatientRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::registry::patient_columns!(),
                    " FROM patient WHERE id = $1"
                ))
                .bind(patient.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.map($crate::registry::record_from_row).transpose()
            }

            async fn clinical_summary(
                &self,
                patient: clinic_core::PatientId,
            ) -> Result<clinic_core::chart::ClinicalSummary, StorageError> {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT record FROM clinical_summary WHERE patient_id = $1")
                        .bind(patient.to_string())
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|(t,)| $crate::schedule::read_record("clinical summary", &t))
                    .transpose()
                    .map(Option::unwrap_or_default)
            }

            async fn save_clinical_summary(
                &self,
                patient: clinic_core::PatientId,
                summary: &clinic_core::chart::ClinicalSummary,
                by: UserId,
                at_ms: i64,
            ) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO clinical_summary (patient_id, record, updated_by, updated_at)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (patient_id) DO UPDATE SET record = excluded.record,
                       updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind(patient.to_string())
                .bind($crate::schedule::write_record(summary)?)
                .bind(by.to_string())
                .bind(at_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn appointment_prescriptions(
                &self,
                appointment: clinic_core::AppointmentId,
            ) -> Result<Vec<clinic_core::prescription::PrescriptionRecord>, StorageError> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT record FROM prescription WHERE appointment_id = $1
                     ORDER BY version DESC",
                )
                .bind(appointment.to_string())
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|(t,)| $crate::schedule::read_record("prescription", t))
                    .collect()
            }

            async fn patient_prescriptions(
                &self,
                patient: clinic_core::PatientId,
            ) -> Result<Vec<clinic_core::prescription::PrescriptionRecord>, StorageError> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT record FROM prescription WHERE patient_id = $1
                     ORDER BY updated_at DESC, version DESC",
                )
                .bind(patient.to_string())
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|(t,)| $crate::schedule::read_record("prescription", t))
                    .collect()
            }

            async fn save_prescription(
                &self,
                p: &clinic_core::prescription::PrescriptionRecord,
            ) -> Result<$crate::storage::PrescriptionSaved, StorageError> {
                use $crate::storage::PrescriptionSaved;
                use clinic_core::prescription::PrescriptionStatus;
                let status = match p.status {
                    PrescriptionStatus::Draft => "draft",
                    PrescriptionStatus::Issued => "issued",
                    PrescriptionStatus::Superseded => "superseded",
                };
                // The write comes first (a read first would make SQLite's transaction a reader
                // that cannot become the writer if another commits meanwhile); a code already
                // taken is the unique index's refusal.
                let mut tx = self.pool.begin().await?;
                let at = p.issued_at.unwrap_or(p.created_at).timestamp_millis();
                let written = sqlx::query(
                    "INSERT INTO prescription (id, appointment_id, patient_id, doctor_id, version,
                       status, code, record, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (id) DO UPDATE SET status = excluded.status,
                       code = excluded.code, record = excluded.record,
                       updated_at = excluded.updated_at
                     WHERE prescription.status = 'draft'",
                )
                .bind(p.id.to_string())
                .bind(p.appointment.to_string())
                .bind(p.patient.to_string())
                .bind(p.doctor.to_string())
                .bind(i64::from(p.version))
                .bind(status)
                .bind(p.code.as_deref())
                .bind($crate::schedule::write_record(p)?)
                .bind(at)
                .execute(&mut *tx)
                .await;
                match written {
                    Ok(done) if done.rows_affected() == 1 => {}
                    // The stored one is no longer a draft: nothing is written over it.
                    Ok(_) => return Ok(PrescriptionSaved::Changed),
                    // A code drawn at the same moment by another issue, or this version saved
                    // first by another request.
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        return Ok(if p.code.is_some() {
                            PrescriptionSaved::CodeTaken
                        } else {
                            PrescriptionSaved::Changed
                        });
                    }
                    Err(e) => return Err(e.into()),
                }
                if let (PrescriptionStatus::Issued, Some(old)) = (p.status, p.replaces) {
                    let row: Option<(String,)> =
                        sqlx::query_as("SELECT record FROM prescription WHERE id = $1")
                            .bind(old.to_string())
                            .fetch_optional(&mut *tx)
                            .await?;
                    if let Some((text,)) = row {
                        let mut previous: clinic_core::prescription::PrescriptionRecord =
                            $crate::schedule::read_record("prescription", &text)?;
                        previous.status = PrescriptionStatus::Superseded;
                        sqlx::query(
                            "UPDATE prescription SET status = 'superseded', record = $2
                             WHERE id = $1",
                        )
                        .bind(old.to_string())
                        .bind($crate::schedule::write_record(&previous)?)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(PrescriptionSaved::Saved)
            }

            async fn prescription_by_code(
                &self,
                code: &str,
            ) -> Result<Option<clinic_core::prescription::PrescriptionRecord>, StorageError> {
                let row: Option<(String,)> = sqlx::query_as(
                    "SELECT record FROM prescription WHERE code = $1 AND status <> 'draft'",
                )
                .bind(code)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|(t,)| $crate::schedule::read_record("prescription", &t))
                    .transpose()
            }

            async fn patient_visits(
                &self,
                patient: clinic_core::PatientId,
            ) -> Result<
                Vec<(
                    clinic_core::appointment::AppointmentRecord,
                    Option<clinic_core::consultation::NoteRecord>,
                )>,
                StorageError,
            > {
                let rows: Vec<(String, Option<String>)> = sqlx::query_as(
                    "SELECT a.record, n.record FROM appointment a
                     LEFT JOIN consultation_note n ON n.appointment_id = a.id
                     WHERE a.patient_id = $1",
                )
                .bind(patient.to_string())
                .fetch_all(&self.pool)
                .await?;
                $crate::storage::visits_from_rows(rows)
            }

            async fn patient_messages(
                &self,
                patient: clinic_core::PatientId,
            ) -> Result<Vec<clinic_core::chat::MessageRecord>, StorageError> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT record FROM message WHERE patient_id = $1 ORDER BY received_at, id",
                )
                .bind(patient.to_string())
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|(t,)| $crate::schedule::read_record("message", t))
                    .collect()
            }

            async fn patient_documents(
                &self,
                patient: clinic_core::PatientId,
            ) -> Result<Vec<clinic_core::chart::PatientDocument>, StorageError> {
                let rows: Vec<(String, Option<i64>)> = sqlx::query_as(
                    "SELECT record, seen_by_patient_at FROM patient_document WHERE patient_id = $1
                     ORDER BY uploaded_at DESC, id DESC",
                )
                .bind(patient.to_string())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(t, seen)| $crate::storage::document_with_seen(&t, seen))
                    .collect()
            }

            async fn patient_document(
                &self,
                id: uuid::Uuid,
            ) -> Result<Option<(clinic_core::chart::PatientDocument, Vec<u8>)>, StorageError> {
                let row: Option<(String, Option<i64>, Vec<u8>)> = sqlx::query_as(
                    "SELECT d.record, d.seen_by_patient_at, b.sealed FROM patient_document d
                     JOIN blob b ON b.sha256 = d.sha256 WHERE d.id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|(t, seen, sealed)| {
                    Ok(($crate::storage::document_with_seen(&t, seen)?, sealed))
                })
                .transpose()
            }

            async fn mark_document_seen(&self, id: uuid::Uuid, at_ms: i64) -> Result<(), StorageError> {
                sqlx::query(
                    "UPDATE patient_document SET seen_by_patient_at = $2
                     WHERE id = $1 AND seen_by_patient_at IS NULL",
                )
                .bind(id.to_string())
                .bind(at_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn start_upload(&self, u: &$crate::storage::UploadRow) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO upload (id, patient_id, uploaded_by, start, size, received, created_at)
                     VALUES ($1, $2, $3, $4, $5, 0, $6)",
                )
                .bind(u.id.to_string())
                .bind(u.patient.to_string())
                .bind(u.uploaded_by.to_string())
                .bind($crate::schedule::write_record(&u.start)?)
                .bind(u.start.size as i64)
                .bind(u.created_at_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn upload(
                &self,
                id: uuid::Uuid,
            ) -> Result<Option<$crate::storage::UploadRow>, StorageError> {
                let row: Option<(String, String, String, i64, i64, Option<String>)> = sqlx::query_as(
                    "SELECT patient_id, uploaded_by, start, received, created_at, document_id
                     FROM upload WHERE id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|(patient, by, start, received, created, document)| {
                    Ok($crate::storage::UploadRow {
                        id,
                        patient: patient
                            .parse()
                            .map_err(|_| StorageError::Corrupt("upload patient".into()))?,
                        uploaded_by: parse_id(&by)?,
                        start: $crate::schedule::read_record("upload", &start)?,
                        received: received as u64,
                        created_at_ms: created,
                        document: document.and_then(|d| d.parse().ok()),
                    })
                })
                .transpose()
            }

            async fn append_chunk(
                &self,
                id: uuid::Uuid,
                offset: u64,
                len: u64,
                sealed: &[u8],
            ) -> Result<bool, StorageError> {
                let mut tx = self.pool.begin().await?;
                let moved = sqlx::query(
                    "UPDATE upload SET received = $3 WHERE id = $1 AND received = $2",
                )
                .bind(id.to_string())
                .bind(offset as i64)
                .bind((offset + len) as i64)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if moved != 1 {
                    return Ok(false);
                }
                sqlx::query("INSERT INTO upload_chunk (upload_id, \"offset\", sealed) VALUES ($1, $2, $3)")
                    .bind(id.to_string())
                    .bind(offset as i64)
                    .bind(sealed)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn upload_chunks(&self, id: uuid::Uuid) -> Result<Vec<(i64, Vec<u8>)>, StorageError> {
                Ok(sqlx::query_as(
                    "SELECT \"offset\", sealed FROM upload_chunk WHERE upload_id = $1 ORDER BY \"offset\"",
                )
                .bind(id.to_string())
                .fetch_all(&self.pool)
                .await?)
            }

            async fn finish_upload(
                &self,
                id: uuid::Uuid,
                d: &clinic_core::chart::PatientDocument,
                sealed: &[u8],
            ) -> Result<(), StorageError> {
                let mut tx = self.pool.begin().await?;
                let at = d.uploaded_at.timestamp_millis();
                sqlx::query(
                    "INSERT INTO blob (sha256, size, sealed, created_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(&d.sha256)
                .bind(d.size as i64)
                .bind(sealed)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO patient_document (id, patient_id, sha256, record, uploaded_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(d.id.to_string())
                .bind(d.patient.to_string())
                .bind(&d.sha256)
                .bind($crate::schedule::write_record(d)?)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM upload_chunk WHERE upload_id = $1")
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE upload SET document_id = $2 WHERE id = $1")
                    .bind(id.to_string())
                    .bind(d.id.to_string())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn expire_uploads(&self, before_ms: i64) -> Result<(), StorageError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "DELETE FROM upload_chunk WHERE upload_id IN
                       (SELECT id FROM upload WHERE document_id IS NULL AND created_at < $1)",
                )
                .bind(before_ms)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM upload WHERE document_id IS NULL AND created_at < $1")
                    .bind(before_ms)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn open_uploads(&self, account: UserId) -> Result<i64, StorageError> {
                Ok(sqlx::query_scalar(
                    "SELECT COUNT(*) FROM upload WHERE uploaded_by = $1 AND document_id IS NULL",
                )
                .bind(account.to_string())
                .fetch_one(&self.pool)
                .await?)
            }

            async fn discard_upload(&self, id: uuid::Uuid) -> Result<(), StorageError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM upload_chunk WHERE upload_id = $1")
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM upload WHERE id = $1")
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn attachment_count(
                &self,
                appointment: clinic_core::AppointmentId,
            ) -> Result<usize, StorageError> {
                let (n,): (i64,) =
                    sqlx::query_as("SELECT COUNT(*) FROM attachment WHERE appointment_id = $1")
                        .bind(appointment.to_string())
                        .fetch_one(&self.pool)
                        .await?;
                Ok(n as usize)
            }

            async fn save_attachment(
                &self,
                a: &clinic_core::chat::Attachment,
                patient: clinic_core::PatientId,
                sealed: &[u8],
            ) -> Result<(), StorageError> {
                let mut tx = self.pool.begin().await?;
                let at = a.uploaded_at.timestamp_millis();
                sqlx::query(
                    "INSERT INTO blob (sha256, size, sealed, created_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(&a.sha256)
                .bind(a.size as i64)
                .bind(sealed)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO attachment (id, appointment_id, patient_id, sha256, record,
                       uploaded_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(a.id.to_string())
                .bind(a.appointment.to_string())
                .bind(patient.to_string())
                .bind(&a.sha256)
                .bind($crate::schedule::write_record(a)?)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn attachment(
                &self,
                id: uuid::Uuid,
            ) -> Result<
                Option<(clinic_core::chat::Attachment, clinic_core::PatientId, Vec<u8>)>,
                StorageError,
            > {
                let row: Option<(String, String, Vec<u8>)> = sqlx::query_as(
                    "SELECT a.record, a.patient_id, b.sealed FROM attachment a
                     JOIN blob b ON b.sha256 = a.sha256 WHERE a.id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|(record, patient, sealed)| {
                    Ok((
                        $crate::schedule::read_record("attachment", &record)?,
                        patient
                            .parse()
                            .map_err(|_| StorageError::Corrupt("attachment patient".into()))?,
                        sealed,
                    ))
                })
                .transpose()
            }

            async fn save_doctor_document(
                &self,
                d: &DoctorDocument,
                content: &[u8],
            ) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO doctor_document (id, doctor_id, purpose, kind, size, sha256,
                       file_name, content, uploaded_at, uploaded_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(d.id.to_string())
                .bind(d.doctor.to_string())
                .bind(d.purpose.as_str())
                .bind(d.kind.as_str())
                .bind(d.size as i64)
                .bind(&d.sha256)
                .bind(&d.file_name)
                .bind(content)
                .bind(d.uploaded_at.timestamp_millis())
                .bind(d.uploaded_by.to_string())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn doctor_documents(
                &self,
                doctor: UserId,
                purpose: DocumentPurpose,
            ) -> Result<Vec<DoctorDocument>, StorageError> {
                let rows: Vec<$crate::storage::DocumentRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    document_columns!(),
                    " FROM doctor_document WHERE doctor_id = $1 AND purpose = $2
                     ORDER BY uploaded_at DESC, id DESC"
                ))
                .bind(doctor.to_string())
                .bind(purpose.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map($crate::storage::document_from_row).collect()
            }

            async fn doctor_document(
                &self,
                doctor: UserId,
                id: uuid::Uuid,
            ) -> Result<Option<(DoctorDocument, Vec<u8>)>, StorageError> {
                let row: Option<($crate::storage::DocumentRow, Vec<u8>)> = sqlx::query_as::<_, (String, String, String, String, i64, String, String, i64, String, Vec<u8>)>(concat!(
                    "SELECT ",
                    document_columns!(),
                    ", content FROM doctor_document WHERE doctor_id = $1 AND id = $2"
                ))
                .bind(doctor.to_string())
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?
                .map(|(a, b, c, d, e, f, g, h, i, content)| ((a, b, c, d, e, f, g, h, i), content));
                row.map(|(r, content)| Ok(($crate::storage::document_from_row(r)?, content)))
                    .transpose()
            }

            async fn migrate(&self) -> Result<(), StorageError> {
                $migrator.run(&self.pool).await?;
                self.backfill_change_log().await?;
                self.backfill_doctors().await?;
                Ok(())
            }

            $crate::registry::registry_sql_methods!();

            async fn ping(&self) -> Result<(), StorageError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn count_accounts(&self) -> Result<i64, StorageError> {
                Ok(sqlx::query_scalar("SELECT count(*) FROM account").fetch_one(&self.pool).await?)
            }

            async fn create_account(
                &self,
                account: &NewAccount,
                patient: Option<&PatientDemographics>,
                doctor: Option<&DoctorRecord>,
            ) -> Result<(), StorageError> {
                let mut tx = self.pool.begin().await?;
                // A patient account joins the registry, a doctor the directory: lock the
                // change-log head first.
                let head: Option<(i64, i64)> = match (patient, doctor) {
                    (Some(_), _) | (_, Some(_)) => Some(
                        sqlx::query_as(
                            "UPDATE change_head SET seq = seq + 1,
                               next_server_serial = next_server_serial + 1
                             WHERE id = 1 RETURNING seq, next_server_serial - 1",
                        )
                        .fetch_one(&mut *tx)
                        .await?,
                    ),
                    (None, None) => None,
                };
                sqlx::query(
                    "INSERT INTO account (id, email, display_name, role, password_hash, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(account.id.to_string())
                .bind(&account.email)
                .bind(&account.display_name)
                .bind(account.role.as_str())
                .bind(&account.password_hash)
                .bind(account.created_at_ms)
                .execute(&mut *tx)
                .await
                .map_err(map_insert_error)?;
                if let (Some(p), Some((seq, first_serial))) = (patient, head) {
                    // The next free server number (a number is never reused, even one that got
                    // into the registry some other way).
                    let mut serial = first_serial;
                    let number = loop {
                        let number = clinic_core::sync::patient_number(
                            clinic_core::sync::SERVER_DESK_CODE,
                            u32::try_from(serial).unwrap_or(u32::MAX),
                        );
                        let taken: Option<(String,)> =
                            sqlx::query_as("SELECT id FROM patient WHERE patient_number = $1")
                                .bind(&number)
                                .fetch_optional(&mut *tx)
                                .await?;
                        if taken.is_none() {
                            break number;
                        }
                        serial += 1;
                    };
                    if serial != first_serial {
                        sqlx::query("UPDATE change_head SET next_server_serial = $1 WHERE id = 1")
                            .bind(serial + 1)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let record = clinic_core::sync::PatientRecord {
                        id: clinic_core::PatientId::from_uuid(*account.id.as_uuid()),
                        patient_number: number,
                        demographics: p.clone(),
                        account: Some(account.id),
                    };
                    sqlx::query(
                        "INSERT INTO patient (id, patient_number, account_id, full_name, sex,
                           date_of_birth, phone, email, address, emergency_contact, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    )
                    .bind(record.id.to_string())
                    .bind(&record.patient_number)
                    .bind(account.id.to_string())
                    .bind(&p.full_name)
                    .bind(p.sex.map(Sex::as_str))
                    .bind(p.date_of_birth.map(|d| d.to_string()))
                    .bind(&p.phone)
                    .bind(&p.email)
                    .bind(&p.address)
                    .bind(&p.emergency_contact)
                    .bind(account.created_at_ms)
                    .execute(&mut *tx)
                    .await?;
                    $crate::registry::append_change!(tx, seq, record, account.created_at_ms);
                }
                if let (Some(d), Some((seq, _))) = (doctor, head) {
                    $crate::registry::write_doctor!(tx, seq, d, account.created_at_ms);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn account_by_email(&self, email: &str) -> Result<Option<StoredAccount>, StorageError> {
                let row: Option<AccountRow> = sqlx::query_as(
                    "SELECT id, email, display_name, role, password_hash FROM account WHERE email = $1",
                )
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
                row.map(account_from_row).transpose()
            }

            async fn account_by_id(&self, id: UserId) -> Result<Option<StoredAccount>, StorageError> {
                let row: Option<AccountRow> = sqlx::query_as(
                    "SELECT id, email, display_name, role, password_hash FROM account WHERE id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.map(account_from_row).transpose()
            }

            async fn list_accounts(&self) -> Result<Vec<StoredAccount>, StorageError> {
                let rows: Vec<AccountRow> = sqlx::query_as(
                    "SELECT id, email, display_name, role, password_hash FROM account
                     ORDER BY role, display_name",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(account_from_row).collect()
            }

            async fn create_session(
                &self,
                token_hash: &str,
                account: UserId,
                device_name: Option<&str>,
                desk_code: Option<u32>,
                created_at_ms: i64,
                expires_at_ms: i64,
            ) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO session (token_hash, account_id, device_name, desk_code, created_at,
                       expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(token_hash)
                .bind(account.to_string())
                .bind(device_name)
                .bind(desk_code.map(i64::from))
                .bind(created_at_ms)
                .bind(expires_at_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session(&self, token_hash: &str) -> Result<Option<StoredSession>, StorageError> {
                #[allow(clippy::type_complexity)]
                let row: Option<(String, String, String, String, String, i64, Option<i64>, Option<String>, Option<i64>)> =
                    sqlx::query_as(
                        "SELECT a.id, a.email, a.display_name, a.role, a.password_hash,
                                s.expires_at, s.revoked_at, s.device_name, s.desk_code
                         FROM session s JOIN account a ON a.id = s.account_id
                         WHERE s.token_hash = $1",
                    )
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                let Some((id, email, name, role, hash, expires_at_ms, revoked_at, device_name, desk_code)) = row else {
                    return Ok(None);
                };
                Ok(Some(StoredSession {
                    account: account_from_row((id, email, name, role, hash))?,
                    expires_at_ms,
                    revoked: revoked_at.is_some(),
                    device_name,
                    desk_code: desk_code.and_then(|c| u32::try_from(c).ok()),
                }))
            }

            async fn revoke_session(&self, token_hash: &str, at_ms: i64) -> Result<(), StorageError> {
                sqlx::query(
                    "UPDATE session SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
                )
                .bind(at_ms)
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn patient_profile(&self, account: UserId) -> Result<Option<clinic_core::sync::PatientRecord>, StorageError> {
                let row: Option<$crate::registry::PatientRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::registry::patient_columns!(),
                    " FROM patient WHERE account_id = $1"
                ))
                .bind(account.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.map($crate::registry::record_from_row).transpose()
            }

            async fn update_patient_profile(
                &self,
                account: UserId,
                p: &PatientDemographics,
                at_ms: i64,
            ) -> Result<bool, StorageError> {
                let mut tx = self.pool.begin().await?;
                let (seq,): (i64,) = sqlx::query_as(
                    "UPDATE change_head SET seq = seq + 1 WHERE id = 1 RETURNING seq",
                )
                .fetch_one(&mut *tx)
                .await?;
                let updated = sqlx::query(
                    "UPDATE patient SET full_name = $1, sex = $2, date_of_birth = $3,
                       phone = $4, address = $5, emergency_contact = $6, updated_at = $7
                     WHERE account_id = $8",
                )
                .bind(&p.full_name)
                .bind(p.sex.map(Sex::as_str))
                .bind(p.date_of_birth.map(|d| d.to_string()))
                .bind(&p.phone)
                .bind(&p.address)
                .bind(&p.emergency_contact)
                .bind(at_ms)
                .bind(account.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if updated == 0 {
                    return Ok(false);
                }
                sqlx::query("UPDATE account SET display_name = $1 WHERE id = $2")
                    .bind(&p.full_name)
                    .bind(account.to_string())
                    .execute(&mut *tx)
                    .await?;
                let row: $crate::registry::PatientRow = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::registry::patient_columns!(),
                    " FROM patient WHERE account_id = $1"
                ))
                .bind(account.to_string())
                .fetch_one(&mut *tx)
                .await?;
                let record = $crate::registry::record_from_row(row)?;
                $crate::registry::append_change!(tx, seq, record, at_ms);
                tx.commit().await?;
                Ok(true)
            }

            async fn doctors(&self) -> Result<Vec<DoctorRecord>, StorageError> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT record FROM doctor")
                    .fetch_all(&self.pool)
                    .await?;
                let mut doctors = rows
                    .into_iter()
                    .map(|(text,)| $crate::schedule::read_record::<DoctorRecord>("doctor", &text))
                    .collect::<Result<Vec<_>, _>>()?;
                doctors.sort_by(|a, b| a.profile.display_name.cmp(&b.profile.display_name));
                Ok(doctors)
            }

            async fn doctor(&self, id: UserId) -> Result<Option<DoctorRecord>, StorageError> {
                let row: Option<(String,)> = sqlx::query_as("SELECT record FROM doctor WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|(text,)| $crate::schedule::read_record("doctor", &text)).transpose()
            }

            async fn save_doctor(&self, record: &DoctorRecord, at_ms: i64) -> Result<(), StorageError> {
                let mut tx = self.pool.begin().await?;
                let (seq,): (i64,) = sqlx::query_as(
                    "UPDATE change_head SET seq = seq + 1 WHERE id = 1 RETURNING seq",
                )
                .fetch_one(&mut *tx)
                .await?;
                $crate::registry::write_doctor!(tx, seq, record, at_ms);
                tx.commit().await?;
                Ok(())
            }

            async fn busy(
                &self,
                doctor: Option<UserId>,
                from: chrono::DateTime<chrono::Utc>,
                to: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<clinic_core::availability::Busy>, StorageError> {
                let rows: Vec<(String, i64, i64)> = sqlx::query_as(concat!(
                    "SELECT doctor_id, slot_start, slot_end FROM appointment
                     WHERE (CAST($1 AS TEXT) IS NULL OR doctor_id = $1) AND slot_start >= $2 AND slot_start < $3
                       AND status IN ",
                    $crate::schedule::slot_holding!(),
                    " ORDER BY doctor_id, slot_start"
                ))
                .bind(doctor.map(|d| d.to_string()))
                .bind(from.timestamp_millis())
                .bind(to.timestamp_millis())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(doctor, s, e)| {
                        Ok(clinic_core::availability::Busy {
                            doctor: parse_id(&doctor)?,
                            start: $crate::schedule::from_millis(s)?,
                            end: $crate::schedule::from_millis(e)?,
                        })
                    })
                    .collect()
            }

            async fn backfill_doctors(&self) -> Result<u64, StorageError> {
                let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
                    "SELECT a.id, a.display_name, d.specialty, d.weekly_hours, a.created_at
                     FROM doctor_profile d JOIN account a ON a.id = d.account_id
                     WHERE d.account_id NOT IN (SELECT id FROM doctor)",
                )
                .fetch_all(&self.pool)
                .await?;
                let moved = rows.len() as u64;
                for (id, name, specialty, hours, created_at) in rows {
                    let hours: Vec<WorkingHours> = serde_json::from_str(&hours)
                        .map_err(|e| StorageError::Corrupt(format!("weekly hours: {e}")))?;
                    let id = parse_id(&id)?;
                    // Doctors of the first schema were made by an admin: they count as verified.
                    let record = DoctorRecord {
                        id,
                        profile: clinic_core::doctor::DoctorProfile {
                            display_name: name,
                            specialty,
                            qualifications: String::new(),
                            registration_number: String::new(),
                            experience_years: 0,
                            city: String::new(),
                            languages: vec![],
                            fees: clinic_core::doctor::Fees { in_person: 0, video: 0 },
                            bio: String::new(),
                        },
                        verification: clinic_core::doctor::Verification::Verified,
                        pattern: clinic_core::availability::WorkingPattern {
                            doctor: id,
                            weekly: clinic_core::doctor::weekly_sessions(&hours),
                            in_person_minutes: 15,
                            video_minutes: 15,
                            buffer_minutes: 0,
                            daily_cap: None,
                            leave: vec![],
                            exceptions: vec![],
                        },
                    };
                    self.save_doctor(&record, created_at).await?;
                }
                Ok(moved)
            }
        }
    };
}

/// The embedded default: one SQLite file in the data folder.
#[derive(Clone)]
pub struct SqliteStorage {
    pub pool: sqlx::SqlitePool,
    /// The audit key (see [`crate::audit`]), set by `serve` at start.
    pub audit_key: std::sync::Arc<std::sync::OnceLock<crate::audit::AuditKey>>,
}

/// A clinic network's shared database.
#[derive(Clone)]
pub struct PostgresStorage {
    pub pool: sqlx::PgPool,
    /// The audit key (see [`crate::audit`]), set by `serve` at start.
    pub audit_key: std::sync::Arc<std::sync::OnceLock<crate::audit::AuditKey>>,
}

impl SqliteStorage {
    pub async fn connect(path: &std::path::Path) -> Result<Self, StorageError> {
        use sqlx::sqlite::{
            SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
        };
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Self {
            pool,
            audit_key: Default::default(),
        })
    }
}

impl PostgresStorage {
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(std::time::Duration::from_secs(5))
            .connect(url)
            .await?;
        Ok(Self {
            pool,
            audit_key: Default::default(),
        })
    }
}

shared_sql_storage!(
    SqliteStorage,
    "sqlite",
    sqlx::migrate!("../migrations/server/sqlite")
);
shared_sql_storage!(
    PostgresStorage,
    "postgres",
    sqlx::migrate!("../migrations/server/postgres")
);
