//! The clinical summary at the top of a patient's chart: recorded allergies and conditions.
//! Doctors who care for the patient keep it; prescriptions are checked against its allergies.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use crate::account::{FieldError, FieldProblem};
use crate::appointment::{AppointmentRecord, Status};
use crate::chat::MessageRecord;
use crate::consultation::NoteRecord;
use crate::prescription::{ActiveMedicine, Allergy, PrescriptionRecord};
use crate::sync::PatientRecord;
use crate::upload::{FileKind, UploadRule};
use crate::{AppointmentId, PatientId, Role, UserId};

pub const MAX_ENTRIES: usize = 50;
const MAX_TEXT: usize = 120;

/// A long-standing condition: "Type 2 diabetes", since 2019.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub name: String,
    #[serde(default)]
    pub since: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicalSummary {
    #[serde(default)]
    pub allergies: Vec<Allergy>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

fn text(out: &mut Vec<FieldError>, field: String, value: &str, required: bool) {
    let value = value.trim();
    if value.is_empty() && required {
        out.push(FieldError::new(&field, FieldProblem::Required));
    } else if value.chars().count() > MAX_TEXT {
        out.push(FieldError::new(
            &field,
            FieldProblem::TooLong { max: MAX_TEXT },
        ));
    } else if value.chars().any(char::is_control) {
        out.push(FieldError::new(&field, FieldProblem::InvalidCharacters));
    }
}

impl ClinicalSummary {
    /// Each entry's problem, named `allergies.N.substance`, `conditions.N.name`, ….
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut out = Vec::new();
        for (list, len) in [
            ("allergies", self.allergies.len()),
            ("conditions", self.conditions.len()),
        ] {
            if len > MAX_ENTRIES {
                out.push(FieldError::new(
                    list,
                    FieldProblem::TooLong { max: MAX_ENTRIES },
                ));
            }
        }
        for (i, a) in self.allergies.iter().enumerate() {
            text(
                &mut out,
                format!("allergies.{i}.substance"),
                &a.substance,
                true,
            );
            text(
                &mut out,
                format!("allergies.{i}.reaction"),
                &a.reaction,
                false,
            );
        }
        for (i, c) in self.conditions.iter().enumerate() {
            text(&mut out, format!("conditions.{i}.name"), &c.name, true);
        }
        if out.is_empty() {
            Ok(())
        } else {
            Err(out)
        }
    }

    /// Allergies as typed on one line each: `Penicillin — rash` (or `Penicillin: rash`,
    /// `Penicillin - rash`, or the substance alone); blank lines skipped.
    pub fn read_allergies(typed: &str) -> Vec<Allergy> {
        typed
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|line| {
                let split = ["—", " - ", ":", "–"]
                    .iter()
                    .find_map(|sep| line.split_once(sep));
                match split {
                    Some((substance, reaction)) => Allergy {
                        substance: substance.trim().to_owned(),
                        reaction: reaction.trim().to_owned(),
                    },
                    None => Allergy {
                        substance: line.to_owned(),
                        reaction: String::new(),
                    },
                }
            })
            .collect()
    }

    /// The allergies written back one per line, as [`ClinicalSummary::read_allergies`] reads them.
    pub fn write_allergies(allergies: &[Allergy]) -> String {
        allergies
            .iter()
            .map(|a| {
                if a.reaction.is_empty() {
                    a.substance.clone()
                } else {
                    format!("{} — {}", a.substance, a.reaction)
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Conditions typed one per line (a trailing `(since 2019)` is not read: the name is kept
    /// whole).
    pub fn read_conditions(typed: &str) -> Vec<Condition> {
        typed
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|name| Condition {
                name: name.to_owned(),
                since: None,
            })
            .collect()
    }
}

/// What an uploaded file of the chart is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentCategory {
    /// A test result or report (blood count, X-ray report).
    Report,
    /// A letter, a discharge summary, an earlier prescription.
    Document,
    /// A photo or a scan.
    Image,
}

impl DocumentCategory {
    pub const ALL: [DocumentCategory; 3] = [
        DocumentCategory::Report,
        DocumentCategory::Document,
        DocumentCategory::Image,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentCategory::Report => "report",
            DocumentCategory::Document => "document",
            DocumentCategory::Image => "image",
        }
    }
}

/// The default limit of one uploaded record (the server's `max_upload_bytes`).
pub const DEFAULT_UPLOAD_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// What an uploaded record may be: a PDF, a JPEG or a PNG, at most `max_bytes`.
pub fn upload_rule(max_bytes: u64) -> UploadRule {
    UploadRule {
        kinds: &[FileKind::Pdf, FileKind::Jpeg, FileKind::Png],
        max_bytes,
    }
}

/// A report or document in a patient's chart, as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientDocument {
    pub id: uuid::Uuid,
    pub patient: PatientId,
    pub title: String,
    pub category: DocumentCategory,
    pub kind: FileKind,
    pub size: u64,
    pub sha256: String,
    /// The server's own name.
    pub file_name: String,
    pub uploaded_by: UserId,
    pub uploaded_by_role: Role,
    pub uploaded_at: DateTime<Utc>,
    /// When the patient first opened it (a report from the clinic is "ready" until then).
    #[serde(default)]
    pub seen_by_patient_at: Option<DateTime<Utc>>,
}

