//! What a doctor writes in a consultation: SOAP notes and vitals, each vital with its unit and a
//! plausible range (a typo like a pulse of 700 is caught, not stored). While the consultation
//! runs the note is a draft the doctor may rewrite; once the consultation is completed the note
//! is locked, and a later change is an *amendment*: the original stays, and each amendment says
//! who changed what, when, and why.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{FieldError, FieldProblem};
use crate::appointment::Status;
use crate::{AppointmentId, PatientId, UserId};

/// Vitals as measured. Temperatures in tenths of a degree Celsius and weights in tenths of a
/// kilogram, so no rounding happens on the way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vitals {
    /// Blood pressure, mmHg.
    #[serde(default)]
    pub systolic_mmhg: Option<u16>,
    #[serde(default)]
    pub diastolic_mmhg: Option<u16>,
    /// Beats per minute.
    #[serde(default)]
    pub pulse_bpm: Option<u16>,
    /// Tenths of °C: 371 is 37.1 °C.
    #[serde(default)]
    pub temperature_decidegrees_c: Option<u16>,
    /// Tenths of a kilogram: 652 is 65.2 kg.
    #[serde(default)]
    pub weight_decikilograms: Option<u32>,
    /// Oxygen saturation, percent.
    #[serde(default)]
    pub spo2_percent: Option<u8>,
}

/// The plausible range of each vital, as the form shows them (inclusive).
pub const SYSTOLIC_MMHG: (u16, u16) = (50, 260);
pub const DIASTOLIC_MMHG: (u16, u16) = (30, 160);
pub const PULSE_BPM: (u16, u16) = (20, 250);
pub const TEMPERATURE_DECIDEGREES_C: (u16, u16) = (300, 450);
pub const WEIGHT_DECIKILOGRAMS: (u32, u32) = (5, 4000);
pub const SPO2_PERCENT: (u8, u8) = (50, 100);

fn in_range<T: PartialOrd + Into<u64> + Copy>(
    field: &str,
    value: Option<T>,
    (min, max): (T, T),
    out: &mut Vec<FieldError>,
) {
    if let Some(v) = value {
        if v < min || v > max {
            out.push(FieldError::new(
                field,
                FieldProblem::OutOfRange {
                    min: min.into(),
                    max: max.into(),
                },
            ));
        }
    }
}

impl Vitals {
    pub fn check(&self, out: &mut Vec<FieldError>) {
        in_range("systolic_mmhg", self.systolic_mmhg, SYSTOLIC_MMHG, out);
        in_range("diastolic_mmhg", self.diastolic_mmhg, DIASTOLIC_MMHG, out);
        in_range("pulse_bpm", self.pulse_bpm, PULSE_BPM, out);
        in_range(
            "temperature_decidegrees_c",
            self.temperature_decidegrees_c,
            TEMPERATURE_DECIDEGREES_C,
            out,
        );
        in_range(
            "weight_decikilograms",
            self.weight_decikilograms,
            WEIGHT_DECIKILOGRAMS,
            out,
        );
        in_range("spo2_percent", self.spo2_percent, SPO2_PERCENT, out);
        match (self.systolic_mmhg, self.diastolic_mmhg) {
            (Some(s), Some(d)) if d >= s => out.push(FieldError::new(
                "diastolic_mmhg",
                FieldProblem::NotBelowSystolic,
            )),
            (Some(_), None) => out.push(FieldError::new("diastolic_mmhg", FieldProblem::Required)),
            (None, Some(_)) => out.push(FieldError::new("systolic_mmhg", FieldProblem::Required)),
            _ => {}
        }
    }
}

/// Read a decimal a person typed ("37.4", "37,4", "৩৭.৪") as tenths: `Some(374)`.
pub fn tenths(text: &str) -> Option<u32> {
    let text: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '০'..='৯' => char::from(b'0' + (c as u32 - '০' as u32) as u8),
            ',' => '.',
            c => c,
        })
        .collect();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty() || fraction.len() > 1 || !whole.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let fraction: u32 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().ok()?
    };
    whole.checked_mul(10)?.checked_add(fraction)
}

/// Write tenths as a person reads them: `374` is "37.4".
pub fn show_tenths(value: u32) -> String {
    format!("{}.{}", value / 10, value % 10)
}

/// SOAP notes and the vitals of one consultation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultationNote {
    /// What the patient tells.
    #[serde(default)]
    pub subjective: String,
    /// What the doctor finds.
    #[serde(default)]
    pub objective: String,
    #[serde(default)]
    pub assessment: String,
    #[serde(default)]
    pub plan: String,
    #[serde(default)]
    pub vitals: Vitals,
}

