//! Server throughput: `/health` requests per second and sign-ins per second, on the embedded
//! SQLite and (when `CLINIC_BENCH_POSTGRES_URL` names a server) on PostgreSQL, in one run.
//! `bash scripts/bench.sh` starts a throwaway PostgreSQL and runs this in release mode.
//!
//! The load comes from the same process (reqwest, 32 connections) over loopback, so client and
//! server share the machine's cores: the figures are a floor, not a ceiling.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clinic_sync::storage::prelude::*;
use clinic_sync::{accounts, PostgresStorage, Settings, SqliteStorage};

const SECONDS: u64 = 5;

async fn hammer(url: String, concurrency: usize, body: Option<serde_json::Value>) -> f64 {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, body, done, failed) = (
            client.clone(),
            url.clone(),
            body.clone(),
            done.clone(),
            failed.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let req = match &body {
                    Some(b) => client.post(&url).json(b),
                    None => client.get(&url),
                };
                match req.send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        failed.load(Ordering::Relaxed),
        0,
        "requests failed during the benchmark"
    );
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

async fn measure<S: Storage + Clone>(name: &str, storage: S) {
    storage.migrate().await.unwrap();
    accounts::create_admin(&storage, "bench@clinic.test", "Bench", "bench password 1")
        .await
        .unwrap();
    let settings = Settings {
        sign_in_attempts_per_minute_per_account: 1_000_000,
        sign_in_attempts_per_minute_per_address: 1_000_000,
        ..Settings::default()
    };
    let server = clinic_sync::testing::serve_storage(storage, settings)
        .await
        .unwrap();
    let base = server.url.clone();
    let health = hammer(format!("{base}/health"), 32, None).await;
    let body = serde_json::json!({"email": "bench@clinic.test", "password": "bench password 1"});
    let sign_ins = hammer(format!("{base}/api/v1/sessions"), 8, Some(body)).await;
    println!("{name:<10} /health {health:>9.0} req/s    sign-in {sign_ins:>7.1} /s");
    drop(server);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!("{SECONDS} s each; /health with 32 connections, sign-in (argon2id) with 8");
        let dir = tempfile::tempdir().unwrap();
        let sqlite = SqliteStorage::connect(&dir.path().join("bench.db"))
            .await
            .unwrap();
        measure("sqlite", sqlite).await;
        match std::env::var("CLINIC_BENCH_POSTGRES_URL") {
            Ok(url) => {
                let pg = PostgresStorage::connect(&url).await.unwrap();
                measure("postgres", pg).await;
            }
            Err(_) => println!(
                "postgres   skipped: set CLINIC_BENCH_POSTGRES_URL (scripts/bench.sh does)"
            ),
        }
    });
}
