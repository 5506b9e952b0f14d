//! E-prescriptions: what a doctor prescribes at a consultation, checked field by field; warnings
//! before issuing (a recorded allergy, a medicine the patient already takes); issuing locks it —
//! a change afterwards is a new version that supersedes it — and gives it a **verification
//! code** anyone can check against the server. The code carries a check character, so a mistyped
//! or altered code is told apart from one that was never issued.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{FieldError, FieldProblem};
use crate::{AppointmentId, PatientId, UserId};

mod lifecycle;
pub use lifecycle::PrescriptionRefused;

pub const MAX_ITEMS: usize = 20;
pub const MAX_DURATION_DAYS: u16 = 365;
const SHORT_TEXT: usize = 120;
const LONG_TEXT: usize = 1_000;

/// How a medicine is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MedicineForm {
    Tablet,
    Capsule,
    Syrup,
    Suspension,
    Injection,
    Drops,
    Ointment,
    Cream,
    Inhaler,
    Other,
}

impl MedicineForm {
    pub const ALL: [MedicineForm; 10] = [
        MedicineForm::Tablet,
        MedicineForm::Capsule,
        MedicineForm::Syrup,
        MedicineForm::Suspension,
        MedicineForm::Injection,
        MedicineForm::Drops,
        MedicineForm::Ointment,
        MedicineForm::Cream,
        MedicineForm::Inhaler,
        MedicineForm::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MedicineForm::Tablet => "tablet",
            MedicineForm::Capsule => "capsule",
            MedicineForm::Syrup => "syrup",
            MedicineForm::Suspension => "suspension",
            MedicineForm::Injection => "injection",
            MedicineForm::Drops => "drops",
            MedicineForm::Ointment => "ointment",
            MedicineForm::Cream => "cream",
            MedicineForm::Inhaler => "inhaler",
            MedicineForm::Other => "other",
        }
    }
}

/// One medicine on a prescription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionItem {
    /// "Amoxicillin"
    pub medicine: String,
    /// "500 mg"
    #[serde(default)]
    pub strength: String,
    pub form: MedicineForm,
    /// "1 tablet"
    pub dose: String,
    /// "1+0+1" (morning + noon + night), "every 8 hours"
    pub frequency: String,
    pub duration_days: u16,
    /// "after food"
    #[serde(default)]
    pub instructions: String,
}

/// What the doctor writes: the medicines and general advice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionForm {
    pub items: Vec<PrescriptionItem>,
    /// "Drink plenty of water. Come back in 7 days."
    #[serde(default)]
    pub advice: String,
}

fn text_rule(out: &mut Vec<FieldError>, field: String, value: &str, required: bool, max: usize) {
    if value.trim().is_empty() {
        if required {
            out.push(FieldError::new(&field, FieldProblem::Required));
        }
    } else if value.chars().count() > max {
        out.push(FieldError::new(&field, FieldProblem::TooLong { max }));
    } else if value.chars().any(|c| c.is_control() && c != '\n') {
        out.push(FieldError::new(&field, FieldProblem::InvalidCharacters));
    }
}

impl PrescriptionForm {
    /// Every field's problem, named `items.N.field` (N from 0) or `advice`.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut out = Vec::new();
        if self.items.is_empty() {
            out.push(FieldError::new("items", FieldProblem::Required));
        }
        if self.items.len() > MAX_ITEMS {
            out.push(FieldError::new(
                "items",
                FieldProblem::TooLong { max: MAX_ITEMS },
            ));
        }
        for (i, item) in self.items.iter().enumerate() {
            let field = |name: &str| format!("items.{i}.{name}");
            text_rule(
                &mut out,
                field("medicine"),
                &item.medicine,
                true,
                SHORT_TEXT,
            );
            text_rule(
                &mut out,
                field("strength"),
                &item.strength,
                false,
                SHORT_TEXT,
            );
            text_rule(&mut out, field("dose"), &item.dose, true, SHORT_TEXT);
            text_rule(
                &mut out,
                field("frequency"),
                &item.frequency,
                true,
                SHORT_TEXT,
            );
            text_rule(
                &mut out,
                field("instructions"),
                &item.instructions,
                false,
                SHORT_TEXT * 2,
            );
            if !(1..=MAX_DURATION_DAYS).contains(&item.duration_days) {
                out.push(FieldError::new(
                    &field("duration_days"),
                    FieldProblem::OutOfRange {
                        min: 1,
                        max: u64::from(MAX_DURATION_DAYS),
                    },
                ));
            }
        }
        text_rule(&mut out, "advice".into(), &self.advice, false, LONG_TEXT);
        if out.is_empty() {
            Ok(())
        } else {
            Err(out)
        }
    }

    /// The same form with every text trimmed (as it is kept).
    pub fn trimmed(&self) -> PrescriptionForm {
        PrescriptionForm {
            items: self
                .items
                .iter()
                .map(|i| PrescriptionItem {
                    medicine: i.medicine.trim().to_owned(),
                    strength: i.strength.trim().to_owned(),
                    form: i.form,
                    dose: i.dose.trim().to_owned(),
                    frequency: i.frequency.trim().to_owned(),
                    duration_days: i.duration_days,
                    instructions: i.instructions.trim().to_owned(),
                })
                .collect(),
            advice: self.advice.trim().to_owned(),
        }
    }
}

