//! Doctors as the clinic presents them: profile, verification by an admin, working pattern, and
//! the directory search over them. Pure.

use serde::{Deserialize, Serialize};

use crate::account::{check_name, check_optional_length, FieldError, FieldProblem};
use crate::availability::{next_free_slot, Busy, ClinicDays, ConsultationType, Slot, SlotQuery};
use crate::availability::{LocalSpan, Session, WorkingPattern};
use crate::UserId;

mod verification;
pub use verification::REJECTION_REASON_MAX_CHARS;

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

/// A word of a doctor's name, specialty or qualifications, lowercased, for prefix search.
fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

const KINDS: [ConsultationType; 2] = [ConsultationType::InPerson, ConsultationType::Video];

fn kind_index(kind: ConsultationType) -> usize {
    match kind {
        ConsultationType::InPerson => 0,
        ConsultationType::Video => 1,
    }
}

/// The directory made ready to search many times (a desk's copy of the clinic): words indexed
/// for prefix search, specialties and cities as numbers, each doctor's next free slot for both
/// kinds of consultation, and every order worked out once. A search is then a walk down one
/// order with cheap checks.
pub struct Directory {
    doctors: Vec<DoctorRecord>,
    specialties: std::collections::HashMap<String, u32>,
    cities: std::collections::HashMap<String, u32>,
    specialty: Vec<u32>,
    city: Vec<u32>,
    // What the filters read, kept compact so a walk over every doctor stays in the cache.
    verified: Vec<bool>,
    /// Bit `n`: speaks `LANGUAGES[n]`.
    languages: Vec<u8>,
    fees: [Vec<u32>; 2],
    /// (word, doctor), sorted.
    words: Vec<(String, u32)>,
    next_free: [Vec<Option<Slot>>; 2],
    by_name: Vec<u32>,
    by_fee: [Vec<u32>; 2],
    by_experience: Vec<u32>,
    by_next_free: [Vec<u32>; 2],
}

