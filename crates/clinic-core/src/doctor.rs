//! Doctors as the clinic presents them: profile, verification by an admin, working pattern, and
//! the directory search over them. Pure.

use serde::{Deserialize, Serialize};

use crate::account::{check_name, check_optional_length, FieldError, FieldProblem};
use crate::availability::{next_free_slot, Busy, ClinicDays, ConsultationType, Slot, SlotQuery};
use crate::availability::{LocalSpan, Session, WorkingPattern};
use crate::UserId;

const TEXT_MAX_CHARS: usize = 200;
const BIO_MAX_CHARS: usize = 2000;
/// The most a consultation may cost, in taka: a typo guard, not a price rule.
pub const FEE_MAX: u32 = 100_000;
const EXPERIENCE_MAX_YEARS: u16 = 70;
/// The languages a doctor may list (ISO 639-1): those the clinic's patients speak.
pub const LANGUAGES: [&str; 6] = ["bn", "en", "hi", "ur", "ar", "syl"];

/// What a consultation costs, in taka.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fees {
    pub in_person: u32,
    pub video: u32,
}

impl Fees {
    pub fn of(&self, kind: ConsultationType) -> u32 {
        match kind {
            ConsultationType::InPerson => self.in_person,
            ConsultationType::Video => self.video,
        }
    }
}

/// Whether an admin has checked the doctor's credentials. Only a verified doctor can be booked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verification {
    Pending,
    Verified,
    Rejected { reason: String },
}

impl Verification {
    pub fn is_verified(&self) -> bool {
        matches!(self, Verification::Verified)
    }
}

/// What a doctor tells patients about themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorProfile {
    pub display_name: String,
    pub specialty: String,
    /// e.g. "MBBS, FCPS (Medicine)".
    #[serde(default)]
    pub qualifications: String,
    /// The medical council's registration number (BMDC in Bangladesh).
    #[serde(default)]
    pub registration_number: String,
    #[serde(default)]
    pub experience_years: u16,
    #[serde(default)]
    pub city: String,
    /// ISO 639-1 codes, from [`LANGUAGES`].
    #[serde(default)]
    pub languages: Vec<String>,
    pub fees: Fees,
    #[serde(default)]
    pub bio: String,
}

impl DoctorProfile {
    /// The clinic's rules for a profile; field names as the form names them.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut out = Vec::new();
        check_name("display_name", &self.display_name, &mut out);
        check_name("specialty", &self.specialty, &mut out);
        for (field, text) in [
            ("qualifications", &self.qualifications),
            ("registration_number", &self.registration_number),
            ("city", &self.city),
        ] {
            check_optional_length(field, Some(text), TEXT_MAX_CHARS, &mut out);
        }
        if self.bio.chars().any(|c| c.is_control() && c != '\n') {
            out.push(FieldError::new("bio", FieldProblem::InvalidCharacters));
        } else if self.bio.chars().count() > BIO_MAX_CHARS {
            out.push(FieldError::new(
                "bio",
                FieldProblem::TooLong { max: BIO_MAX_CHARS },
            ));
        }
        if self.experience_years > EXPERIENCE_MAX_YEARS {
            out.push(FieldError::new(
                "experience_years",
                FieldProblem::OutOfRange {
                    min: 0,
                    max: EXPERIENCE_MAX_YEARS.into(),
                },
            ));
        }
        for (field, fee) in [
            ("fee_in_person", self.fees.in_person),
            ("fee_video", self.fees.video),
        ] {
            if fee > FEE_MAX {
                out.push(FieldError::new(
                    field,
                    FieldProblem::OutOfRange {
                        min: 0,
                        max: FEE_MAX.into(),
                    },
                ));
            }
        }
        if self
            .languages
            .iter()
            .any(|l| !LANGUAGES.contains(&l.as_str()))
        {
            out.push(FieldError::new("languages", FieldProblem::NotAChoice));
        }
        if out.is_empty() {
            Ok(())
        } else {
            Err(out)
        }
    }
}

/// A doctor as the clinic's devices hold them: what a pull delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorRecord {
    pub id: UserId,
    pub profile: DoctorProfile,
    pub verification: Verification,
    pub pattern: WorkingPattern,
}

/// Opening hours as listed before working patterns existed, as a pattern's weekly sessions.
pub fn weekly_sessions(hours: &[crate::wire::WorkingHours]) -> [Vec<Session>; 7] {
    let mut weekly: [Vec<Session>; 7] = Default::default();
    for h in hours {
        weekly[h.weekday.num_days_from_monday() as usize].push(Session {
            hours: LocalSpan {
                start: h.start,
                end: h.end,
            },
            breaks: vec![],
        });
    }
    weekly
}

/// A pattern's weekly sessions as opening hours (breaks left out): what older screens list.
pub fn weekly_hours(pattern: &WorkingPattern) -> Vec<crate::wire::WorkingHours> {
    use chrono::Weekday;
    let days = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    days.iter()
        .zip(&pattern.weekly)
        .flat_map(|(day, sessions)| {
            sessions.iter().map(|s| crate::wire::WorkingHours {
                weekday: *day,
                start: s.hours.start,
                end: s.hours.end,
            })
        })
        .collect()
}