/// Where a prescription is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrescriptionStatus {
    /// Being written; only its doctor sees it.
    Draft,
    /// Issued: locked, verifiable, delivered to the patient.
    Issued,
    /// Issued once, then replaced by a newer version (still verifiable, marked replaced).
    Superseded,
}

/// A prescription as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionRecord {
    pub id: uuid::Uuid,
    pub appointment: AppointmentId,
    pub patient: PatientId,
    pub doctor: UserId,
    /// 1 for the first; a change after issuing is the next version.
    pub version: u32,
    /// The issued version this one replaces.
    #[serde(default)]
    pub replaces: Option<uuid::Uuid>,
    pub form: PrescriptionForm,
    pub status: PrescriptionStatus,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub issued_at: Option<DateTime<Utc>>,
    /// The verification code, from issuing on.
    #[serde(default)]
    pub code: Option<String>,
    /// SHA-256 (hex) of [`VerifiedContent`], from issuing on.
    #[serde(default)]
    pub content_hash: Option<String>,
}

/// What the verification hash covers: everything the printed prescription says that matters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedContent<'a> {
    pub code: &'a str,
    pub version: u32,
    pub issued_at: DateTime<Utc>,
    pub doctor: UserId,
    pub patient: PatientId,
    pub items: &'a [PrescriptionItem],
    pub advice: &'a str,
}

impl PrescriptionRecord {
    /// The bytes the content hash is taken over (JSON in field order), once issued.
    pub fn verified_bytes(&self) -> Option<Vec<u8>> {
        let content = VerifiedContent {
            code: self.code.as_deref()?,
            version: self.version,
            issued_at: self.issued_at?,
            doctor: self.doctor,
            patient: self.patient,
            items: &self.form.items,
            advice: &self.form.advice,
        };
        serde_json::to_vec(&content).ok()
    }
}

/// What `/verify/CODE` tells anyone who asks: who issued it, when, and the hash of its content —
/// nothing about the patient or the medicines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationAnswer {
    pub code: String,
    pub doctor_name: String,
    pub registration_number: String,
    pub issued_at: DateTime<Utc>,
    pub content_hash: String,
    /// Replaced by a newer version since.
    pub superseded: bool,
}

/// The clinic as printed at the top of its documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicHeader {
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
}

/// Everything a printed prescription shows: the record and who and where it is from and for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionSheet {
    pub record: PrescriptionRecord,
    pub clinic: ClinicHeader,
    pub doctor_name: String,
    pub qualifications: String,
    pub registration_number: String,
    pub specialty: String,
    pub patient_name: String,
    pub patient_number: String,
    #[serde(default)]
    pub patient_date_of_birth: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub patient_sex: Option<crate::account::Sex>,
    /// Where anyone checks the code (`…/verify/CODE`), once issued.
    #[serde(default)]
    pub verify_url: Option<String>,
}

/// An appointment's prescription as its doctor (or, issued, its patient) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionView {
    /// The newest version (a draft, or the issued one).
    pub current: Option<PrescriptionSheet>,
    /// Every version, newest first.
    pub versions: Vec<PrescriptionRecord>,
    /// What to say before issuing the current draft.
    pub warnings: Vec<PrescriptionWarning>,
    /// The patient's recorded allergies.
    pub allergies: Vec<Allergy>,
}

