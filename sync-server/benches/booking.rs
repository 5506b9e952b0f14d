//! Bookings per second with 64 concurrent desks, on the embedded SQLite and (when
//! `CLINIC_BENCH_POSTGRES_URL` names a server) on PostgreSQL. `bash scripts/bench.sh` runs it in
//! release mode.
//!
//! 200 verified doctors work 08:00–20:00 every day in 15-minute slots. 64 clients, each with its
//! own session, push one booking per request into random slots of the next 30 days (so some
//! collide and are refused "slot taken"), 400 each. Reported: requests per second, p50/p99
//! latency, how many were applied and refused, and the count of doubly booked slots (must be 0).
//! Baseline in the same run: the same 64 clients pushing one patient update per request (a plain
//! registry write through the same path), so the ratio is the price of judging a booking.
//!
//! `CLINIC_BENCH_BOOKINGS` (per client) scales it down for a quick look.

mod common;

use std::time::{Duration, Instant};

use chrono::{Days, NaiveTime, TimeZone, Utc};
use clinic_core::availability::{LocalSpan, Session, WorkingPattern};
use clinic_core::doctor::{DoctorProfile, DoctorRecord, Fees, Verification};
use clinic_core::{Role, UserId};
use clinic_sync::storage::prelude::*;
use clinic_sync::storage::NewAccount;
use clinic_sync::{PostgresStorage, Settings, SqliteStorage};
use serde_json::{json, Value};

const CLIENTS: usize = 64;
const DOCTORS: u128 = 200;
const DAYS: u64 = 30;
const SLOTS_PER_DAY: u32 = 48;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn doctor(n: u128) -> DoctorRecord {
    let id = UserId::from_uuid(uuid::Uuid::from_u128(0xd0c0_0000 + n));
    let day = vec![Session {
        hours: LocalSpan {
            start: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
        },
        breaks: vec![],
    }];
    DoctorRecord {
        id,
        profile: DoctorProfile {
            display_name: format!("Dr. Bench {n}"),
            specialty: "General medicine".into(),
            qualifications: "MBBS".into(),
            registration_number: format!("B-{n}"),
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
            weekly: std::array::from_fn(|_| day.clone()),
            in_person_minutes: 15,
            video_minutes: 15,
            buffer_minutes: 0,
            daily_cap: None,
            leave: vec![],
            exceptions: vec![],
        },
    }
}

fn envelope(command: Value) -> Value {
    json!({"version": 1, "id": uuid::Uuid::now_v7(), "issued_at": Utc::now(),
           "issued_by": uuid::Uuid::from_u128(1), "command": command})
}

struct Load {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    applied: usize,
    refused: usize,
}