impl PatientDocument {
    /// `<category>-<day>-<first 8 of the hash>.<ext>`, hex digits only from the hash.
    pub fn server_file_name(
        category: DocumentCategory,
        kind: FileKind,
        sha256: &str,
        at: DateTime<Utc>,
    ) -> String {
        let hash: String = sha256
            .chars()
            .filter(char::is_ascii_hexdigit)
            .take(8)
            .collect();
        format!(
            "{}-{}-{hash}.{}",
            category.as_str(),
            at.format("%Y-%m-%d"),
            kind.extension()
        )
    }

    /// A report from the clinic the patient has not opened yet.
    pub fn ready_for_patient(&self) -> bool {
        self.uploaded_by_role != Role::Patient && self.seen_by_patient_at.is_none()
    }
}

/// `POST /api/v1/patients/{id}/uploads`: what is about to be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadStart {
    pub title: String,
    pub category: DocumentCategory,
    /// The whole file's size, in bytes.
    pub size: u64,
    /// The whole file's SHA-256 (hex): checked when the last byte arrives.
    pub sha256: String,
}

impl UploadStart {
    pub fn check(&self, max_bytes: u64) -> Result<(), Vec<FieldError>> {
        let mut out = Vec::new();
        text(&mut out, "title".to_owned(), &self.title, true);
        if let Err(problem) = upload_rule(max_bytes).check_size(self.size) {
            out.push(problem.field_error("file"));
        }
        if self.sha256.len() != 64 || !self.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
            out.push(FieldError::new("sha256", FieldProblem::InvalidCharacters));
        }
        if out.is_empty() {
            Ok(())
        } else {
            Err(out)
        }
    }
}

/// Where an upload stands: how many bytes the server has; the document once it is whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadState {
    pub id: uuid::Uuid,
    pub offset: u64,
    pub size: u64,
    #[serde(default)]
    pub document: Option<PatientDocument>,
}

/// What one line of a chart's timeline is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    Visit,
    Consultation,
    Prescription,
    Document,
    Message,
}

impl TimelineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TimelineKind::Visit => "visit",
            TimelineKind::Consultation => "consultation",
            TimelineKind::Prescription => "prescription",
            TimelineKind::Document => "document",
            TimelineKind::Message => "message",
        }
    }
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub kind: TimelineKind,
    #[serde(default)]
    pub appointment: Option<AppointmentId>,
    pub title: String,
    #[serde(default)]
    pub detail: String,
    /// The prescription, document or message it is.
    #[serde(default)]
    pub reference: Option<uuid::Uuid>,
}