/// How the directory is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectorySort {
    #[default]
    Name,
    FeeLowest,
    MostExperienced,
    NextFreeSlot,
}

/// A directory search: every filter is optional; text matches name, specialty or qualifications.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DirectoryQuery {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub specialty: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// Fee limit for the consultation type asked about.
    #[serde(default)]
    pub max_fee: Option<u32>,
    #[serde(default)]
    pub kind: Option<ConsultationType>,
    /// Patients only ever see verified doctors; staff may see all.
    #[serde(default)]
    pub verified_only: bool,
    #[serde(default)]
    pub sort: DirectorySort,
    /// From 0.
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub per_page: u32,
}

pub const DIRECTORY_PAGE_DEFAULT: u32 = 20;
pub const DIRECTORY_PAGE_MAX: u32 = 100;

/// One doctor in a directory page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    pub doctor: DoctorRecord,
    /// Within the search's slot range; `None`: nothing free there.
    pub next_free: Option<Slot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryPage {
    pub entries: Vec<DirectoryEntry>,
    /// Doctors matching the filters, over all pages.
    pub total: u32,
}

fn folded(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Whether `doctor` passes the query's filters (not the paging).
fn matches(doctor: &DoctorRecord, query: &DirectoryQuery, text: &str) -> bool {
    let p = &doctor.profile;
    let same = |want: &Option<String>, have: &str| {
        want.as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .is_none_or(|w| have.trim().eq_ignore_ascii_case(w))
    };
    (!query.verified_only || doctor.verification.is_verified())
        && same(&query.specialty, &p.specialty)
        && same(&query.city, &p.city)
        && query
            .language
            .as_deref()
            .is_none_or(|l| p.languages.iter().any(|have| have == l))
        && query
            .max_fee
            .is_none_or(|max| p.fees.of(query.kind.unwrap_or(ConsultationType::InPerson)) <= max)
        && (text.is_empty()
            || [&p.display_name, &p.specialty, &p.qualifications]
                .iter()
                .any(|field| field.to_lowercase().contains(text)))
}

/// Search the directory. `busy_of` gives a doctor's busy times; next free slots are looked for in
/// `slots` (with its days worked out once in `days`) — only for the doctors on the page, unless
/// the order is by next free slot.
pub fn search_directory<'a>(
    doctors: &[DoctorRecord],
    query: &DirectoryQuery,
    days: &ClinicDays,
    slots: &SlotQuery,
    busy_of: impl Fn(UserId) -> &'a [Busy],
) -> DirectoryPage {
    let text = folded(&query.text);
    let found: Vec<&DoctorRecord> = doctors
        .iter()
        .filter(|d| matches(d, query, &text))
        .collect();
    let total = found.len() as u32;
    let per_page = match query.per_page {
        0 => DIRECTORY_PAGE_DEFAULT,
        n => n.min(DIRECTORY_PAGE_MAX),
    } as usize;
    let skip = (query.page as usize).saturating_mul(per_page);
    let kind = query.kind.unwrap_or(ConsultationType::InPerson);
    let slot_query = SlotQuery { kind, ..*slots };
    let next = |d: &DoctorRecord| next_free_slot(days, &d.pattern, &slot_query, busy_of(d.id));
    let name = |d: &DoctorRecord| (d.profile.display_name.to_lowercase(), d.id);
    let entries = if query.sort == DirectorySort::NextFreeSlot {
        let mut with_slots: Vec<(&DoctorRecord, Option<Slot>)> =
            found.into_iter().map(|d| (d, next(d))).collect();
        // Doctors with a free slot first, earliest first; then the rest by name.
        with_slots.sort_by_cached_key(|(d, slot)| (slot.is_none(), slot.map(|s| s.start), name(d)));
        with_slots
            .into_iter()
            .skip(skip)
            .take(per_page)
            .map(|(d, next_free)| DirectoryEntry {
                doctor: d.clone(),
                next_free,
            })
            .collect()
    } else {
        let mut found = found;
        match query.sort {
            DirectorySort::FeeLowest => {
                found.sort_by_cached_key(|d| (d.profile.fees.of(kind), name(d)))
            }
            DirectorySort::MostExperienced => found
                .sort_by_cached_key(|d| (std::cmp::Reverse(d.profile.experience_years), name(d))),
            _ => found.sort_by_cached_key(|d| name(d)),
        }
        found
            .into_iter()
            .skip(skip)
            .take(per_page)
            .map(|d| DirectoryEntry {
                doctor: d.clone(),
                next_free: next(d),
            })
            .collect()
    };
    DirectoryPage { entries, total }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};

    fn doctor(
        n: u128,
        name: &str,
        specialty: &str,
        city: &str,
        fee: u32,
        days: &[usize],
    ) -> DoctorRecord {
        let id = UserId::from_uuid(uuid::Uuid::from_u128(n));
        let session = Session {
            hours: LocalSpan {
                start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            },
            breaks: vec![],
        };
        DoctorRecord {
            id,
            profile: DoctorProfile {
                display_name: name.into(),
                specialty: specialty.into(),
                qualifications: "MBBS".into(),
                registration_number: format!("A-{n}"),
                experience_years: n as u16,
                city: city.into(),
                languages: vec!["bn".into()],
                fees: Fees {
                    in_person: fee,
                    video: fee / 2,
                },
                bio: String::new(),
            },
            verification: if n == 4 {
                Verification::Pending
            } else {
                Verification::Verified
            },
            pattern: WorkingPattern {
                doctor: id,
                weekly: std::array::from_fn(|d| {
                    if days.contains(&d) {
                        vec![session.clone()]
                    } else {
                        vec![]
                    }
                }),
                in_person_minutes: 15,
                video_minutes: 15,
                buffer_minutes: 0,
                daily_cap: None,
                leave: vec![],
                exceptions: vec![],
            },
        }
    }

    fn clinic() -> Vec<DoctorRecord> {
        // 2026-11-30 is a Monday (weekday index 0).
        vec![
            doctor(
                1,
                "Dr. Mizanur Rahman",
                "General medicine",
                "Dhaka",
                800,
                &[2],
            ),
            doctor(
                2,
                "Dr. Farhana Chowdhury",
                "Paediatrics",
                "Dhaka",
                1000,
                &[0],
            ),
            doctor(
                3,
                "Dr. Rafiqul Islam",
                "Cardiology",
                "Chattogram",
                1500,
                &[1],
            ),
            doctor(4, "Dr. New Doctor", "Paediatrics", "Dhaka", 500, &[0]),
        ]
    }

    fn search(query: DirectoryQuery) -> DirectoryPage {
        let slots = SlotQuery {
            kind: ConsultationType::InPerson,
            first_day: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            last_day: NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(),
            not_before: Utc.with_ymd_and_hms(2026, 11, 29, 0, 0, 0).unwrap(),
        };
        let days = ClinicDays::new(chrono_tz::Asia::Dhaka, &slots);
        search_directory(&clinic(), &query, &days, &slots, |_| &[])
    }

    fn names(page: &DirectoryPage) -> Vec<&str> {
        page.entries
            .iter()
            .map(|e| e.doctor.profile.display_name.as_str())
            .collect()
    }

    #[test]
    fn filters_combine_and_patients_see_only_verified_doctors() {
        let page = search(DirectoryQuery {
            specialty: Some("paediatrics".into()),
            city: Some("Dhaka".into()),
            ..Default::default()
        });
        assert_eq!(names(&page), ["Dr. Farhana Chowdhury", "Dr. New Doctor"]);
        let page = search(DirectoryQuery {
            specialty: Some("paediatrics".into()),
            verified_only: true,
            ..Default::default()
        });
        assert_eq!(names(&page), ["Dr. Farhana Chowdhury"]);
        let page = search(DirectoryQuery {
            text: " cardio".into(),
            ..Default::default()
        });
        assert_eq!(names(&page), ["Dr. Rafiqul Islam"]);
        let page = search(DirectoryQuery {
            max_fee: Some(600),
            kind: Some(ConsultationType::Video),
            verified_only: true,
            ..Default::default()
        });
        assert_eq!(
            names(&page),
            ["Dr. Farhana Chowdhury", "Dr. Mizanur Rahman"]
        );
        assert_eq!(page.total, 2);
    }

    #[test]
    fn ordered_by_next_free_slot_then_paged() {
        let page = search(DirectoryQuery {
            sort: DirectorySort::NextFreeSlot,
            verified_only: true,
            ..Default::default()
        });
        assert_eq!(
            names(&page),
            [
                "Dr. Farhana Chowdhury",
                "Dr. Rafiqul Islam",
                "Dr. Mizanur Rahman"
            ]
        );
        let first = page.entries[0].next_free.unwrap();
        assert_eq!(
            first.start,
            chrono_tz::Asia::Dhaka
                .with_ymd_and_hms(2026, 11, 30, 9, 0, 0)
                .unwrap()
        );
        let second_page = search(DirectoryQuery {
            sort: DirectorySort::FeeLowest,
            per_page: 2,
            page: 1,
            ..Default::default()
        });
        assert_eq!(second_page.total, 4);
        assert_eq!(
            names(&second_page),
            ["Dr. Farhana Chowdhury", "Dr. Rafiqul Islam"]
        );
        assert!(second_page.entries.iter().all(|e| e.next_free.is_some()));
    }

    #[test]
    fn a_profile_is_checked_field_by_field() {
        let mut d = clinic().remove(0);
        assert!(d.profile.check().is_ok());
        d.profile.display_name = " ".into();
        d.profile.fees.video = FEE_MAX + 1;
        d.profile.languages.push("klingon".into());
        let fields: Vec<String> = d
            .profile
            .check()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["display_name", "fee_video", "languages"]);
    }
}