/// `POST …/prescription/issue`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueForm {
    /// The doctor has read the warnings and issues anyway.
    #[serde(default)]
    pub acknowledged_warnings: bool,
}

/// A recorded allergy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allergy {
    /// "Penicillin"
    pub substance: String,
    /// "rash", "anaphylaxis"
    #[serde(default)]
    pub reaction: String,
}

/// A medicine the patient is taking: from an issued prescription still within its days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveMedicine {
    pub medicine: String,
    pub prescription: uuid::Uuid,
    pub issued_at: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// Said before issuing; the doctor issues anyway only by acknowledging them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PrescriptionWarning {
    /// Item `item` may cause the recorded allergy to `substance`.
    Allergy {
        item: usize,
        medicine: String,
        substance: String,
        reaction: String,
    },
    /// Item `item` is a medicine the patient already takes (issued `issued_at`).
    Duplicate {
        item: usize,
        medicine: String,
        issued_at: DateTime<Utc>,
    },
}

/// A name's words, lowercase, letters and digits only.
fn words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Drug classes whose members are written by name: an allergy to the class covers a medicine
/// whose name has the class's mark. Small on purpose — a reminder, not a formulary.
/// A drug class: the names an allergy to it is written with, and whether a medicine's word
/// marks a member.
type DrugClass = (&'static [&'static str], fn(&str) -> bool);

const CLASSES: &[DrugClass] = &[
    (&["penicillin", "penicillins"], |w| {
        w.ends_with("cillin") || w == "penicillin"
    }),
    (&["cephalosporin", "cephalosporins"], |w| {
        w.starts_with("cef") || w.starts_with("ceph")
    }),
    (&["sulfa", "sulfonamide", "sulfonamides", "sulpha"], |w| {
        w.starts_with("sulfa") || w.starts_with("sulpha")
    }),
    (&["nsaid", "nsaids"], |w| {
        matches!(
            w,
            "ibuprofen"
                | "diclofenac"
                | "naproxen"
                | "aspirin"
                | "ketorolac"
                | "aceclofenac"
                | "etoricoxib"
                | "mefenamic"
        )
    }),
];

/// Whether `medicine` may be what `substance` (an allergy) names: a word in common, or a class
/// the medicine belongs to.
pub fn may_cause(medicine: &str, substance: &str) -> bool {
    let (medicine, substance) = (words(medicine), words(substance));
    medicine.iter().any(|m| {
        substance.iter().any(|s| {
            m == s
                || CLASSES
                    .iter()
                    .any(|(names, member)| names.contains(&s.as_str()) && member(m))
        })
    })
}

/// Whether two medicine names are the same medicine (the same first word).
pub fn same_medicine(a: &str, b: &str) -> bool {
    match (words(a).first(), words(b).first()) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// What to say before issuing `form`.
pub fn warnings(
    form: &PrescriptionForm,
    allergies: &[Allergy],
    active: &[ActiveMedicine],
) -> Vec<PrescriptionWarning> {
    let mut out = Vec::new();
    for (i, item) in form.items.iter().enumerate() {
        for allergy in allergies {
            if may_cause(&item.medicine, &allergy.substance) {
                out.push(PrescriptionWarning::Allergy {
                    item: i,
                    medicine: item.medicine.clone(),
                    substance: allergy.substance.clone(),
                    reaction: allergy.reaction.clone(),
                });
            }
        }
        if let Some(taken) = active
            .iter()
            .find(|a| same_medicine(&a.medicine, &item.medicine))
        {
            out.push(PrescriptionWarning::Duplicate {
                item: i,
                medicine: item.medicine.clone(),
                issued_at: taken.issued_at,
            });
        }
    }
    out
}

/// The medicines still being taken at `now` from `issued` prescriptions (superseded ones and
/// `except` — the one being written, and what it replaces — left out).
pub fn active_medicines(
    issued: &[PrescriptionRecord],
    except: &[uuid::Uuid],
    now: DateTime<Utc>,
) -> Vec<ActiveMedicine> {
    issued
        .iter()
        .filter(|p| p.status == PrescriptionStatus::Issued && !except.contains(&p.id))
        .filter_map(|p| p.issued_at.map(|at| (p, at)))
        .flat_map(|(p, at)| {
            p.form.items.iter().filter_map(move |item| {
                let until = at + Duration::days(i64::from(item.duration_days));
                (until > now).then(|| ActiveMedicine {
                    medicine: item.medicine.clone(),
                    prescription: p.id,
                    issued_at: at,
                    until,
                })
            })
        })
        .collect()
}

/// Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or typed is not mistaken.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_DATA: usize = 10;

fn symbol_value(c: char) -> Option<u32> {
    let c = match c.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u32)
}