/// A patient's chart: who they are, what to know at a glance, and everything that happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartView {
    pub patient: PatientRecord,
    pub summary: ClinicalSummary,
    /// Medicines from issued prescriptions still within their days.
    pub medications: Vec<ActiveMedicine>,
    pub documents: Vec<PatientDocument>,
    /// Newest first.
    pub timeline: Vec<TimelineEntry>,
    /// When the server put it together.
    pub as_of: DateTime<Utc>,
    /// Read from this device's encrypted copy, because the server could not be reached.
    #[serde(default)]
    pub from_this_device: bool,
    /// The clinic's name, for printed summaries.
    #[serde(default)]
    pub clinic: String,
}

/// A chart read from a device's own copy while the server could not be reached, reported to
/// the server's audit when the device is back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineRead {
    pub patient: PatientId,
    pub read_at: DateTime<Utc>,
}

/// The most offline reads a desk reports at once (it sends the rest in the next report).
pub const OFFLINE_READS_PER_REPORT: usize = 100;
/// How old an offline read may be when reported: a desk offline longer reports what it has, the
/// older reads are not believed.
pub const OFFLINE_READ_MAX_AGE_DAYS: i64 = 30;

/// Why an offline read is not entered in the audit as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfflineReadRefused {
    /// Read "in the future", or longer ago than a desk keeps a chart.
    ImplausibleTime,
    /// This account never received that chart on this device, so it cannot have read it there.
    NeverOnThisDevice,
    /// The same read reported twice in one report.
    Repeated,
}

/// Which reported offline reads go into the audit: each must be at a believable time and of a
/// chart the server gave this account on this device (`served`). Judged in order; the answer
/// says for each read whether it is entered.
pub fn judge_offline_reads(
    reads: &[OfflineRead],
    now: DateTime<Utc>,
    served: impl Fn(PatientId) -> bool,
) -> Vec<Result<(), OfflineReadRefused>> {
    let mut seen = std::collections::HashSet::new();
    reads
        .iter()
        .map(|read| {
            let oldest = now - chrono::Duration::days(OFFLINE_READ_MAX_AGE_DAYS);
            if read.read_at > now + chrono::Duration::minutes(5) || read.read_at < oldest {
                Err(OfflineReadRefused::ImplausibleTime)
            } else if !served(read.patient) {
                Err(OfflineReadRefused::NeverOnThisDevice)
            } else if !seen.insert((read.patient, read.read_at)) {
                Err(OfflineReadRefused::Repeated)
            } else {
                Ok(())
            }
        })
        .collect()
}

/// What a chart's timeline is made from.
pub struct ChartSources<'a> {
    /// Each appointment with its doctor's name and its note, if one was written.
    pub visits: &'a [(AppointmentRecord, String, Option<NoteRecord>)],
    pub prescriptions: &'a [PrescriptionRecord],
    pub documents: &'a [PatientDocument],
    pub messages: &'a [MessageRecord],
}

fn first_chars(text: &str, n: usize) -> String {
    let mut out: String = text.chars().take(n).collect();
    if text.chars().count() > n {
        out.push('…');
    }
    out
}

/// The timeline, newest first: visits (not refused ones), their notes, issued prescriptions,
/// documents and messages.
pub fn timeline(sources: &ChartSources<'_>) -> Vec<TimelineEntry> {
    let mut out = Vec::new();
    for (appointment, doctor, note) in sources.visits {
        if matches!(appointment.status, Status::Rejected) {
            continue;
        }
        let at = appointment
            .slot
            .map(|s| s.start)
            .or_else(|| appointment.history.first().map(|h| h.at));
        let Some(at) = at else { continue };
        out.push(TimelineEntry {
            at,
            kind: TimelineKind::Visit,
            appointment: Some(appointment.id),
            title: doctor.clone(),
            detail: appointment.status.as_str().to_owned(),
            reference: None,
        });
        if let Some(note) = note {
            let current = note.current();
            let title = if current.assessment.trim().is_empty() {
                first_chars(&current.subjective, 80)
            } else {
                first_chars(&current.assessment, 80)
            };
            out.push(TimelineEntry {
                at: note.written_at,
                kind: TimelineKind::Consultation,
                appointment: Some(appointment.id),
                title,
                detail: first_chars(&current.plan, 160),
                reference: None,
            });
        }
    }
    for p in sources.prescriptions {
        let Some(at) = p.issued_at else { continue };
        out.push(TimelineEntry {
            at,
            kind: TimelineKind::Prescription,
            appointment: Some(p.appointment),
            title: p
                .form
                .items
                .iter()
                .map(|i| i.medicine.clone())
                .collect::<Vec<_>>()
                .join(", "),
            detail: p.code.clone().unwrap_or_default(),
            reference: Some(p.id),
        });
    }
    for d in sources.documents {
        out.push(TimelineEntry {
            at: d.uploaded_at,
            kind: TimelineKind::Document,
            appointment: None,
            title: d.title.clone(),
            detail: d.file_name.clone(),
            reference: Some(d.id),
        });
    }
    for m in sources.messages {
        let body = if m.body.is_empty() {
            m.attachment
                .as_ref()
                .map(|a| a.file_name.clone())
                .unwrap_or_default()
        } else {
            first_chars(&m.body, 120)
        };
        out.push(TimelineEntry {
            at: m.sent_at,
            kind: TimelineKind::Message,
            appointment: Some(m.appointment),
            title: body,
            detail: m.from_role.as_str().to_owned(),
            reference: Some(m.id),
        });
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.at));
    out
}

