//! Store benchmarks: `cargo bench -p clinic-store --bench store`.
//!
//! 1. One small record committed through the store (a preference upsert): p50/p99, SQLCipher,
//!    WAL, synchronous=FULL — the way the desk writes.
//! 2. SQLCipher against plain SQLite on the same workload, in the same run, as ratios. Both use
//!    the same bundled SQLite (SQLCipher with no key is plain SQLite) and the same pragmas.

use std::time::{Duration, Instant};

use clinic_core::ipc::{Language, Theme};
use clinic_store::{DatabaseKey, Store};
use rusqlite::Connection;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn summary(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    (percentile(&samples, 0.50), percentile(&samples, 0.99))
}

fn open(path: &std::path::Path, key: Option<&DatabaseKey>, sync: &str) -> Connection {
    let conn = Connection::open(path).unwrap();
    if let Some(key) = key {
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))
            .unwrap();
    }
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    // The store's own connection settings, then the synchronous mode under test.
    conn.execute_batch(clinic_store::CONNECTION_PRAGMAS)
        .unwrap();
    conn.execute_batch(&format!("PRAGMA synchronous = {sync};"))
        .unwrap();
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS patient (id INTEGER PRIMARY KEY, name TEXT NOT NULL, phone TEXT NOT NULL, notes TEXT NOT NULL)",
    )
    .unwrap();
    conn
}

struct Workload {
    single_commit_p50: Duration,
    single_commit_p99: Duration,
    bulk_insert: Duration,
    point_reads: Duration,
}

/// One figure of a workload.
type Measure = fn(&Workload) -> Duration;

const SINGLE: usize = 2_000;
const BULK: usize = 100_000;
const READS: usize = 100_000;

fn run(key: Option<&DatabaseKey>, sync: &str) -> Workload {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = open(&dir.path().join("bench.db"), key, sync);
    let mut samples = Vec::with_capacity(SINGLE);
    for i in 0..SINGLE {
        let start = Instant::now();
        let tx = conn.transaction().unwrap();
        tx.execute(
            "INSERT INTO patient (name, phone, notes) VALUES (?1, ?2, ?3)",
            (format!("Patient {i}"), "+880 1712-345678", "walk-in"),
        )
        .unwrap();
        tx.commit().unwrap();
        samples.push(start.elapsed());
    }
    let (single_commit_p50, single_commit_p99) = summary(samples);
    let start = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO patient (name, phone, notes) VALUES (?1, ?2, ?3)")
            .unwrap();
        for i in 0..BULK {
            insert
                .execute((
                    format!("রোগী {i}"),
                    format!("+880 17{i:08}"),
                    "registered at the desk",
                ))
                .unwrap();
        }
    }
    tx.commit().unwrap();
    let bulk_insert = start.elapsed();
    let total = (SINGLE + BULK) as i64;
    let start = Instant::now();
    {
        let mut read = conn
            .prepare_cached("SELECT name, phone FROM patient WHERE id = ?1")
            .unwrap();
        let mut x: u64 = 0x2545F4914F6CDD1D;
        for _ in 0..READS {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let id = (x % total as u64) as i64 + 1;
            let _: (String, String) = read
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap();
        }
    }
    let point_reads = start.elapsed();
    Workload {
        single_commit_p50,
        single_commit_p99,
        bulk_insert,
        point_reads,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    // 1. Through the store, as the desk writes.
    let dir = tempfile::tempdir().unwrap();
    let key = DatabaseKey::generate();
    let store = Store::open(&dir.path().join("desk.db"), &key).unwrap();
    let mut samples = Vec::with_capacity(SINGLE);
    for i in 0..SINGLE {
        // Every commit changes the stored value (an unchanged upsert would cost nothing).
        let language = if i % 2 == 0 {
            Language::Bangla
        } else {
            Language::English
        };
        let start = Instant::now();
        store.set_language(language).unwrap();
        samples.push(start.elapsed());
    }
    assert_eq!(store.preferences().unwrap().theme, Theme::Light);
    let (p50, p99) = summary(samples);
    println!("store commit of one small record (SQLCipher, WAL, synchronous=FULL), n={SINGLE}: p50 {}  p99 {}", ms(p50), ms(p99));

    // 2. SQLCipher vs plain SQLite, same workload, same run. Interleaved twice to spread noise.
    for sync in ["FULL", "NORMAL"] {
        let mut cipher = Vec::new();
        let mut plain = Vec::new();
        for _ in 0..2 {
            cipher.push(run(Some(&key), sync));
            plain.push(run(None, sync));
        }
        let best = |w: &[Workload], f: Measure| w.iter().map(f).min().unwrap();
        println!("\nsynchronous={sync} (best of 2 each)          SQLCipher      plain      ratio");
        let rows: [(&str, Measure); 4] = [
            ("single-row commit p50", |w| w.single_commit_p50),
            ("single-row commit p99", |w| w.single_commit_p99),
            ("bulk insert 100k rows, one tx", |w| w.bulk_insert),
            ("100k point reads by id", |w| w.point_reads),
        ];
        for (name, f) in rows {
            let c = best(&cipher, f);
            let p = best(&plain, f);
            println!(
                "  {name:<34} {:>12} {:>12} {:>7.2}x",
                ms(c),
                ms(p),
                c.as_secs_f64() / p.as_secs_f64()
            );
        }
    }
}