pub const NOTE_SECTION_MAX_CHARS: usize = 10_000;
pub const AMENDMENT_REASON_MAX_CHARS: usize = 500;

impl ConsultationNote {
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut out = Vec::new();
        for (field, text) in [
            ("subjective", &self.subjective),
            ("objective", &self.objective),
            ("assessment", &self.assessment),
            ("plan", &self.plan),
        ] {
            if text.chars().count() > NOTE_SECTION_MAX_CHARS {
                out.push(FieldError::new(
                    field,
                    FieldProblem::TooLong {
                        max: NOTE_SECTION_MAX_CHARS,
                    },
                ));
            } else if text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
            {
                out.push(FieldError::new(field, FieldProblem::InvalidCharacters));
            }
        }
        self.vitals.check(&mut out);
        if out.is_empty() {
            Ok(())
        } else {
            Err(out)
        }
    }

    /// The sections that differ from `before`, by name: what an amendment changed.
    pub fn changed_from(&self, before: &ConsultationNote) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (name, a, b) in [
            ("subjective", &before.subjective, &self.subjective),
            ("objective", &before.objective, &self.objective),
            ("assessment", &before.assessment, &self.assessment),
            ("plan", &before.plan, &self.plan),
        ] {
            if a != b {
                out.push(name);
            }
        }
        if before.vitals != self.vitals {
            out.push("vitals");
        }
        out
    }
}

/// A change to a locked note: the whole new version, who made it, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub note: ConsultationNote,
    pub by: UserId,
    pub at: DateTime<Utc>,
    pub reason: String,
    /// The sections it changed from the version before it.
    pub changed: Vec<String>,
}

/// A consultation's note as kept: the note as it stood when the consultation was completed (or
/// the draft, while it runs), and the amendments after it, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteRecord {
    pub appointment: AppointmentId,
    pub patient: PatientId,
    pub doctor: UserId,
    pub note: ConsultationNote,
    pub written_at: DateTime<Utc>,
    /// Set when the consultation completed: from then on, only amendments.
    #[serde(default)]
    pub locked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub amendments: Vec<Amendment>,
}

/// Why a note cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteRefused {
    #[error("Notes are written during the consultation: start it first.")]
    NotStarted,
    #[error("This appointment did not take place (cancelled, rejected, moved or missed): it has no notes.")]
    NoConsultation,
    #[error("The consultation is completed, so its note is locked: say why you are changing it, and the change is kept as an amendment beside the original.")]
    ReasonRequired,
    #[error("Some fields need attention.")]
    Invalid(Vec<FieldError>),
}

/// Whether an appointment's status lets its note be written as a draft, only amended, or not at
/// all.
pub fn note_state(status: Status) -> Result<bool, NoteRefused> {
    match status {
        Status::InConsultation => Ok(false),
        Status::Completed => Ok(true),
        Status::Requested | Status::Confirmed | Status::CheckedIn => Err(NoteRefused::NotStarted),
        Status::Cancelled | Status::Rejected | Status::Rescheduled | Status::NoShow => {
            Err(NoteRefused::NoConsultation)
        }
    }
}

impl NoteRecord {
    /// The note as it reads now: the last amendment's version, or the original.
    pub fn current(&self) -> &ConsultationNote {
        self.amendments
            .last()
            .map_or(&self.note, |amendment| &amendment.note)
    }

