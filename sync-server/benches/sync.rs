//! Sync throughput and latency, on the embedded SQLite and (when `CLINIC_BENCH_POSTGRES_URL`
//! names a server) on PostgreSQL, in one run. `bash scripts/bench.sh` runs it in release mode.
//!
//! 1. 100,000 registrations made on desk A (a real encrypted store), pushed by A, then pulled and
//!    applied by desk B (another encrypted store), over loopback.
//! 2. A new device's initial sync of 1,000,000 registry rows.
//! 3. A change on desk A visible on desk B: A records and pushes one change, the server's event
//!    wakes B's listener, B pulls and applies it. 300 rounds; p50 and p99.
//!
//! `CLINIC_BENCH_COMMANDS` and `CLINIC_BENCH_INITIAL_ROWS` scale 1 and 2 down for a quick look.

mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;
use clinic_core::account::PatientDemographics;
use clinic_core::{CommandId, PatientId, Role, UserId};
use clinic_store::{DatabaseKey, Store};
use clinic_sync::storage::prelude::*;
use clinic_sync::storage::NewAccount;
use clinic_sync::{PostgresStorage, Settings, SqliteStorage};
use clinic_sync_client::replication::{pull_changes, push_pending};
use clinic_sync_client::SyncClient;

const PASSWORD: &str = "benchmark password";

fn count(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Device {
    _dir: tempfile::TempDir,
    user: UserId,
    store: Mutex<Store>,
    token: String,
}

async fn device(client: &SyncClient, email: &str) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("desk.db"), &DatabaseKey::generate()).unwrap();
    let grant = client
        .sign_in(email, PASSWORD, None, Some(store.device_id().unwrap()))
        .await
        .unwrap();
    store.set_desk_code(grant.desk_code.unwrap()).unwrap();
    Device {
        _dir: dir,
        user: grant.account.id,
        store: Mutex::new(store),
        token: grant.token,
    }
}

fn demographics(n: u64) -> PatientDemographics {
    PatientDemographics {
        full_name: format!("Benchmark Patient {n}"),
        sex: None,
        date_of_birth: None,
        phone: Some(format!("017{n:08}")),
        email: None,
        address: Some("Dhaka".into()),
        emergency_contact: None,
    }
}

fn register(device: &Device, n: u64) {
    device
        .store
        .lock()
        .unwrap()
        .register_patient(
            CommandId::from_uuid(uuid::Uuid::now_v7()),
            PatientId::from_uuid(uuid::Uuid::now_v7()),
            Utc::now(),
            device.user,
            demographics(n),
        )
        .unwrap();
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn run<S: Storage + Clone>(storage: S, seed_rows: impl AsyncFnOnce(&S, u64)) {
    storage.migrate().await.unwrap();
    let hash = clinic_sync::password::hash_password(PASSWORD).unwrap();
    for (i, email) in ["a@bench.test", "b@bench.test", "c@bench.test"]
        .iter()
        .enumerate()
    {
        storage
            .create_account(
                &NewAccount {
                    id: UserId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1)),
                    email: (*email).to_owned(),
                    display_name: format!("Desk {i}"),
                    role: Role::FrontDesk,
                    password_hash: hash.clone(),
                    created_at_ms: 0,
                },
                None,
                None,
            )
            .await
            .unwrap();
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
    let a = device(&client, "a@bench.test").await;
    let b = device(&client, "b@bench.test").await;

    // 1. Push and pull 100k commands.
    let commands = count("CLINIC_BENCH_COMMANDS", 100_000);
    let started = Instant::now();
    for n in 0..commands {
        register(&a, n);
    }
    let recorded = started.elapsed();
    let started = Instant::now();
    let (pushed, refused) = push_pending(&a.store, &client, &a.token, a.user)
        .await
        .unwrap();
    let push_time = started.elapsed();
    assert_eq!((pushed as u64, refused), (commands, 0));
    let started = Instant::now();
    let pulled = pull_changes(&b.store, &client, &b.token).await.unwrap();
    let pull_time = started.elapsed();
    assert_eq!(pulled as u64, commands);
    println!(
        "  {commands} commands: recorded on A {:.2} s, pushed {:.2} s ({:.0}/s), pulled and applied by B {:.2} s ({:.0}/s)",
        recorded.as_secs_f64(),
        push_time.as_secs_f64(),
        commands as f64 / push_time.as_secs_f64(),
        pull_time.as_secs_f64(),
        commands as f64 / pull_time.as_secs_f64(),
    );

    // 3. Change on A visible on B.
    let mut listener_events = client.events(&b.token).await.unwrap();
    let _ = listener_events.next_head().await.unwrap();
    let mut latencies = Vec::new();
    for n in 0..300 {
        let started = Instant::now();
        register(&a, commands + n);
        push_pending(&a.store, &client, &a.token, a.user)
            .await
            .unwrap();
        listener_events.next_head().await.unwrap();
        pull_changes(&b.store, &client, &b.token).await.unwrap();
        latencies.push(started.elapsed());
    }
    latencies.sort();
    println!(
        "  change on A applied on B (record, push, event, pull, apply): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0
    );

    // 2. Initial sync of a large registry.
    let rows = count("CLINIC_BENCH_INITIAL_ROWS", 1_000_000);
    let started = Instant::now();
    seed_rows(&storage, rows).await;
    let seeded = started.elapsed();
    let c = device(&client, "c@bench.test").await;
    let started = Instant::now();
    let pulled = pull_changes(&c.store, &client, &c.token).await.unwrap();
    let initial = started.elapsed();
    println!(
        "  initial sync of a new device: {pulled} changes in {:.2} s ({:.0}/s; seeding the server took {:.1} s)",
        initial.as_secs_f64(),
        pulled as f64 / initial.as_secs_f64(),
        seeded.as_secs_f64()
    );
}

