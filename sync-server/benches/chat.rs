//! Messages doctor → patient over loopback, on the embedded SQLite and (with
//! `CLINIC_BENCH_POSTGRES_URL`) PostgreSQL:
//!
//! 1. Delivery of one message: the doctor pushes it; the patient's device, listening on the
//!    server's events, is woken and pulls it. 300 rounds, p50 and p99.
//! 2. `CLINIC_BENCH_CHATS` (default 1,000) conversations at once: each patient's device holds its
//!    own event stream open; every doctor session sends one message into its own conversation at
//!    the same moment, five times over; each message is timed from its push until its patient has
//!    pulled it. Reported: deliveries per second and the delivery latency's p50 / p99.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use clinic_core::account::PatientDemographics;
use clinic_core::appointment::{AppointmentRecord, Origin, Status, StatusChange};
use clinic_core::availability::ConsultationType;
use clinic_core::sync::{Command, CommandEnvelope};
use clinic_core::{AppointmentId, CommandId, Role, UserId};
use clinic_sync::storage::prelude::*;
use clinic_sync::storage::NewAccount;
use clinic_sync::{PostgresStorage, Settings, SqliteStorage};
use clinic_sync_client::SyncClient;

const ROUNDS: usize = 300;
const WAVES: usize = 5;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn message(doctor: UserId, appointment: AppointmentId, n: usize) -> CommandEnvelope {
    CommandEnvelope::new(
        CommandId::from_uuid(uuid::Uuid::now_v7()),
        Utc::now(),
        doctor,
        Command::SendMessage {
            appointment,
            body: format!("Message {n}: take the tablets after food."),
            attachment: None,
        },
    )
}

/// Pull from `cursor` until the message `id` is there; the new cursor.
async fn pulled(client: &SyncClient, token: &str, mut cursor: u64, id: uuid::Uuid) -> u64 {
    loop {
        let page = client.pull(token, cursor, 500).await.unwrap();
        cursor = page.cursor;
        let found = page
            .changes
            .iter()
            .any(|c| matches!(&c.body, clinic_core::sync::ChangeBody::Message(m) if m.id == id));
        if found {
            return cursor;
        }
    }
}

