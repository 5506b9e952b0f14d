//! The demo clinic seeded on a first start with `--demo`: who works there and who its patients are.
//! Data only; the server makes the accounts and their random passwords.

use chrono::{NaiveDate, NaiveTime, Weekday};

use crate::account::Sex;
use crate::wire::WorkingHours;
use crate::Role;

pub struct DemoStaff {
    pub email: &'static str,
    pub display_name: &'static str,
    pub role: Role,
}

pub struct DemoDoctor {
    pub email: &'static str,
    pub display_name: &'static str,
    pub specialty: &'static str,
    /// (weekday, start hour, end hour) in the clinic's local time.
    pub hours: &'static [(Weekday, u32, u32)],
    pub qualifications: &'static str,
    pub experience_years: u16,
    pub fee: u32,
}

pub struct DemoPatient {
    pub full_name: String,
    pub email: String,
    pub sex: Sex,
    pub date_of_birth: NaiveDate,
    pub phone: String,
}

use Weekday::*;

pub const STAFF: [DemoStaff; 3] = [
    DemoStaff {
        email: "admin@demo.clinic",
        display_name: "Nasrin Akter",
        role: Role::Admin,
    },
    DemoStaff {
        email: "desk1@demo.clinic",
        display_name: "Shirin Sultana",
        role: Role::FrontDesk,
    },
    DemoStaff {
        email: "desk2@demo.clinic",
        display_name: "Tanvir Hossain",
        role: Role::FrontDesk,
    },
];

pub const DOCTORS: [DemoDoctor; 7] = [
    DemoDoctor {
        email: "dr.rahman@demo.clinic",
        display_name: "Dr. Mizanur Rahman",
        specialty: "General medicine",
        hours: &[
            (Sat, 9, 13),
            (Sun, 9, 13),
            (Mon, 9, 13),
            (Tue, 9, 13),
            (Wed, 9, 13),
            (Thu, 9, 13),
        ],
        qualifications: "MBBS, FCPS (Medicine)",
        experience_years: 14,
        fee: 800,
    },
    DemoDoctor {
        email: "dr.chowdhury@demo.clinic",
        display_name: "Dr. Farhana Chowdhury",
        specialty: "Paediatrics",
        hours: &[(Sat, 16, 20), (Mon, 16, 20), (Wed, 16, 20)],
        qualifications: "MBBS, DCH, FCPS (Paediatrics)",
        experience_years: 11,
        fee: 1000,
    },
    DemoDoctor {
        email: "dr.islam@demo.clinic",
        display_name: "Dr. Rafiqul Islam",
        specialty: "Cardiology",
        hours: &[(Sun, 17, 21), (Tue, 17, 21), (Thu, 17, 21)],
        qualifications: "MBBS, MD (Cardiology)",
        experience_years: 20,
        fee: 1500,
    },
    DemoDoctor {
        email: "dr.begum@demo.clinic",
        display_name: "Dr. Sabina Begum",
        specialty: "Obstetrics and gynaecology",
        hours: &[(Sat, 10, 14), (Sun, 10, 14), (Tue, 10, 14), (Wed, 10, 14)],
        qualifications: "MBBS, FCPS (Obs & Gynae)",
        experience_years: 16,
        fee: 1200,
    },
    DemoDoctor {
        email: "dr.ahmed@demo.clinic",
        display_name: "Dr. Kamal Ahmed",
        specialty: "Dermatology",
        hours: &[(Mon, 15, 19), (Thu, 15, 19), (Fri, 10, 13)],
        qualifications: "MBBS, DDV",
        experience_years: 8,
        fee: 900,
    },
    DemoDoctor {
        email: "dr.das@demo.clinic",
        display_name: "Dr. Ananya Das",
        specialty: "Orthopaedics",
        hours: &[(Sun, 9, 12), (Mon, 9, 12), (Wed, 14, 18), (Thu, 14, 18)],
        qualifications: "MBBS, MS (Orthopaedics)",
        experience_years: 12,
        fee: 1200,
    },
    // The emergency desk is staffed around the clock.
    DemoDoctor {
        email: "dr.hasan@demo.clinic",
        display_name: "Dr. Shafiq Hasan",
        specialty: "Emergency medicine",
        hours: &[
            (Sat, 0, 24),
            (Sun, 0, 24),
            (Mon, 0, 24),
            (Tue, 0, 24),
            (Wed, 0, 24),
            (Thu, 0, 24),
            (Fri, 0, 24),
        ],
        qualifications: "MBBS, FCPS (Emergency Medicine)",
        experience_years: 9,
        fee: 700,
    },
];

