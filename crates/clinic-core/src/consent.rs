//! A patient's consent: who agreed, when, to what. A video consultation does not start, and a
//! patient's uploaded record is not stored, without it. The patient gives it themself (in the
//! patient build), or a doctor or the front desk records that the patient agreed in person or by
//! phone — then the record says who recorded it, and how.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{FieldError, FieldProblem};
use crate::{PatientId, UserId};

/// What the patient agrees to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentPurpose {
    /// Consultations by video call: the call, and what is said and shown in it.
    VideoConsultation,
    /// Keeping the reports and documents the patient or their doctor uploads.
    StoreUploadedRecords,
}

impl ConsentPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentPurpose::VideoConsultation => "video_consultation",
            ConsentPurpose::StoreUploadedRecords => "store_uploaded_records",
        }
    }
}

/// How the consent reached the clinic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentGiven {
    /// The patient agreed in the patient build, signed in as themself.
    ByThePatient,
    /// The patient said so to a member of staff, who recorded it.
    Spoken,
}

/// A consent as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    pub id: uuid::Uuid,
    pub patient: PatientId,
    pub purpose: ConsentPurpose,
    pub given: ConsentGiven,
    /// The account that recorded it: the patient's own, or the staff member's.
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
    /// For spoken consent: where and how ("by phone, 24.11., daughter present").
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/v1/patients/{id}/consents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentForm {
    pub purpose: ConsentPurpose,
    #[serde(default)]
    pub note: Option<String>,
}

pub const CONSENT_NOTE_MAX_CHARS: usize = 300;

impl ConsentForm {
    /// A member of staff says how the patient agreed; the patient needs to say nothing.
    pub fn check(&self, spoken: bool) -> Result<(), Vec<FieldError>> {
        let note = self.note.as_deref().map(str::trim).unwrap_or("");
        if spoken && note.is_empty() {
            return Err(vec![FieldError::new("note", FieldProblem::Required)]);
        }
        if note.chars().count() > CONSENT_NOTE_MAX_CHARS {
            return Err(vec![FieldError::new(
                "note",
                FieldProblem::TooLong {
                    max: CONSENT_NOTE_MAX_CHARS,
                },
            )]);
        }
        if note.chars().any(char::is_control) {
            return Err(vec![FieldError::new(
                "note",
                FieldProblem::InvalidCharacters,
            )]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_say_how_the_patient_agreed() {
        let bare = ConsentForm {
            purpose: ConsentPurpose::VideoConsultation,
            note: None,
        };
        assert!(
            bare.check(false).is_ok(),
            "the patient's own click is enough"
        );
        assert_eq!(
            bare.check(true).unwrap_err()[0].problem,
            FieldProblem::Required
        );
        let noted = ConsentForm {
            note: Some("By phone, 24.11.".into()),
            ..bare.clone()
        };
        assert!(noted.check(true).is_ok());
        let long = ConsentForm {
            note: Some("x".repeat(301)),
            ..bare
        };
        assert!(matches!(
            long.check(true).unwrap_err()[0].problem,
            FieldProblem::TooLong { .. }
        ));
    }
}
