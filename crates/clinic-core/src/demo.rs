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

pub const DOCTORS: [DemoDoctor; 6] = [
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
    },
    DemoDoctor {
        email: "dr.chowdhury@demo.clinic",
        display_name: "Dr. Farhana Chowdhury",
        specialty: "Paediatrics",
        hours: &[(Sat, 16, 20), (Mon, 16, 20), (Wed, 16, 20)],
    },
    DemoDoctor {
        email: "dr.islam@demo.clinic",
        display_name: "Dr. Rafiqul Islam",
        specialty: "Cardiology",
        hours: &[(Sun, 17, 21), (Tue, 17, 21), (Thu, 17, 21)],
    },
    DemoDoctor {
        email: "dr.begum@demo.clinic",
        display_name: "Dr. Sabina Begum",
        specialty: "Obstetrics and gynaecology",
        hours: &[(Sat, 10, 14), (Sun, 10, 14), (Tue, 10, 14), (Wed, 10, 14)],
    },
    DemoDoctor {
        email: "dr.ahmed@demo.clinic",
        display_name: "Dr. Kamal Ahmed",
        specialty: "Dermatology",
        hours: &[(Mon, 15, 19), (Thu, 15, 19), (Fri, 10, 13)],
    },
    DemoDoctor {
        email: "dr.das@demo.clinic",
        display_name: "Dr. Ananya Das",
        specialty: "Orthopaedics",
        hours: &[(Sun, 9, 12), (Mon, 9, 12), (Wed, 14, 18), (Thu, 14, 18)],
    },
];

impl DemoDoctor {
    pub fn weekly_hours(&self) -> Vec<WorkingHours> {
        self.hours
            .iter()
            .map(|&(weekday, start, end)| WorkingHours {
                weekday,
                start: NaiveTime::from_hms_opt(start, 0, 0).expect("demo hour is valid"),
                end: NaiveTime::from_hms_opt(end, 0, 0).expect("demo hour is valid"),
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
        assert_eq!(specialties.len(), 6);
        for d in &DOCTORS {
            assert!(
                d.weekly_hours().iter().all(|h| h.start < h.end),
                "{}",
                d.display_name
            );
        }
    }
}