/// A sample chart for tests and benchmarks: a patient with an allergy, one document, and
/// `entries` timeline entries a day apart.
#[doc(hidden)]
pub mod sample {
    use super::*;
    use crate::account::PatientDemographics;
    use chrono::TimeZone;

    pub fn chart(entries: usize) -> ChartView {
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        let patient: PatientId = uuid::Uuid::from_u128(7).to_string().parse().unwrap();
        ChartView {
            patient: PatientRecord {
                id: patient,
                patient_number: "1-0008".into(),
                demographics: PatientDemographics {
                    full_name: "Rahima Khatun".into(),
                    sex: None,
                    date_of_birth: None,
                    phone: None,
                    email: None,
                    address: None,
                    emergency_contact: None,
                },
                account: None,
            },
            summary: ClinicalSummary {
                allergies: vec![Allergy {
                    substance: "Penicillin".into(),
                    reaction: "rash".into(),
                }],
                conditions: vec![],
            },
            medications: vec![],
            timeline: (0..entries)
                .map(|i| TimelineEntry {
                    at: at - chrono::Duration::days(i as i64),
                    kind: TimelineKind::Consultation,
                    appointment: None,
                    title: format!("Haemoglobin low, visit {i}: iron tablets"),
                    detail: "Fluids, rest; continue amlodipine 5 mg daily; review in four weeks."
                        .into(),
                    reference: None,
                })
                .collect(),
            documents: vec![PatientDocument {
                id: uuid::Uuid::from_u128(9),
                patient,
                title: "Blood count".into(),
                category: DocumentCategory::Report,
                kind: FileKind::Pdf,
                size: 10,
                sha256: "ab".repeat(32),
                file_name: "report-2026-11-24-abababab.pdf".into(),
                uploaded_by: UserId::from_uuid(uuid::Uuid::from_u128(2)),
                uploaded_by_role: Role::Doctor,
                uploaded_at: at,
                seen_by_patient_at: None,
            }],
            as_of: at,
            from_this_device: false,
            clinic: "Clinic Desk Demo Clinic".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_reads_are_believed_only_for_charts_the_device_had_at_plausible_times() {
        use uuid::Uuid;
        let now: DateTime<Utc> = "2026-12-04T06:00:00Z".parse().unwrap();
        let had = PatientId::from_uuid(Uuid::from_u128(1));
        let never = PatientId::from_uuid(Uuid::from_u128(2));
        let read = |patient, read_at: &str| OfflineRead {
            patient,
            read_at: read_at.parse().unwrap(),
        };
        let reads = [
            read(had, "2026-12-04T05:00:00Z"),
            read(never, "2026-12-04T05:00:00Z"),
            read(had, "2026-12-04T09:00:00Z"),
            read(had, "2026-10-01T05:00:00Z"),
            read(had, "2026-12-04T05:00:00Z"),
            read(had, "2026-12-03T05:00:00Z"),
        ];
        assert_eq!(
            judge_offline_reads(&reads, now, |p| p == had),
            [
                Ok(()),
                Err(OfflineReadRefused::NeverOnThisDevice),
                Err(OfflineReadRefused::ImplausibleTime),
                Err(OfflineReadRefused::ImplausibleTime),
                Err(OfflineReadRefused::Repeated),
                Ok(()),
            ]
        );
    }

    #[test]
    fn allergies_are_read_and_written_one_per_line() {
        let typed = "Penicillin — rash\n\n  Sulfa: hives \nPeanuts";
        let read = ClinicalSummary::read_allergies(typed);
        assert_eq!(
            read,
            vec![
                Allergy {
                    substance: "Penicillin".into(),
                    reaction: "rash".into()
                },
                Allergy {
                    substance: "Sulfa".into(),
                    reaction: "hives".into()
                },
                Allergy {
                    substance: "Peanuts".into(),
                    reaction: String::new()
                },
            ]
        );
        let written = ClinicalSummary::write_allergies(&read);
        assert_eq!(ClinicalSummary::read_allergies(&written), read);
    }

    #[test]
    fn uploads_say_what_is_wrong_before_a_byte_is_sent() {
        let start = UploadStart {
            title: "Blood count".into(),
            category: DocumentCategory::Report,
            size: 1024,
            sha256: "ab".repeat(32),
        };
        assert!(start.check(DEFAULT_UPLOAD_MAX_BYTES).is_ok());
        let too_big = UploadStart {
            size: DEFAULT_UPLOAD_MAX_BYTES + 1,
            sha256: "../../etc/passwd".into(),
            title: " ".into(),
            ..start
        };
        let fields: Vec<String> = too_big
            .check(DEFAULT_UPLOAD_MAX_BYTES)
            .unwrap_err()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["title", "file", "sha256"]);
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 24, 9, 0, 0).unwrap();
        assert_eq!(
            PatientDocument::server_file_name(
                DocumentCategory::Report,
                FileKind::Pdf,
                "../x/../0123abcdef99",
                at
            ),
            "report-2026-11-24-0123abcd.pdf",
            "only hex digits of the hash make the name"
        );
    }