/// The check symbol over `data` (Luhn mod 32: any single wrong symbol is caught, and any swap of
/// two neighbours but `0`↔`Z`).
fn check_symbol(data: &[u32]) -> u32 {
    let mut sum = 0;
    for (i, &v) in data.iter().rev().enumerate() {
        let v = if i % 2 == 0 { v * 2 } else { v };
        sum += v / 32 + v % 32;
    }
    (32 - sum % 32) % 32
}

/// A new verification code from 50 random bits: `XXXX-XXXX-XXC` (C the check symbol).
pub fn new_code(random: u64) -> String {
    let data: Vec<u32> = (0..CODE_DATA)
        .map(|i| ((random >> (5 * i)) & 31) as u32)
        .collect();
    let mut symbols: Vec<char> = data.iter().map(|&v| ALPHABET[v as usize] as char).collect();
    symbols.push(ALPHABET[check_symbol(&data) as usize] as char);
    let s: String = symbols.into_iter().collect();
    format!("{}-{}-{}", &s[0..4], &s[4..8], &s[8..11])
}

/// Why a code cannot be one the clinic issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeProblem {
    #[error("a verification code has 11 letters and digits (like 7KQ2-M9PW-D4X)")]
    WrongLength,
    #[error("a verification code has only letters and digits")]
    NotACode,
    #[error("this code is not valid: a character is wrong or two are swapped")]
    CheckFailed,
}

