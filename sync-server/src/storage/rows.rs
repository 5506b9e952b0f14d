//! Rows as the server's tables hold them, read into the core's records and written from them
//! (records are kept as JSON, times as milliseconds, ids as text). Shared by both backends.

use chrono::{DateTime, Utc};
use clinic_core::account::{PatientDemographics, Sex};
use clinic_core::doctor::DoctorDocument;
use clinic_core::sync::{ChangeBody, PatientRecord};
use clinic_core::UserId;

use super::{StorageError, StoredAccount};

/// The statuses that hold a slot, as the index's predicate lists them (a macro, so queries stay
/// string literals). Must match `clinic_core::appointment::Status::holds_slot`.
macro_rules! slot_holding {
    () => {
        "('requested', 'confirmed', 'checked_in', 'in_consultation')"
    };
}
pub(crate) use slot_holding;

pub(crate) fn read_record<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, StorageError> {
    serde_json::from_str(text).map_err(|e| StorageError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn write_record<T: serde::Serialize>(record: &T) -> Result<String, StorageError> {
    serde_json::to_string(record).map_err(|e| StorageError::Corrupt(e.to_string()))
}

pub(crate) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> Result<DateTime<Utc>, StorageError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StorageError::Corrupt(format!("time {ms}")))
}

/// A patient row as selected by `patient_columns!()`.
pub(crate) type PatientRow = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The columns a [`PatientRow`] is read from (a macro, so queries stay string literals).
macro_rules! patient_columns {
    () => {
        "id, patient_number, account_id, full_name, sex, date_of_birth, phone, email, address, \
         emergency_contact"
    };
}
pub(crate) use patient_columns;

pub(crate) fn record_from_row(row: PatientRow) -> Result<PatientRecord, StorageError> {
    let (id, patient_number, account, full_name, sex, born, phone, email, address, emergency) = row;
    let date_of_birth = match born {
        Some(text) => Some(
            chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map_err(|_| StorageError::Corrupt(format!("date of birth {text:?}")))?,
        ),
        None => None,
    };
    Ok(PatientRecord {
        id: id
            .parse()
            .map_err(|_| StorageError::Corrupt(format!("patient id {id:?}")))?,
        patient_number,
        account: account
            .map(|a| a.parse::<UserId>())
            .transpose()
            .map_err(|_| StorageError::Corrupt("patient account id".to_owned()))?,
        demographics: PatientDemographics {
            full_name,
            sex: sex.as_deref().and_then(Sex::from_name),
            date_of_birth,
            phone,
            email,
            address,
            emergency_contact: emergency,
        },
    })
}

pub(crate) fn encode_body(record: &PatientRecord) -> Result<String, StorageError> {
    serde_json::to_string(&ChangeBody::Patient(record.clone()))
        .map_err(|e| StorageError::Corrupt(e.to_string()))
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
                read_record("appointment", &a)?,
                n.map(|n| read_record("consultation note", &n))
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
    let mut document: clinic_core::chart::PatientDocument = read_record("document", record)?;
    document.seen_by_patient_at = seen_ms.and_then(chrono::DateTime::from_timestamp_millis);
    Ok(document)
}

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
pub(crate) use document_columns;

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

pub(crate) fn map_insert_error(e: sqlx::Error) -> StorageError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StorageError::EmailTaken,
        _ => StorageError::Database(e),
    }
}

pub(crate) fn parse_id(text: &str) -> Result<UserId, StorageError> {
    text.parse()
        .map_err(|_| StorageError::Corrupt(format!("account id {text:?}")))
}

pub(crate) type AccountRow = (String, String, String, String, String);

pub(crate) fn account_from_row(
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

#[cfg(test)]
mod tests {
    use clinic_core::appointment::Status;

    #[test]
    fn the_slot_index_lists_exactly_the_statuses_that_hold_a_slot() {
        use Status::*;
        for status in [
            Requested,
            Confirmed,
            Rejected,
            CheckedIn,
            InConsultation,
            Completed,
            Cancelled,
            NoShow,
            Rescheduled,
        ] {
            let listed = slot_holding!().contains(&format!("'{}'", status.as_str()));
            assert_eq!(listed, status.holds_slot(), "{status:?}");
        }
        for sql in [
            include_str!("../../../migrations/server/sqlite/0003_doctors_and_appointments.sql"),
            include_str!("../../../migrations/server/postgres/0003_doctors_and_appointments.sql"),
        ] {
            let predicate = sql.split("WHERE status IN ").nth(1).unwrap();
            assert!(predicate.starts_with(slot_holding!()), "{predicate}");
        }
    }
}