impl Directory {
    /// Prepare `doctors`; next free slots are looked for in `slots` (days worked out in `days`),
    /// given each doctor's busy times from `busy_of`.
    pub fn new<'a>(
        doctors: Vec<DoctorRecord>,
        days: &ClinicDays,
        slots: &SlotQuery,
        busy_of: impl Fn(UserId) -> &'a [Busy],
    ) -> Directory {
        let mut specialties = std::collections::HashMap::new();
        let mut cities = std::collections::HashMap::new();
        let intern = |map: &mut std::collections::HashMap<String, u32>, text: &str| {
            let next = map.len() as u32;
            *map.entry(folded(text)).or_insert(next)
        };
        let specialty: Vec<u32> = doctors
            .iter()
            .map(|d| intern(&mut specialties, &d.profile.specialty))
            .collect();
        let city: Vec<u32> = doctors
            .iter()
            .map(|d| intern(&mut cities, &d.profile.city))
            .collect();
        let mut words: Vec<(String, u32)> = doctors
            .iter()
            .enumerate()
            .flat_map(|(i, d)| {
                let p = &d.profile;
                [&p.display_name, &p.specialty, &p.qualifications]
                    .into_iter()
                    .flat_map(|field| words_of(field).collect::<Vec<_>>())
                    .map(move |w| (w, i as u32))
            })
            .collect();
        words.sort_unstable();
        words.dedup();
        let next_free = KINDS.map(|kind| {
            let query = SlotQuery { kind, ..*slots };
            doctors
                .iter()
                .map(|d| next_free_slot(days, &d.pattern, &query, busy_of(d.id)))
                .collect::<Vec<_>>()
        });
        let names: Vec<String> = doctors
            .iter()
            .map(|d| d.profile.display_name.to_lowercase())
            .collect();
        let ordered = |key: &dyn Fn(usize) -> (u64, u64)| {
            let mut order: Vec<u32> = (0..doctors.len() as u32).collect();
            order.sort_by(|&a, &b| {
                let (a, b) = (a as usize, b as usize);
                key(a)
                    .cmp(&key(b))
                    .then_with(|| names[a].cmp(&names[b]))
                    .then_with(|| doctors[a].id.cmp(&doctors[b].id))
            });
            order
        };
        let by_name = ordered(&|_| (0, 0));
        let by_fee =
            KINDS.map(|kind| ordered(&|i| (u64::from(doctors[i].profile.fees.of(kind)), 0)));
        let by_experience =
            ordered(&|i| (u64::from(u16::MAX - doctors[i].profile.experience_years), 0));
        let by_next_free = [0, 1].map(|k| {
            ordered(&|i| match next_free[k][i] {
                Some(slot) => (0, slot.start.timestamp() as u64),
                None => (1, 0),
            })
        });
        let verified = doctors
            .iter()
            .map(|d| d.verification.is_verified())
            .collect();
        let languages = doctors
            .iter()
            .map(|d| {
                d.profile.languages.iter().fold(0u8, |bits, l| {
                    bits | LANGUAGES
                        .iter()
                        .position(|known| known == l)
                        .map_or(0, |n| 1 << n)
                })
            })
            .collect();
        let fees = KINDS.map(|kind| doctors.iter().map(|d| d.profile.fees.of(kind)).collect());
        Directory {
            doctors,
            specialties,
            cities,
            specialty,
            city,
            verified,
            languages,
            fees,
            words,
            next_free,
            by_name,
            by_fee,
            by_experience,
            by_next_free,
        }
    }

    /// The doctors whose words start with every word of `text` (`None`: no text to match).
    fn text_matches(&self, text: &str) -> Option<Vec<bool>> {
        let mut found: Option<Vec<bool>> = None;
        for want in words_of(text) {
            let mut these = vec![false; self.doctors.len()];
            let first = self
                .words
                .partition_point(|(w, _)| w.as_str() < want.as_str());
            for (word, doctor) in &self.words[first..] {
                if !word.starts_with(&want) {
                    break;
                }
                these[*doctor as usize] = true;
            }
            found = Some(match found {
                None => these,
                Some(before) => before.iter().zip(&these).map(|(a, b)| *a && *b).collect(),
            });
        }
        found
    }

    /// Search: the filters, one order, one page.
    pub fn search(&self, query: &DirectoryQuery) -> DirectoryPage {
        let empty = DirectoryPage {
            entries: Vec::new(),
            total: 0,
        };
        let wanted =
            |map: &std::collections::HashMap<String, u32>, want: &Option<String>| match want
                .as_deref()
                .map(folded)
                .filter(|w| !w.is_empty())
            {
                None => Ok(None),
                Some(w) => map.get(&w).copied().map(Some).ok_or(()),
            };
        let (Ok(specialty), Ok(city)) = (
            wanted(&self.specialties, &query.specialty),
            wanted(&self.cities, &query.city),
        ) else {
            return empty;
        };
        let text = self.text_matches(&query.text);
        let language = match query.language.as_deref() {
            None => None,
            Some(l) => match LANGUAGES.iter().position(|known| *known == l) {
                Some(n) => Some(1u8 << n),
                None => return empty,
            },
        };
        let kind = query.kind.unwrap_or(ConsultationType::InPerson);
        let k = kind_index(kind);
        let order = match query.sort {
            DirectorySort::Name => &self.by_name,
            DirectorySort::FeeLowest => &self.by_fee[k],
            DirectorySort::MostExperienced => &self.by_experience,
            DirectorySort::NextFreeSlot => &self.by_next_free[k],
        };
        let per_page = match query.per_page {
            0 => DIRECTORY_PAGE_DEFAULT,
            n => n.min(DIRECTORY_PAGE_MAX),
        } as usize;
        let skip = (query.page as usize).saturating_mul(per_page);
        let mut total = 0u32;
        let mut entries = Vec::new();
        for &i in order {
            let i = i as usize;
            let passes = text.as_ref().is_none_or(|t| t[i])
                && specialty.is_none_or(|s| self.specialty[i] == s)
                && city.is_none_or(|c| self.city[i] == c)
                && (!query.verified_only || self.verified[i])
                && language.is_none_or(|bit| self.languages[i] & bit != 0)
                && query.max_fee.is_none_or(|max| self.fees[k][i] <= max);
            if !passes {
                continue;
            }
            if total as usize >= skip && entries.len() < per_page {
                entries.push(DirectoryEntry {
                    doctor: self.doctors[i].clone(),
                    next_free: self.next_free[k][i],
                });
            }
            total += 1;
        }
        DirectoryPage { entries, total }
    }
}