/// The code in its printed form (`XXXX-XXXX-XXC`), from what someone typed (any case, spaces
/// or dashes, I/L for 1 and O for 0), or why it cannot be a code.
pub fn read_code(typed: &str) -> Result<String, CodeProblem> {
    let symbols: Vec<char> = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if symbols.len() != CODE_DATA + 1 {
        return Err(CodeProblem::WrongLength);
    }
    let values = symbols
        .iter()
        .map(|&c| symbol_value(c))
        .collect::<Option<Vec<u32>>>()
        .ok_or(CodeProblem::NotACode)?;
    if check_symbol(&values[..CODE_DATA]) != values[CODE_DATA] {
        return Err(CodeProblem::CheckFailed);
    }
    let s: String = values
        .iter()
        .map(|&v| ALPHABET[v as usize] as char)
        .collect();
    Ok(format!("{}-{}-{}", &s[0..4], &s[4..8], &s[8..11]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn item(medicine: &str) -> PrescriptionItem {
        PrescriptionItem {
            medicine: medicine.into(),
            strength: "500 mg".into(),
            form: MedicineForm::Capsule,
            dose: "1 capsule".into(),
            frequency: "1+1+1".into(),
            duration_days: 7,
            instructions: "after food".into(),
        }
    }

    #[test]
    fn every_field_is_checked_and_named() {
        assert!(PrescriptionForm {
            items: vec![item("Amoxicillin")],
            advice: String::new()
        }
        .check()
        .is_ok());
        let empty = PrescriptionForm::default().check().unwrap_err();
        assert_eq!(empty[0].field, "items");
        let mut bad = item("  ");
        bad.duration_days = 0;
        bad.frequency = String::new();
        let problems = PrescriptionForm {
            items: vec![item("Paracetamol"), bad],
            advice: "x".repeat(1_001),
        }
        .check()
        .unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "items.1.medicine",
                "items.1.frequency",
                "items.1.duration_days",
                "advice"
            ]
        );
    }

    #[test]
    fn allergies_are_matched_by_name_and_by_class() {
        assert!(may_cause("Amoxicillin", "Penicillin"));
        assert!(may_cause("Flucloxacillin 500", "penicillins"));
        assert!(may_cause("Ceftriaxone", "Cephalosporins"));
        assert!(may_cause("Ibuprofen", "NSAIDs"));
        assert!(may_cause("Metformin", "metformin"));
        assert!(!may_cause("Paracetamol", "Penicillin"));
        assert!(!may_cause("Azithromycin", "Penicillin"));
    }

    #[test]
    fn warnings_name_the_item_and_what_it_meets() {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let taking = PrescriptionRecord {
            id: uuid::Uuid::from_u128(1),
            appointment: uuid::Uuid::from_u128(2).to_string().parse().unwrap(),
            patient: uuid::Uuid::from_u128(3).to_string().parse().unwrap(),
            doctor: UserId::from_uuid(uuid::Uuid::from_u128(4)),
            version: 1,
            replaces: None,
            form: PrescriptionForm {
                items: vec![item("Omeprazole"), {
                    let mut short = item("Cetirizine");
                    short.duration_days = 2;
                    short
                }],
                advice: String::new(),
            },
            status: PrescriptionStatus::Issued,
            created_at: at,
            issued_at: Some(at),
            code: Some(new_code(7)),
            content_hash: None,
        };
        let now = at + Duration::days(3);
        let active = active_medicines(std::slice::from_ref(&taking), &[], now);
        assert_eq!(
            active
                .iter()
                .map(|a| a.medicine.as_str())
                .collect::<Vec<_>>(),
            ["Omeprazole"],
            "a 2-day course is over after 3 days"
        );
        assert!(active_medicines(std::slice::from_ref(&taking), &[taking.id], now).is_empty());
        let form = PrescriptionForm {
            items: vec![
                item("Paracetamol"),
                item("Amoxicillin"),
                item("omeprazole 20"),
            ],
            advice: String::new(),
        };
        let allergy = Allergy {
            substance: "Penicillin".into(),
            reaction: "rash".into(),
        };
        assert_eq!(
            warnings(&form, &[allergy], &active),
            vec![
                PrescriptionWarning::Allergy {
                    item: 1,
                    medicine: "Amoxicillin".into(),
                    substance: "Penicillin".into(),
                    reaction: "rash".into()
                },
                PrescriptionWarning::Duplicate {
                    item: 2,
                    medicine: "omeprazole 20".into(),
                    issued_at: at
                }
            ]
        );
    }

    #[test]
    fn codes_check_themselves() {
        for random in [0, 1, 42, 0x3_FFFF_FFFF_FFFF, 0x1234_5678_9ABC] {
            let code = new_code(random);
            assert_eq!(code.len(), 13, "{code}");
            assert_eq!(read_code(&code), Ok(code.clone()));
            assert_eq!(
                read_code(&code.to_lowercase().replace('-', " ")),
                Ok(code.clone())
            );
            // Every single wrong symbol is caught.
            let plain: Vec<char> = code.chars().filter(|c| *c != '-').collect();
            for i in 0..plain.len() {
                for &other in ALPHABET.iter() {
                    if other as char == plain[i] {
                        continue;
                    }
                    let mut typo = plain.clone();
                    typo[i] = other as char;
                    let typo: String = typo.into_iter().collect();
                    assert_eq!(read_code(&typo), Err(CodeProblem::CheckFailed), "{typo}");
                }
            }
            // And every swap of two different neighbours (but 0 and Z, Luhn's one blind spot).
            for i in 0..plain.len() - 1 {
                let pair = [plain[i], plain[i + 1]];
                if pair[0] == pair[1] || pair == ['0', 'Z'] || pair == ['Z', '0'] {
                    continue;
                }
                let mut swapped = plain.clone();
                swapped.swap(i, i + 1);
                let swapped: String = swapped.into_iter().collect();
                assert_eq!(
                    read_code(&swapped),
                    Err(CodeProblem::CheckFailed),
                    "{swapped}"
                );
            }
        }
        assert_eq!(read_code("ABC"), Err(CodeProblem::WrongLength));
        assert_eq!(read_code("ABCD-EFGH-JK*"), Err(CodeProblem::NotACode));
        // Read as printed, with I/L for 1 and O for 0.
        let code = new_code(0);
        assert_eq!(code, "0000-0000-000");
        assert_eq!(read_code("OOOO-oooo-000"), Ok(code));
    }
}
