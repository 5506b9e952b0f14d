//! An admin's decision on a doctor's credentials, and what a profile edit does to it.

use crate::account::{FieldError, FieldProblem};

use super::{DoctorProfile, DoctorRecord, Verification};

/// The most a rejection's reason says.
pub const REJECTION_REASON_MAX_CHARS: usize = 500;

impl Verification {
    pub fn is_verified(&self) -> bool {
        matches!(self, Verification::Verified)
    }

    /// An admin's decision as sent: a rejection says why, in plain text (line breaks allowed).
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let Verification::Rejected { reason } = self else {
            return Ok(());
        };
        let problem = if reason.chars().any(|c| c.is_control() && c != '\n') {
            FieldProblem::InvalidCharacters
        } else if reason.trim().is_empty() {
            FieldProblem::Required
        } else if reason.trim().chars().count() > REJECTION_REASON_MAX_CHARS {
            FieldProblem::TooLong {
                max: REJECTION_REASON_MAX_CHARS,
            }
        } else {
            return Ok(());
        };
        Err(vec![FieldError::new("reason", problem)])
    }

    /// The verification a doctor keeps after editing their profile from `before` to `after`.
    /// What an admin verified — the name, the specialty, the qualifications and the
    /// registration number, all printed on prescriptions — is checked again when it changes;
    /// the rest (city, fees, languages, bio, photo) keeps the verification.
    pub fn after_edit(before: Option<&DoctorRecord>, after: &DoctorProfile) -> Verification {
        match before {
            Some(old)
                if old.profile.display_name == after.display_name
                    && old.profile.specialty == after.specialty
                    && old.profile.qualifications == after.qualifications
                    && old.profile.registration_number == after.registration_number =>
            {
                old.verification.clone()
            }
            _ => Verification::Pending,
        }
    }
}