/// Search the directory once (prepares a [`Directory`] for it; a desk that searches often keeps
/// one). `busy_of` gives a doctor's busy times; next free slots are looked for in `slots`.
pub fn search_directory<'a>(
    doctors: &[DoctorRecord],
    query: &DirectoryQuery,
    days: &ClinicDays,
    slots: &SlotQuery,
    busy_of: impl Fn(UserId) -> &'a [Busy],
) -> DirectoryPage {
    Directory::new(doctors.to_vec(), days, slots, busy_of).search(query)
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
    fn words_match_by_their_beginning_and_every_word_must_match() {
        let page = search(DirectoryQuery {
            text: "Dr. Farh".into(),
            ..Default::default()
        });
        assert_eq!(names(&page), ["Dr. Farhana Chowdhury"]);
        let page = search(DirectoryQuery {
            text: "paed new".into(),
            ..Default::default()
        });
        assert_eq!(names(&page), ["Dr. New Doctor"]);
        let page = search(DirectoryQuery {
            text: "hana".into(),
            ..Default::default()
        });
        assert_eq!(page.total, 0, "a word's middle is not its beginning");
        let page = search(DirectoryQuery {
            city: Some("Sylhet".into()),
            ..Default::default()
        });
        assert_eq!(page.total, 0, "a city no doctor is in");
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

/// What a doctor's uploaded file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentPurpose {
    /// A degree, a registration certificate: read by the admins who verify the doctor.
    Credential,
    /// The picture the directory shows.
    Photo,
}

/// The most files of one purpose (credentials, photos) a doctor sends in a day.
pub const DOCUMENTS_PER_PURPOSE_PER_DAY: usize = 20;

pub const CREDENTIAL_MAX_BYTES: u64 = 10 * 1024 * 1024;
pub const PHOTO_MAX_BYTES: u64 = 2 * 1024 * 1024;

impl DocumentPurpose {
    pub fn rule(self) -> crate::upload::UploadRule {
        use crate::upload::{FileKind, UploadRule};
        match self {
            DocumentPurpose::Credential => UploadRule {
                kinds: &[FileKind::Pdf, FileKind::Jpeg, FileKind::Png],
                max_bytes: CREDENTIAL_MAX_BYTES,
            },
            DocumentPurpose::Photo => UploadRule {
                kinds: &[FileKind::Jpeg, FileKind::Png],
                max_bytes: PHOTO_MAX_BYTES,
            },
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentPurpose::Credential => "credential",
            DocumentPurpose::Photo => "photo",
        }
    }
}

/// A file a doctor uploaded, as the server keeps it. The name is made by the server (never the
/// one the file came with); the hash names the content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorDocument {
    pub id: uuid::Uuid,
    pub doctor: UserId,
    pub purpose: DocumentPurpose,
    pub kind: crate::upload::FileKind,
    pub size: u64,
    pub sha256: String,
    pub file_name: String,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
    pub uploaded_by: UserId,
}

impl DoctorDocument {
    /// `credential-2026-11-24-1a2b3c4d.pdf`: the purpose, the day and the start of the hash.
    pub fn server_file_name(
        purpose: DocumentPurpose,
        kind: crate::upload::FileKind,
        sha256: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> String {
        format!(
            "{}-{}-{}.{}",
            purpose.as_str(),
            at.format("%Y-%m-%d"),
            &sha256[..sha256.len().min(8)],
            kind.extension()
        )
    }
}
