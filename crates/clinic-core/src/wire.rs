//! The sync server's HTTP API, version 1: request and response bodies and error codes.
//! These are deliberate wire types, not internal structs: change them only with a new version.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{FieldError, Sex};
use crate::{Role, UserId};

/// Every path of this API starts with this prefix.
pub const API_PREFIX: &str = "/api/v1";
pub const API_VERSION: u32 = 1;

/// Stable error codes shared by the server API and the desk's IPC. The UI branches on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Email or password wrong; never says which, nor whether the account exists.
    InvalidCredentials,
    TooManyAttempts,
    /// One or more fields are wrong: see `fields`.
    Validation,
    NotSignedIn,
    SessionExpired,
    Forbidden,
    BadRequest,
    PayloadTooLarge,
    NotFound,
    /// What was asked cannot be done in the state things are in (a closed call, say).
    Conflict,
    /// The patient has not agreed to this (a video consultation, keeping uploads): ask them.
    ConsentRequired,
    Internal,
    /// Desk only: the sync server did not answer.
    ServerUnreachable,
    /// Desk only: the local encrypted store could not be opened.
    StoreUnavailable,
    /// Desk only: a staff account signing in to the patient build.
    StaffInPatientApp,
    /// Desk only: a patient account signing in to the staff build.
    PatientInStaffApp,
    /// Desk only: the screen is locked; unlock with the password first.
    Locked,
    /// Desk only: the call would use this computer's camera and microphone, which the user has
    /// not allowed for the clinic's video server yet; `message` is that server's address. Ask,
    /// then join again with `allow_media`.
    MediaPermissionNeeded,
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// A sentence a receptionist understands.
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub api_version: u32,
    /// "sqlite" or "postgres".
    pub database: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
    /// A name for the device, shown in session lists ("Reception 1").
    #[serde(default)]
    pub device_name: Option<String>,
    /// The device's own id (one per encrypted store): a staff desk gets its desk code for it.
    #[serde(default)]
    pub device_id: Option<uuid::Uuid>,
}

/// Who an account belongs to, as shown to that person and to admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// A new session: the bearer token is shown once and stored only as a hash on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionGrant {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub account: AccountView,
    /// For a staff desk that sent its device id: the code it numbers new patients with.
    #[serde(default)]
    pub desk_code: Option<u32>,
    /// The clinic's rule for locking an idle desk.
    #[serde(default)]
    pub lock_after_seconds: Option<u32>,
    /// The clinic's time zone (IANA name): appointments' clinic days are read on its clock.
    #[serde(default)]
    pub clinic_time_zone: Option<String>,
    /// The clinic's currency (ISO 4217): what the desk bills in, offline too.
    #[serde(default)]
    pub clinic_currency: Option<String>,
    /// The clinic as printed on its invoices and receipts (kept by the desk, for printing
    /// offline).
    #[serde(default)]
    pub clinic: Option<crate::prescription::ClinicHeader>,
    /// The clinic lets the front desk take part in conversations.
    #[serde(default)]
    pub desk_in_conversations: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientProfileView {
    pub id: UserId,
    pub full_name: String,
    pub sex: Option<Sex>,
    pub date_of_birth: Option<NaiveDate>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub emergency_contact: Option<String>,
    /// The patient's number in the clinic's registry.
    #[serde(default)]
    pub patient_number: Option<String>,
}

/// `GET /api/v1/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub account: AccountView,
    pub session_expires_at: DateTime<Utc>,
    /// Present for patients.
    pub patient_profile: Option<PatientProfileView>,
}

/// One weekday's opening hours of a doctor, in the clinic's local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHours {
    pub weekday: chrono::Weekday,
    pub start: chrono::NaiveTime,
    pub end: chrono::NaiveTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorView {
    pub id: UserId,
    pub display_name: String,
    pub specialty: String,
    pub weekly_hours: Vec<WorkingHours>,
}

/// An entry of the audit of health data, as stored (hash-chained).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub subject: String,
    pub patient: String,
    /// The device it came from (the name it signed in with); empty when unknown.
    #[serde(default)]
    pub device: String,
    pub prev_hash: String,
    pub hash: String,
    /// 1: sealed with SHA-256 alone (before the audit key); 2: with the audit key (HMAC).
    #[serde(default = "unkeyed")]
    pub chain_version: i64,
}

fn unkeyed() -> i64 {
    1
}

/// The viewer's answer: the entries found, and whether the whole chain is intact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// `None` when the chain is whole; otherwise where it breaks, in words.
    pub chain_broken: Option<String>,
    /// How many entries the chain holds.
    pub total: usize,
    /// Names for the ids in the entries shown: accounts, and patients (name · number).
    pub names: std::collections::BTreeMap<String, String>,
    /// More entries lie below this one: ask again with `before` set to it.
    #[serde(default)]
    pub older_than: Option<i64>,
    /// The chain was checked from this entry on (1: from its first; otherwise from the newest
    /// signed checkpoint, where an earlier view found it intact).
    #[serde(default = "first_entry")]
    pub checked_from: i64,
}

fn first_entry() -> i64 {
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_snake_case_on_the_wire() {
        let body = ErrorBody {
            code: ErrorCode::TooManyAttempts,
            message: "wait".into(),
            fields: vec![],
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"code": "too_many_attempts", "message": "wait"})
        );
    }
}