impl DemoDoctor {
    /// The doctor as the directory shows them: verified, in Dhaka, 15-minute visits.
    pub fn record(&self, id: crate::UserId) -> crate::doctor::DoctorRecord {
        use crate::availability::WorkingPattern;
        let weekly = crate::doctor::weekly_sessions(&self.weekly_hours());
        crate::doctor::DoctorRecord {
            id,
            profile: crate::doctor::DoctorProfile {
                display_name: self.display_name.to_owned(),
                specialty: self.specialty.to_owned(),
                qualifications: self.qualifications.to_owned(),
                registration_number: format!(
                    "A-{}",
                    10_000 + u32::from(self.experience_years) * 137
                ),
                experience_years: self.experience_years,
                city: "Dhaka".to_owned(),
                languages: vec!["bn".to_owned(), "en".to_owned()],
                fees: crate::doctor::Fees {
                    in_person: self.fee,
                    video: self.fee * 3 / 4,
                },
                bio: String::new(),
            },
            verification: crate::doctor::Verification::Verified,
            pattern: WorkingPattern {
                doctor: id,
                weekly,
                in_person_minutes: 15,
                video_minutes: 15,
                buffer_minutes: 0,
                daily_cap: None,
                leave: vec![],
                exceptions: vec![],
            },
        }
    }

    pub fn weekly_hours(&self) -> Vec<WorkingHours> {
        self.hours
            .iter()
            .map(|&(weekday, start, end)| WorkingHours {
                weekday,
                start: NaiveTime::from_hms_opt(start, 0, 0).expect("demo hour is valid"),
                // "24" is the end of the day: its last minute.
                end: match end {
                    24 => NaiveTime::from_hms_opt(23, 59, 0),
                    h => NaiveTime::from_hms_opt(h, 0, 0),
                }
                .expect("demo hour is valid"),
            })
            .collect()
    }
}

/// (name as written, ascii handle for the email, sex)
const GIVEN: [(&str, &str, Sex); 25] = [
    ("Rahima", "rahima", Sex::Female),
    ("Abdul", "abdul", Sex::Male),
    ("Fatema", "fatema", Sex::Female),
    ("Jahid", "jahid", Sex::Male),
    ("Sharmin", "sharmin", Sex::Female),
    ("Mahmud", "mahmud", Sex::Male),
    ("Taslima", "taslima", Sex::Female),
    ("Habib", "habib", Sex::Male),
    ("Nusrat", "nusrat", Sex::Female),
    ("Arif", "arif", Sex::Male),
    ("Ayesha", "ayesha", Sex::Female),
    ("Sohel", "sohel", Sex::Male),
    ("Moushumi", "moushumi", Sex::Female),
    ("Rakib", "rakib", Sex::Male),
    ("Shathi", "shathi", Sex::Female),
    ("Imran", "imran", Sex::Male),
    ("Lipi", "lipi", Sex::Female),
    ("Zahid", "zahid", Sex::Male),
    ("Priya", "priya", Sex::Female),
    ("Sujon", "sujon", Sex::Male),
    ("Kohinoor", "kohinoor", Sex::Female),
    ("Babul", "babul", Sex::Male),
    ("Dilruba", "dilruba", Sex::Female),
    ("Milon", "milon", Sex::Male),
    ("Rupa", "rupa", Sex::Female),
];

