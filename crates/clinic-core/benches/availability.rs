//! The availability engine in memory: 1,000 doctors × 30 days, warm (median of 15 runs).
//! `cargo bench -p clinic-core --bench availability`
//!
//! Two questions a clinic asks of it: "every free slot" (a day list, a calendar) and "each
//! doctor's next free slot" (the directory sorts by it). The second is the one with a 1 ms goal.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveTime};
use clinic_core::availability::{
    free_slots_in, instant, next_free_slot, Busy, ClinicDays, ConsultationType, LocalSpan, Session,
    SlotQuery, WorkingPattern,
};
use clinic_core::UserId;

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

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

fn main() {
    let tz = chrono_tz::Asia::Dhaka;
    let first: NaiveDate = "2026-11-24".parse().unwrap();
    let doctors: Vec<WorkingPattern> = (0..1000u128)
        .map(|i| {
            let morning = Session {
                hours: LocalSpan {
                    start: t(9, 0),
                    end: t(13, 0),
                },
                breaks: vec![LocalSpan {
                    start: t(11, 0),
                    end: t(11, 15),
                }],
            };
            let evening = Session {
                hours: LocalSpan {
                    start: t(17, 0),
                    end: t(20, 0),
                },
                breaks: vec![],
            };
            let mut weekly: [Vec<Session>; 7] =
                std::array::from_fn(|_| vec![morning.clone(), evening.clone()]);
            weekly[4].clear(); // Friday off
            WorkingPattern {
                doctor: UserId::from_uuid(uuid::Uuid::from_u128(i + 1)),
                weekly,
                in_person_minutes: 15,
                video_minutes: 20,
                buffer_minutes: 5,
                daily_cap: Some(20),
                leave: vec![],
                exceptions: vec![],
            }
        })
        .collect();
    // Each doctor is booked solid for their first two working days, then half the mornings.
    let mut busy = Vec::new();
    for d in &doctors {
        for day in 0..30 {
            let date = first + chrono::Duration::days(day);
            let hours: &[u32] = if day < 2 {
                &[9, 10, 11, 12, 17, 18, 19]
            } else {
                &[9, 10]
            };
            for &h in hours {
                busy.push(Busy {
                    doctor: d.doctor,
                    start: instant(tz, date.and_time(t(h, 0))),
                    end: instant(tz, date.and_time(t(h, 55))),
                });
            }
        }
    }
    let query = SlotQuery {
        kind: ConsultationType::InPerson,
        first_day: first,
        last_day: first + chrono::Duration::days(29),
        not_before: instant(tz, first.and_time(t(8, 0))),
    };
    // Bookings indexed per doctor, as a caller holding them would.
    let mut by_doctor: std::collections::HashMap<UserId, Vec<Busy>> = Default::default();
    for b in &busy {
        by_doctor.entry(b.doctor).or_default().push(*b);
    }
    let (all, slots) = median(|| {
        let days = ClinicDays::new(tz, &query);
        doctors
            .iter()
            .map(|d| free_slots_in(&days, d, &query, &by_doctor[&d.doctor]).len())
            .sum()
    });
    let (next, found) = median(|| {
        let days = ClinicDays::new(tz, &query);
        doctors
            .iter()
            .filter_map(|d| next_free_slot(&days, d, &query, &by_doctor[&d.doctor]))
            .count()
    });
    println!(
        "availability, 1,000 doctors × 30 days, {} bookings, warm, median of 15:",
        busy.len()
    );
    println!(
        "  every free slot: {slots} slots in {:.1} ms",
        all.as_secs_f64() * 1000.0
    );
    println!(
        "  each doctor's next free slot: {found} doctors in {:.3} ms (goal < 1 ms)",
        next.as_secs_f64() * 1000.0
    );
}
