//! Doctor search over 100,000 doctors with filters, in memory (what a desk does from its copy).
//! `cargo bench -p clinic-core --bench directory`
//!
//! The directory is prepared once ([`Directory`]: words indexed for prefix search, orders and next
//! free slots worked out), as a desk keeps it; then 500 searches of mixed shapes (text, specialty + city, language + fee limit, sorted by name, fee
//! or next free slot within a filter), each answering a page of 20 with next free slots. Reported:
//! p50 and p99 per search. Baseline in the same run: the filters alone (no sorting, no slots), so
//! the ratio is what ordering and next-free-slot cost on top of a plain scan.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use clinic_core::availability::{
    Busy, ClinicDays, ConsultationType, LocalSpan, Session, SlotQuery, WorkingPattern,
};
use clinic_core::doctor::{
    Directory, DirectoryQuery, DirectorySort, DoctorProfile, DoctorRecord, Fees, Verification,
};
use clinic_core::UserId;

const DOCTORS: usize = 100_000;
const SPECIALTIES: [&str; 12] = [
    "General medicine",
    "Paediatrics",
    "Cardiology",
    "Obstetrics and gynaecology",
    "Dermatology",
    "Orthopaedics",
    "Neurology",
    "Psychiatry",
    "ENT",
    "Ophthalmology",
    "Urology",
    "Endocrinology",
];
const CITIES: [&str; 8] = [
    "Dhaka",
    "Chattogram",
    "Sylhet",
    "Khulna",
    "Rajshahi",
    "Barishal",
    "Rangpur",
    "Mymensingh",
];
const NAMES: [&str; 10] = [
    "Rahman",
    "Chowdhury",
    "Islam",
    "Begum",
    "Ahmed",
    "Das",
    "Hasan",
    "Khatun",
    "Sarkar",
    "Uddin",
];

fn t(h: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, 0, 0).unwrap()
}

fn doctor(i: usize) -> DoctorRecord {
    let id = UserId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1));
    let session = Session {
        hours: LocalSpan {
            start: t(9 + (i % 8) as u32),
            end: t(13 + (i % 8) as u32),
        },
        breaks: vec![],
    };
    let mut weekly: [Vec<Session>; 7] = Default::default();
    for (d, day) in weekly.iter_mut().enumerate() {
        if !(i + d).is_multiple_of(3) {
            day.push(session.clone());
        }
    }
    DoctorRecord {
        id,
        profile: DoctorProfile {
            display_name: format!("Dr. {} {}", NAMES[i % 10], i),
            specialty: SPECIALTIES[i % SPECIALTIES.len()].to_owned(),
            qualifications: "MBBS, FCPS".to_owned(),
            registration_number: format!("A-{i}"),
            experience_years: (i % 40) as u16,
            city: CITIES[(i / 7) % CITIES.len()].to_owned(),
            languages: if i.is_multiple_of(4) {
                vec!["bn".into(), "en".into(), "hi".into()]
            } else {
                vec!["bn".into(), "en".into()]
            },
            fees: Fees {
                in_person: 300 + (i % 20) as u32 * 100,
                video: 200 + (i % 20) as u32 * 80,
            },
            bio: String::new(),
        },
        verification: if i.is_multiple_of(50) {
            Verification::Pending
        } else {
            Verification::Verified
        },
        pattern: WorkingPattern {
            doctor: id,
            weekly,
            in_person_minutes: 15,
            video_minutes: 20,
            buffer_minutes: 0,
            daily_cap: None,
            leave: vec![],
            exceptions: vec![],
        },
    }
}

fn queries() -> Vec<DirectoryQuery> {
    let mut out = Vec::new();
    for i in 0..500usize {
        let q = match i % 5 {
            0 => DirectoryQuery {
                text: NAMES[i % 10].to_lowercase(),
                verified_only: true,
                ..Default::default()
            },
            1 => DirectoryQuery {
                specialty: Some(SPECIALTIES[i % 12].to_owned()),
                city: Some(CITIES[i % 8].to_owned()),
                verified_only: true,
                sort: DirectorySort::NextFreeSlot,
                ..Default::default()
            },
            2 => DirectoryQuery {
                language: Some("hi".into()),
                max_fee: Some(800),
                kind: Some(ConsultationType::Video),
                verified_only: true,
                sort: DirectorySort::FeeLowest,
                ..Default::default()
            },
            3 => DirectoryQuery {
                specialty: Some(SPECIALTIES[i % 12].to_owned()),
                sort: DirectorySort::MostExperienced,
                page: 3,
                ..Default::default()
            },
            _ => DirectoryQuery {
                city: Some(CITIES[i % 8].to_owned()),
                verified_only: true,
                ..Default::default()
            },
        };
        out.push(q);
    }
    out
}

fn percentiles(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.99))
}

fn main() {
    let tz = chrono_tz::Asia::Dhaka;
    let first: NaiveDate = "2026-11-24".parse().unwrap();
    let slots = SlotQuery {
        kind: ConsultationType::InPerson,
        first_day: first,
        last_day: first + chrono::Days::new(13),
        not_before: tz
            .with_ymd_and_hms(2026, 11, 24, 8, 0, 0)
            .unwrap()
            .with_timezone(&Utc),
    };
    let doctors: Vec<DoctorRecord> = (0..DOCTORS).map(doctor).collect();
    let days = ClinicDays::new(tz, &slots);
    let none: Vec<Busy> = Vec::new();
    let queries = queries();

    // The desk prepares its directory once (and again when doctors or bookings change).
    let start = Instant::now();
    let directory = Directory::new(doctors.clone(), &days, &slots, |_| &none);
    let prepared = start.elapsed();
    // Warm up, then measure each search.
    for q in queries.iter().take(20) {
        std::hint::black_box(directory.search(q));
    }
    let mut searches = Vec::new();
    let mut found = 0u64;
    for q in &queries {
        let start = Instant::now();
        let page = directory.search(q);
        searches.push(start.elapsed());
        found += u64::from(page.total);
        std::hint::black_box(page);
    }
    // Baseline: the same filters as a plain scan (a text match on the name only).
    let mut scans = Vec::new();
    for q in &queries {
        let start = Instant::now();
        let n = doctors
            .iter()
            .filter(|d| {
                q.specialty
                    .as_deref()
                    .is_none_or(|s| d.profile.specialty.eq_ignore_ascii_case(s))
                    && q.city
                        .as_deref()
                        .is_none_or(|c| d.profile.city.eq_ignore_ascii_case(c))
                    && (q.text.is_empty() || d.profile.display_name.contains(&q.text))
            })
            .count();
        scans.push(start.elapsed());
        std::hint::black_box(n);
    }
    let (p50, p99) = percentiles(searches);
    let (b50, b99) = percentiles(scans);
    println!(
        "directory search, {DOCTORS} doctors, 500 searches (page of 20 with next free slots; {} matches in all):",
        found
    );
    println!(
        "  search            p50 {:>7.3} ms   p99 {:>7.3} ms   (goal p99 < 5 ms)",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    println!(
        "  preparing the directory once (words, orders, next free slots): {:.0} ms",
        prepared.as_secs_f64() * 1e3
    );
    println!(
        "  baseline scan     p50 {:>7.3} ms   p99 {:>7.3} ms   (search / scan at p50: {:.1}×)",
        b50.as_secs_f64() * 1e3,
        b99.as_secs_f64() * 1e3,
        p50.as_secs_f64() / b50.as_secs_f64()
    );
}