/// Registry rows and their change-log entries written straight into the server's tables.
async fn seed_sqlite(storage: &SqliteStorage, rows: u64) {
    let mut tx = storage.pool.begin().await.unwrap();
    let (head,): (i64,) = sqlx::query_as("SELECT seq FROM change_head WHERE id = 1")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
         INSERT INTO patient (id, patient_number, full_name, phone, updated_at)
         SELECT printf('00000000-0000-7000-8000-%012d', i), printf('99-%07d', i),
                'Seeded Patient ' || i, printf('018%08d', i), 0 FROM n",
    )
    .bind(rows as i64)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
         INSERT INTO change_log (seq, patient_id, body, command_id, created_at)
         SELECT $2 + i, printf('00000000-0000-7000-8000-%012d', i),
           '{\"kind\":\"patient\",\"id\":\"' || printf('00000000-0000-7000-8000-%012d', i) ||
           '\",\"patient_number\":\"' || printf('99-%07d', i) ||
           '\",\"demographics\":{\"full_name\":\"Seeded Patient ' || i ||
           '\",\"sex\":null,\"date_of_birth\":null,\"phone\":\"' || printf('018%08d', i) ||
           '\",\"address\":null,\"emergency_contact\":null},\"account\":null}', NULL, 0 FROM n",
    )
    .bind(rows as i64)
    .bind(head)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query("UPDATE change_head SET seq = seq + $1 WHERE id = 1")
        .bind(rows as i64)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn seed_postgres(storage: &PostgresStorage, rows: u64) {
    let mut tx = storage.pool.begin().await.unwrap();
    let (head,): (i64,) = sqlx::query_as("SELECT seq FROM change_head WHERE id = 1")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO patient (id, patient_number, full_name, phone, updated_at)
         SELECT '00000000-0000-7000-8000-' || lpad(i::text, 12, '0'), '99-' || lpad(i::text, 7, '0'),
                'Seeded Patient ' || i, '018' || lpad(i::text, 8, '0'), 0
         FROM generate_series(1, $1::bigint) AS i",
    )
    .bind(rows as i64)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO change_log (seq, patient_id, body, command_id, created_at)
         SELECT $2 + i, '00000000-0000-7000-8000-' || lpad(i::text, 12, '0'),
           '{\"kind\":\"patient\",\"id\":\"00000000-0000-7000-8000-' || lpad(i::text, 12, '0') ||
           '\",\"patient_number\":\"99-' || lpad(i::text, 7, '0') ||
           '\",\"demographics\":{\"full_name\":\"Seeded Patient ' || i ||
           '\",\"sex\":null,\"date_of_birth\":null,\"phone\":\"018' || lpad(i::text, 8, '0') ||
           '\",\"address\":null,\"emergency_contact\":null},\"account\":null}', NULL, 0
         FROM generate_series(1, $1::bigint) AS i",
    )
    .bind(rows as i64)
    .bind(head)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query("UPDATE change_head SET seq = seq + $1 WHERE id = 1")
        .bind(rows as i64)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::main]
async fn main() {
    println!("sync on SQLite (embedded)");
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStorage::connect(&dir.path().join("bench.db"))
        .await
        .unwrap();
    run(sqlite, async |s: &SqliteStorage, rows| {
        seed_sqlite(s, rows).await
    })
    .await;

    if let Ok(admin_url) = std::env::var("CLINIC_BENCH_POSTGRES_URL") {
        println!("sync on PostgreSQL");
        let postgres = common::fresh_postgres(&admin_url).await;
        run(postgres, async |s: &PostgresStorage, rows| {
            seed_postgres(s, rows).await
        })
        .await;
    } else {
        println!("(PostgreSQL skipped: set CLINIC_BENCH_POSTGRES_URL, or run scripts/bench.sh)");
    }
}
