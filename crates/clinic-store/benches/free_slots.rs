//! Free slots from the encrypted store: 1,000 doctors × 30 days, with 20,000 booked appointments,
//! read from a real SQLCipher file and walked by the availability engine — what a desk does for
//! "next free slot" across the clinic. `cargo bench -p clinic-store --bench free_slots`
//!
//! Reported (median of 15, warm): reading the doctors, reading the busy times, the engine's walk,
//! and the whole; baseline in the same run: the engine alone on the same data in memory, so the
//! ratio is the store's share.

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, NaiveTime, TimeZone, Utc};
use clinic_core::appointment::{AppointmentRecord, Origin, Status, StatusChange};
use clinic_core::availability::{
    free_slots_for, next_free_slot, Busy, ClinicDays, ConsultationType, LocalSpan, Session, Slot,
    SlotQuery, WorkingPattern,
};
use clinic_core::doctor::{DoctorProfile, DoctorRecord, Fees, Verification};
use clinic_core::sync::{Change, ChangeBody, PullResponse};
use clinic_core::{AppointmentId, PatientId, UserId};
use clinic_store::{DatabaseKey, Store};

const DOCTORS: usize = 1000;
const APPOINTMENTS: usize = 20_000;

fn median(mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..15 {
        let start = Instant::now();
        n = std::hint::black_box(f());
        times.push(start.elapsed());
    }
    times.sort();
    (times[times.len() / 2], n)
}

fn doctor(i: usize) -> DoctorRecord {
    let id = UserId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1));
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    let session = Session {
        hours: LocalSpan {
            start: t(9),
            end: t(13),
        },
        breaks: vec![],
    };
    let evening = Session {
        hours: LocalSpan {
            start: t(17),
            end: t(20),
        },
        breaks: vec![],
    };
    let mut weekly: [Vec<Session>; 7] =
        std::array::from_fn(|_| vec![session.clone(), evening.clone()]);
    weekly[4].clear();
    DoctorRecord {
        id,
        profile: DoctorProfile {
            display_name: format!("Dr. Bench {i}"),
            specialty: "General medicine".into(),
            qualifications: "MBBS".into(),
            registration_number: format!("B-{i}"),
            experience_years: 10,
            city: "Dhaka".into(),
            languages: vec!["bn".into()],
            fees: Fees {
                in_person: 500,
                video: 400,
            },
            bio: String::new(),
        },
        verification: Verification::Verified,
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

fn main() {
    let tz = chrono_tz::Asia::Dhaka;
    let first: NaiveDate = "2026-11-24".parse().unwrap();
    let query = SlotQuery {
        kind: ConsultationType::InPerson,
        first_day: first,
        last_day: first + Days::new(29),
        not_before: tz
            .with_ymd_and_hms(2026, 11, 24, 8, 0, 0)
            .unwrap()
            .with_timezone(&Utc),
    };
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("desk.db"), &DatabaseKey::generate()).unwrap();
    store.set_clinic_time_zone("Asia/Dhaka").unwrap();
    let doctors: Vec<DoctorRecord> = (0..DOCTORS).map(doctor).collect();
    let mut changes: Vec<Change> = doctors
        .iter()
        .enumerate()
        .map(|(i, d)| Change {
            seq: i as u64 + 1,
            body: ChangeBody::Doctor(Box::new(d.clone())),
        })
        .collect();
    // 20 bookings per doctor over the month, on the morning grid.
    for n in 0..APPOINTMENTS {
        let d = &doctors[n % DOCTORS];
        let day = first + Days::new(((n / DOCTORS) % 30) as u64);
        let start = tz
            .from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(9, 15, 0).unwrap()))
            .unwrap()
            .with_timezone(&Utc);
        let record = AppointmentRecord {
            id: AppointmentId::from_uuid(uuid::Uuid::from_u128(1_000_000 + n as u128)),
            patient: PatientId::from_uuid(uuid::Uuid::from_u128(5_000_000 + n as u128)),
            doctor: d.id,
            consultation: ConsultationType::InPerson,
            origin: Origin::Booked,
            status: Status::Confirmed,
            slot: Some(Slot {
                start,
                end: start + chrono::Duration::minutes(15),
                doctor: d.id,
            }),
            day,
            token: None,
            reason: None,
            replaces: None,
            history: vec![StatusChange {
                status: Status::Confirmed,
                at: start,
                by: d.id,
                reason: None,
            }],
        };
        changes.push(Change {
            seq: (DOCTORS + n) as u64 + 1,
            body: ChangeBody::Appointment(record),
        });
    }
    let cursor = changes.len() as u64;
    store
        .apply_pulled(
            &PullResponse {
                changes,
                cursor,
                more: false,
                restarted: false,
            },
            query.not_before,
        )
        .unwrap();

    let days = ClinicDays::new(tz, &query);
    let from = clinic_core::availability::instant(tz, first.and_time(NaiveTime::MIN));
    let to = clinic_core::availability::instant(
        tz,
        (query.last_day + Days::new(1)).and_time(NaiveTime::MIN),
    );
    let (read_doctors, n_doctors) = median(|| store.doctors().unwrap().len());
    let (read_busy, n_busy) = median(|| store.busy(None, from, to).unwrap().len());
    let busy: Vec<Busy> = store.busy(None, from, to).unwrap();
    let of = |busy: &'_ [Busy], id| {
        let first = busy.partition_point(|b| b.doctor < id);
        let end = busy.partition_point(|b| b.doctor <= id);
        first..end
    };
    let (next_in_memory, _) = median(|| {
        doctors
            .iter()
            .filter_map(|d| next_free_slot(&days, &d.pattern, &query, &busy[of(&busy, d.id)]))
            .count()
    });
    let (whole, found) = median(|| {
        // As the desk does it: the doctors, every busy time in one query, the walk.
        let doctors = store.doctors().unwrap();
        let busy = store.busy(None, from, to).unwrap();
        doctors
            .iter()
            .filter(|d| next_free_slot(&days, &d.pattern, &query, &busy[of(&busy, d.id)]).is_some())
            .count()
    });
    let (all_slots, total) =
        median(|| free_slots_for(doctors.iter().map(|d| &d.pattern), tz, &query, &busy).len());
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    println!(
        "free slots from the encrypted store, {n_doctors} doctors × 30 days, {n_busy} bookings (median of 15):"
    );
    println!("  read the doctors                    {}", ms(read_doctors));
    println!("  read every busy time (one query)    {}", ms(read_busy));
    println!(
        "  next free slot of each, from store  {}   (goal < 50 ms; {found} found)",
        ms(whole)
    );
    println!(
        "  the same in memory (baseline)       {}   (store / memory: {:.1}×)",
        ms(next_in_memory),
        whole.as_secs_f64() / next_in_memory.as_secs_f64()
    );
    println!(
        "  every free slot, in memory          {}   ({total} slots)",
        ms(all_slots)
    );
}