async fn run<S: Storage + Clone>(
    storage: S,
    chats: usize,
    insert: impl AsyncFn(&S, &AppointmentRecord),
) {
    storage.migrate().await.unwrap();
    let doctor = UserId::from_uuid(uuid::Uuid::from_u128(0xd0c));
    storage
        .create_account(
            &NewAccount {
                id: doctor,
                email: "doctor@bench.test".into(),
                display_name: "Dr. Bench".into(),
                role: Role::Doctor,
                password_hash: "unused".into(),
                created_at_ms: 0,
            },
            None,
            None,
        )
        .await
        .unwrap();
    let far = Utc::now().timestamp_millis() + 86_400_000;
    let mut appointments = Vec::new();
    for i in 0..chats {
        let patient = UserId::from_uuid(uuid::Uuid::from_u128(0x9a7_0000 + i as u128));
        storage
            .create_account(
                &NewAccount {
                    id: patient,
                    email: format!("patient{i}@bench.test"),
                    display_name: format!("Patient {i}"),
                    role: Role::Patient,
                    password_hash: "unused".into(),
                    created_at_ms: 0,
                },
                Some(&PatientDemographics {
                    full_name: format!("Patient {i}"),
                    sex: None,
                    date_of_birth: None,
                    phone: None,
                    email: None,
                    address: None,
                    emergency_contact: None,
                }),
                None,
            )
            .await
            .unwrap();
        for (token, account) in [
            (format!("patient-{i}"), patient),
            (format!("doctor-{i}"), doctor),
        ] {
            storage
                .create_session(
                    &clinic_sync::password::token_hash(&token),
                    account,
                    None,
                    None,
                    0,
                    far,
                )
                .await
                .unwrap();
        }
        let appointment = AppointmentRecord {
            id: uuid::Uuid::from_u128(0xa770_0000 + i as u128)
                .to_string()
                .parse()
                .unwrap(),
            patient: patient.to_string().parse().unwrap(),
            doctor,
            consultation: ConsultationType::Video,
            origin: Origin::Booked,
            status: Status::Confirmed,
            slot: None,
            day: Utc::now().date_naive(),
            token: None,
            reason: None,
            replaces: None,
            history: vec![StatusChange {
                status: Status::Confirmed,
                at: Utc::now(),
                by: doctor,
                reason: None,
            }],
        };
        insert(&storage, &appointment).await;
        appointments.push(appointment.id);
    }
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        data_dir: dir.path().to_owned(),
        ..Settings::default()
    };
    let server = clinic_sync::testing::serve_storage(storage.clone(), settings)
        .await
        .unwrap();
    let url = server.url.clone();
    let client = SyncClient::new(&url);

    // 1. One conversation, one message at a time.
    let mut events = client.events("patient-0").await.unwrap();
    let mut cursor = client.pull("patient-0", 0, 500).await.unwrap().cursor;
    let mut latencies = Vec::with_capacity(ROUNDS);
    for n in 0..ROUNDS {
        let started = Instant::now();
        let sent = message(doctor, appointments[0], n);
        let answer = client
            .push("doctor-0", std::slice::from_ref(&sent))
            .await
            .unwrap();
        assert!(matches!(
            answer.outcomes[0].result,
            clinic_core::sync::CommandResult::Applied { .. }
        ));
        events.next_head().await.unwrap();
        cursor = pulled(&client, "patient-0", cursor, *sent.id.as_uuid()).await;
        latencies.push(started.elapsed());
    }
    drop(events);
    latencies.sort();
    println!(
        "  one message, doctor → patient (push, event, pull):  p50 {:6.2} ms   p99 {:6.2} ms",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99))
    );

    // 2. Every conversation at once: each patient's device waits on its own event stream and
    // pulls when woken; the doctor's sessions send at the same moment, wave after wave.
    let barrier = Arc::new(tokio::sync::Barrier::new(chats));
    let started = Instant::now();
    let mut receivers = Vec::with_capacity(chats);
    let mut senders = Vec::with_capacity(chats);
    for i in 0..chats {
        let client = client.clone();
        let patient = format!("patient-{i}");
        let mut events = client.events(&patient).await.unwrap();
        let mut cursor = client.pull(&patient, 0, 500).await.unwrap().cursor;
        receivers.push(tokio::spawn(async move {
            let mut seen: Vec<(uuid::Uuid, Instant)> = Vec::with_capacity(WAVES);
            while seen.len() < WAVES {
                events.next_head().await.unwrap();
                let page = client.pull(&patient, cursor, 500).await.unwrap();
                cursor = page.cursor;
                for change in page.changes {
                    if let clinic_core::sync::ChangeBody::Message(m) = change.body {
                        seen.push((m.id, Instant::now()));
                    }
                }
            }
            seen
        }));
    }
    for (i, appointment) in appointments.iter().copied().enumerate() {
        let (client, barrier) = (client.clone(), barrier.clone());
        senders.push(tokio::spawn(async move {
            let doctor_token = format!("doctor-{i}");
            let mut sent = Vec::with_capacity(WAVES);
            for n in 0..WAVES {
                barrier.wait().await;
                let envelope = message(doctor, appointment, n);
                sent.push((*envelope.id.as_uuid(), Instant::now()));
                client
                    .push(&doctor_token, std::slice::from_ref(&envelope))
                    .await
                    .unwrap();
            }
            sent
        }));
    }
    let mut sent_at = std::collections::HashMap::new();
    for task in senders {
        sent_at.extend(task.await.unwrap());
    }
    let mut tasks = Vec::new();
    for task in receivers {
        tasks.push(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    let mut all: Vec<Duration> = Vec::with_capacity(chats * WAVES);
    for seen in tasks {
        for (id, at) in seen {
            all.push(at - sent_at[&id]);
        }
    }
    assert_eq!(all.len(), chats * WAVES, "every message delivered once");
    all.sort();
    println!(
        "  {chats} conversations at once, {WAVES} waves: {:.0} deliveries/s, p50 {:.1} ms, p99 {:.1} ms",
        all.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99))
    );
}

#[tokio::main]
async fn main() {
    let chats: usize = std::env::var("CLINIC_BENCH_CHATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    println!("messages on SQLite (embedded)");
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStorage::connect(&dir.path().join("bench.db"))
        .await
        .unwrap();
    run(
        sqlite,
        chats,
        async |s: &SqliteStorage, a: &AppointmentRecord| common::insert_appointment!(&s.pool, a),
    )
    .await;
    if let Ok(admin_url) = std::env::var("CLINIC_BENCH_POSTGRES_URL") {
        println!("messages on PostgreSQL");
        let postgres = common::fresh_postgres(&admin_url).await;
        run(
            postgres,
            chats,
            async |s: &PostgresStorage, a: &AppointmentRecord| {
                common::insert_appointment!(&s.pool, a)
            },
        )
        .await;
    } else {
        println!("(PostgreSQL skipped: set CLINIC_BENCH_POSTGRES_URL, or run scripts/bench.sh)");
    }
}