    #[test]
    fn the_timeline_is_newest_first_and_leaves_out_refused_visits() {
        use crate::appointment::{Origin, StatusChange};
        use crate::availability::ConsultationType;
        use chrono::TimeZone;
        let at = |d: u32| Utc.with_ymd_and_hms(2026, 11, d, 9, 0, 0).unwrap();
        let id = |n: u128| uuid::Uuid::from_u128(n);
        let visit = |n: u128, status: Status, day: u32| AppointmentRecord {
            id: id(n).to_string().parse().unwrap(),
            patient: id(1).to_string().parse().unwrap(),
            doctor: UserId::from_uuid(id(2)),
            consultation: ConsultationType::InPerson,
            origin: Origin::WalkIn,
            status,
            slot: None,
            day: at(day).date_naive(),
            token: Some(1),
            reason: None,
            replaces: None,
            history: vec![StatusChange {
                status,
                at: at(day),
                by: UserId::from_uuid(id(3)),
                reason: None,
            }],
        };
        let visits = vec![
            (visit(10, Status::Completed, 3), "Dr. A".to_owned(), None),
            (visit(11, Status::Rejected, 5), "Dr. A".to_owned(), None),
            (visit(12, Status::Completed, 7), "Dr. B".to_owned(), None),
        ];
        let entries = timeline(&ChartSources {
            visits: &visits,
            prescriptions: &[],
            documents: &[],
            messages: &[],
        });
        let titles: Vec<&str> = entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["Dr. B", "Dr. A"]);
    }

    #[test]
    fn entries_are_checked() {
        let summary = ClinicalSummary {
            allergies: vec![Allergy {
                substance: " ".into(),
                reaction: String::new(),
            }],
            conditions: vec![Condition {
                name: "x".repeat(121),
                since: None,
            }],
        };
        let fields: Vec<String> = summary
            .check()
            .unwrap_err()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["allergies.0.substance", "conditions.0.name"]);
        assert!(ClinicalSummary::default().check().is_ok());
    }
}