const FAMILY: [&str; 10] = [
    "Khatun",
    "Hossain",
    "Akter",
    "Rahman",
    "Begum",
    "Islam",
    "Chowdhury",
    "Sarkar",
    "Mondal",
    "Das",
];

/// The same people written in Bangla script, as a receptionist would type them.
const GIVEN_BN: [&str; 25] = [
    "রহিমা",
    "আব্দুল",
    "ফাতেমা",
    "জাহিদ",
    "শারমিন",
    "মাহমুদ",
    "তাসলিমা",
    "হাবিব",
    "নুসরাত",
    "আরিফ",
    "আয়েশা",
    "সোহেল",
    "মৌসুমী",
    "রাকিব",
    "সাথী",
    "ইমরান",
    "লিপি",
    "জাহিদ",
    "প্রিয়া",
    "সুজন",
    "কোহিনূর",
    "বাবুল",
    "দিলরুবা",
    "মিলন",
    "রূপা",
];

const FAMILY_BN: [&str; 10] = [
    "খাতুন",
    "হোসেন",
    "আক্তার",
    "রহমান",
    "বেগম",
    "ইসলাম",
    "চৌধুরী",
    "সরকার",
    "মণ্ডল",
    "দাস",
];

/// Fifty patients: the first 25 with names in English spelling, the next 25 in Bangla script.
pub fn patients() -> Vec<DemoPatient> {
    (0..50)
        .map(|i| {
            let g = i % GIVEN.len();
            let f = (i * 7 + i / 25) % FAMILY.len();
            let (given, handle, sex) = GIVEN[g];
            let full_name = if i < 25 {
                format!("{given} {}", FAMILY[f])
            } else {
                format!("{} {}", GIVEN_BN[g], FAMILY_BN[f])
            };
            let year = 1950 + (i as i32 * 37) % 70;
            let month = 1 + (i as u32 * 5) % 12;
            let day = 1 + (i as u32 * 11) % 28;
            DemoPatient {
                full_name,
                email: format!(
                    "{handle}.{}{i:02}@patients.demo.clinic",
                    FAMILY[f].to_lowercase()
                ),
                sex,
                date_of_birth: NaiveDate::from_ymd_opt(year, month, day).expect("valid demo date"),
                phone: format!("+880 17{:02}-{:06}", 10 + i % 80, 100_000 + i * 7919),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn fifty_distinct_patients_half_in_bangla_script() {
        let patients = patients();
        assert_eq!(patients.len(), 50);
        let emails: HashSet<_> = patients.iter().map(|p| &p.email).collect();
        assert_eq!(emails.len(), 50);
        let bangla = patients
            .iter()
            .filter(|p| {
                p.full_name
                    .chars()
                    .any(|c| ('\u{0980}'..='\u{09FF}').contains(&c))
            })
            .count();
        assert_eq!(bangla, 25);
    }

    #[test]
    fn demo_data_passes_the_clinic_rules() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        for p in patients() {
            let form = crate::account::DemographicsForm {
                full_name: p.full_name.clone(),
                phone: Some(p.phone.clone()),
                date_of_birth: Some(p.date_of_birth.to_string()),
                ..Default::default()
            };
            assert!(form.validate(today).is_ok(), "{}", p.full_name);
        }
        let specialties: HashSet<_> = DOCTORS.iter().map(|d| d.specialty).collect();
        assert_eq!(specialties.len(), DOCTORS.len(), "one doctor per specialty");
        for d in &DOCTORS {
            assert!(
                d.weekly_hours().iter().all(|h| h.start < h.end),
                "{}",
                d.display_name
            );
            let record = d.record(crate::UserId::from_uuid(uuid::Uuid::from_u128(1)));
            assert!(record.profile.check().is_ok(), "{}", d.display_name);
            assert!(record.pattern.check().is_ok(), "{}", d.display_name);
        }
    }
}