/// `CLIENTS` clients, each pushing the commands `make(client, i)` one per request.
async fn load(
    url: &str,
    tokens: &[String],
    per_client: usize,
    make: impl Fn(usize, usize) -> Value + Send + Sync + Clone + 'static,
) -> Load {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (client, token) in tokens.iter().enumerate() {
        let (url, token, make) = (url.to_owned(), token.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut out = Vec::with_capacity(per_client);
            for i in 0..per_client {
                let body = json!({ "commands": [make(client, i)] });
                let sent = Instant::now();
                let answer: Value = http
                    .post(format!("{url}/api/v1/sync/push"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let outcome = &answer["outcomes"][0];
                let applied = outcome["outcome"] == "applied";
                assert!(
                    applied || outcome["reason"] == "slot_taken",
                    "unexpected answer {answer}"
                );
                out.push((sent.elapsed(), applied));
            }
            out
        }));
    }
    let mut latencies = Vec::new();
    let mut applied = 0;
    for task in tasks {
        for (latency, ok) in task.await.unwrap() {
            latencies.push(latency);
            applied += usize::from(ok);
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Load {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
        applied,
        refused: latencies.len() - applied,
    }
}

async fn run<S: Storage + Clone>(storage: S, doubled: impl AsyncFnOnce(&S) -> i64) {
    storage.migrate().await.unwrap();
    let desk = UserId::from_uuid(uuid::Uuid::from_u128(1));
    storage
        .create_account(
            &NewAccount {
                id: desk,
                email: "desk@bench.test".into(),
                display_name: "Desk".into(),
                role: Role::FrontDesk,
                password_hash: "unused: sessions are made directly".into(),
                created_at_ms: 0,
            },
            None,
            None,
        )
        .await
        .unwrap();
    let doctors: Vec<DoctorRecord> = (0..DOCTORS).map(doctor).collect();
    for d in &doctors {
        storage
            .create_account(
                &NewAccount {
                    id: d.id,
                    email: format!("doctor{}@bench.test", d.id),
                    display_name: d.profile.display_name.clone(),
                    role: Role::Doctor,
                    password_hash: "unused".into(),
                    created_at_ms: 0,
                },
                None,
                Some(d),
            )
            .await
            .unwrap();
    }
    let far = Utc::now().timestamp_millis() + 86_400_000;
    let mut tokens = Vec::new();
    for i in 0..CLIENTS {
        let token = format!("bench-session-{i}");
        storage
            .create_session(
                &clinic_sync::password::token_hash(&token),
                desk,
                None,
                Some(2),
                0,
                far,
            )
            .await
            .unwrap();
        tokens.push(token);
    }
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        data_dir: dir.path().to_owned(),
        ..Settings::default()
    };
    let tz = settings.time_zone();
    let server = clinic_sync::testing::serve_storage(storage.clone(), settings)
        .await
        .unwrap();
    let url = server.url.clone();

    // One patient per client, registered up front.
    let patients: Vec<String> = (0..CLIENTS)
        .map(|i| uuid::Uuid::from_u128(0x9a71_0000 + i as u128).to_string())
        .collect();
    let registrations: Vec<Value> = patients
        .iter()
        .enumerate()
        .map(|(i, p)| {
            envelope(json!({"kind": "register_patient", "patient": p,
                "patient_number": format!("2-{i:04}"),
                "demographics": {"full_name": format!("Bench Patient {i}"), "sex": null,
                    "date_of_birth": null, "phone": null, "address": null,
                    "emergency_contact": null}}))
        })
        .collect();
    let answer: Value = reqwest::Client::new()
        .post(format!("{url}/api/v1/sync/push"))
        .bearer_auth(&tokens[0])
        .json(&json!({ "commands": registrations }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["outcome"] == "applied"));

    let per_client: usize = std::env::var("CLINIC_BENCH_BOOKINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);

    // Baseline: the same clients, one patient update per request.
    let updates = {
        let patients = patients.clone();
        move |client: usize, i: usize| {
            envelope(
                json!({"kind": "update_patient", "patient": patients[client],
                "demographics": {"full_name": format!("Bench Patient {client} v{i}"),
                    "sex": null, "date_of_birth": null, "phone": null, "address": null,
                    "emergency_contact": null}}),
            )
        }
    };
    let baseline = load(&url, &tokens, per_client, updates).await;

    let today = Utc::now().with_timezone(&tz).date_naive();
    let ids: Vec<String> = doctors.iter().map(|d| d.id.to_string()).collect();
    let bookings = {
        let patients = patients.clone();
        move |client: usize, i: usize| {
            // A random slot of the next 30 days (a fixed sequence per client).
            let mut x = (client as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ (i as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x ^= x >> 31;
            x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^= x >> 29;
            let doctor = (x % DOCTORS as u64) as usize;
            let day = 1 + (x / DOCTORS as u64) % DAYS;
            let slot = ((x / (DOCTORS as u64 * DAYS)) % u64::from(SLOTS_PER_DAY)) as u32;
            let local = (today + Days::new(day))
                .and_time(NaiveTime::from_hms_opt(8 + slot / 4, (slot % 4) * 15, 0).unwrap());
            let start = tz.from_local_datetime(&local).unwrap().with_timezone(&Utc);
            envelope(
                json!({"kind": "book_appointment", "appointment": uuid::Uuid::now_v7(),
                "patient": patients[client], "doctor": ids[doctor],
                "consultation": "in_person", "origin": "booked", "start": start}),
            )
        }
    };
    let booked = load(&url, &tokens, per_client, bookings).await;
    let doubled = doubled(&storage).await;
    assert_eq!(doubled, 0, "a slot was booked twice");

    println!(
        "  baseline, patient updates: {:>6.0} requests/s   p50 {:>6.2} ms   p99 {:>6.2} ms",
        baseline.per_second,
        baseline.p50.as_secs_f64() * 1e3,
        baseline.p99.as_secs_f64() * 1e3,
    );
    println!(
        "  bookings:                  {:>6.0} requests/s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} booked, {} slot taken, {} doubly booked; {:.2}× the baseline's time per request)",
        booked.per_second,
        booked.p50.as_secs_f64() * 1e3,
        booked.p99.as_secs_f64() * 1e3,
        booked.applied,
        booked.refused,
        doubled,
        baseline.per_second / booked.per_second,
    );
    let _ = baseline.applied + baseline.refused;
}

const DOUBLED: &str = "SELECT count(*) FROM (SELECT doctor_id, slot_start FROM appointment
     WHERE slot_start IS NOT NULL
       AND status IN ('requested', 'confirmed', 'checked_in', 'in_consultation')
     GROUP BY doctor_id, slot_start HAVING count(*) > 1) AS doubled";

#[tokio::main]
async fn main() {
    println!("bookings, 64 clients, on SQLite (embedded)");
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStorage::connect(&dir.path().join("bench.db"))
        .await
        .unwrap();
    run(sqlite, async |s: &SqliteStorage| {
        sqlx::query_scalar(DOUBLED)
            .fetch_one(&s.pool)
            .await
            .unwrap()
    })
    .await;

    if let Ok(admin_url) = std::env::var("CLINIC_BENCH_POSTGRES_URL") {
        println!("bookings, 64 clients, on PostgreSQL");
        let postgres = common::fresh_postgres(&admin_url).await;
        run(postgres, async |s: &PostgresStorage| {
            sqlx::query_scalar(DOUBLED)
                .fetch_one(&s.pool)
                .await
                .unwrap()
        })
        .await;
    } else {
        println!("(PostgreSQL skipped: set CLINIC_BENCH_POSTGRES_URL, or run scripts/bench.sh)");
    }
}