    /// Write `note` on a consultation whose status is `status`: a draft is replaced; a locked
    /// note (completed consultation) keeps its original and gains an amendment, which needs a
    /// reason. Never an overwrite of a locked note.
    pub fn write(
        existing: Option<NoteRecord>,
        ids: (AppointmentId, PatientId, UserId),
        status: Status,
        note: ConsultationNote,
        reason: Option<&str>,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<NoteRecord, NoteRefused> {
        note.check().map_err(NoteRefused::Invalid)?;
        let locked = note_state(status)?;
        let (appointment, patient, doctor) = ids;
        match existing {
            Some(mut record) if locked => {
                let reason = reason.map(str::trim).filter(|r| !r.is_empty());
                let Some(reason) = reason else {
                    return Err(NoteRefused::ReasonRequired);
                };
                if reason.chars().count() > AMENDMENT_REASON_MAX_CHARS {
                    return Err(NoteRefused::Invalid(vec![FieldError::new(
                        "reason",
                        FieldProblem::TooLong {
                            max: AMENDMENT_REASON_MAX_CHARS,
                        },
                    )]));
                }
                let changed = note
                    .changed_from(record.current())
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                record.locked_at.get_or_insert(at);
                record.amendments.push(Amendment {
                    note,
                    by,
                    at,
                    reason: reason.to_owned(),
                    changed,
                });
                Ok(record)
            }
            Some(mut record) => {
                record.note = note;
                record.written_at = at;
                Ok(record)
            }
            // A first note after completion is the original (written late), locked at once.
            None => Ok(NoteRecord {
                appointment,
                patient,
                doctor,
                note,
                written_at: at,
                locked_at: locked.then_some(at),
                amendments: Vec::new(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 10, m, 0).unwrap()
    }

    fn ids() -> (AppointmentId, PatientId, UserId) {
        (
            uuid::Uuid::from_u128(1).to_string().parse().unwrap(),
            uuid::Uuid::from_u128(2).to_string().parse().unwrap(),
            UserId::from_uuid(uuid::Uuid::from_u128(3)),
        )
    }

    fn note(plan: &str) -> ConsultationNote {
        ConsultationNote {
            subjective: "Fever for three days".into(),
            plan: plan.into(),
            vitals: Vitals {
                systolic_mmhg: Some(120),
                diastolic_mmhg: Some(80),
                temperature_decidegrees_c: Some(384),
                ..Vitals::default()
            },
            ..ConsultationNote::default()
        }
    }

    #[test]
    fn implausible_vitals_are_named() {
        let mut n = note("Rest");
        n.vitals.pulse_bpm = Some(700);
        n.vitals.spo2_percent = Some(101);
        n.vitals.diastolic_mmhg = Some(130);
        let fields: Vec<String> = n
            .check()
            .unwrap_err()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["pulse_bpm", "spo2_percent", "diastolic_mmhg"]);
        n.vitals = Vitals {
            systolic_mmhg: Some(120),
            ..Vitals::default()
        };
        assert_eq!(
            n.check().unwrap_err()[0].field,
            "diastolic_mmhg",
            "a pressure has two numbers"
        );
    }

    #[test]
    fn decimals_as_people_type_them() {
        assert_eq!(tenths("37.4"), Some(374));
        assert_eq!(tenths("37,4"), Some(374));
        assert_eq!(tenths("৩৭.৪"), Some(374));
        assert_eq!(tenths("65"), Some(650));
        assert_eq!(tenths("37.45"), None);
        assert_eq!(tenths("abc"), None);
        assert_eq!(tenths(""), None);
        assert_eq!(show_tenths(374), "37.4");
    }

    #[test]
    fn a_draft_is_rewritten_and_a_locked_note_only_amended() {
        let draft = NoteRecord::write(
            None,
            ids(),
            Status::InConsultation,
            note("Rest"),
            None,
            ids().2,
            at(0),
        )
        .unwrap();
        assert_eq!(draft.locked_at, None);
        let draft = NoteRecord::write(
            Some(draft),
            ids(),
            Status::InConsultation,
            note("Rest, fluids"),
            None,
            ids().2,
            at(5),
        )
        .unwrap();
        assert_eq!(draft.note.plan, "Rest, fluids");
        assert!(draft.amendments.is_empty(), "a draft is simply rewritten");

        // Completed: a change without a reason is refused, and nothing is overwritten.
        let refused = NoteRecord::write(
            Some(draft.clone()),
            ids(),
            Status::Completed,
            note("Antibiotics"),
            None,
            ids().2,
            at(30),
        );
        assert_eq!(refused, Err(NoteRefused::ReasonRequired));
        let amended = NoteRecord::write(
            Some(draft.clone()),
            ids(),
            Status::Completed,
            note("Antibiotics"),
            Some("Culture came back positive"),
            ids().2,
            at(30),
        )
        .unwrap();
        assert_eq!(amended.note, draft.note, "the original stays");
        assert_eq!(amended.current().plan, "Antibiotics");
        assert_eq!(amended.amendments[0].changed, ["plan"]);
        assert_eq!(amended.amendments[0].reason, "Culture came back positive");
        assert_eq!(amended.locked_at, Some(at(30)));
        let again = NoteRecord::write(
            Some(amended),
            ids(),
            Status::Completed,
            note("Antibiotics"),
            Some("Checked"),
            ids().2,
            at(40),
        )
        .unwrap();
        assert_eq!(again.amendments.len(), 2);
        assert!(
            again.amendments[1].changed.is_empty(),
            "nothing changed, but it is still recorded"
        );
    }

    #[test]
    fn no_note_before_the_consultation_or_for_one_that_did_not_happen() {
        for (status, refused) in [
            (Status::Confirmed, NoteRefused::NotStarted),
            (Status::CheckedIn, NoteRefused::NotStarted),
            (Status::Cancelled, NoteRefused::NoConsultation),
            (Status::NoShow, NoteRefused::NoConsultation),
        ] {
            assert_eq!(
                NoteRecord::write(None, ids(), status, note("x"), None, ids().2, at(0)),
                Err(refused)
            );
        }
    }
}
