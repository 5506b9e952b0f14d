//! The payments dashboard's sums over a year of a busy clinic's books, on the embedded SQLite and
//! (with `CLINIC_BENCH_POSTGRES_URL`) PostgreSQL: `CLINIC_BENCH_INVOICES` invoices (default
//! 100,000) of five lines each (500,000 lines) over 365 days, nine in ten paid (cash, card,
//! mobile money, online), one in fifty partly refunded, the rest outstanding; each invoice row
//! carries a real invoice record. Timed: the storage call the dashboard makes
//! (`Books::takings`) for the whole year, a month and a day — 20 times each, p50 and p99.

mod common;

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, Utc};
use clinic_core::billing::takings::takings_period;
use clinic_core::money::Currency;
use clinic_sync::storage::prelude::*;
use clinic_sync::{PostgresStorage, SqliteStorage};

const ROUNDS: usize = 20;
const METHODS: [&str; 4] = ["cash", "card", "mobile_money", "online"];
const SERVICES: [&str; 5] = ["ECG", "DRESSING", "NEBULISER", "INJECTION", "BP"];

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn first_day() -> NaiveDate {
    Utc::now().date_naive() - Days::new(364)
}

/// A real invoice record as the server keeps one (five lines, paid in cash), for every row.
fn a_record() -> String {
    use clinic_core::billing::{
        InvoiceLine, InvoiceRecord, InvoiceState, LineKind, PaymentMethod, PaymentRecord,
    };
    use clinic_core::money::Money;
    let taka = |n: i64| Money::new(n * 100, Currency::BDT);
    let by = clinic_core::UserId::from_uuid(uuid::Uuid::now_v7());
    let record = InvoiceRecord {
        id: uuid::Uuid::now_v7(),
        number: "INV-2-0000001".into(),
        patient: clinic_core::PatientId::from_uuid(uuid::Uuid::now_v7()),
        appointment: None,
        currency: Currency::BDT,
        lines: (0..5)
            .map(|i| InvoiceLine {
                kind: LineKind::Service {
                    code: SERVICES[i].into(),
                },
                description: format!("{} (পরীক্ষা)", SERVICES[i]),
                quantity: 1,
                unit_price: taka(500),
                discount: None,
                tax_basis_points: 0,
            })
            .collect(),
        state: InvoiceState::Issued,
        void_reason: None,
        payments: vec![PaymentRecord {
            id: uuid::Uuid::now_v7(),
            amount: taka(2500),
            method: PaymentMethod::Cash,
            reference: None,
            received_by: by,
            at: Utc::now(),
        }],
        refunds: vec![],
        created_by: by,
        created_at: Utc::now(),
    };
    serde_json::to_string(&record).unwrap().replace('\'', "''")
}

/// A year of books as SQL, straight into the tables the dashboard sums (pushing 100,000
/// invoices through the sync engine would measure the engine, not the sums): 1,000 invoices,
/// their 5,000 lines and their payments and refunds to a statement.
fn seed_statements(invoices: usize) -> Vec<String> {
    let doctors: Vec<String> = (0..6).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let record = a_record();
    let start = first_day()
        .and_hms_opt(3, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    let per_day = (invoices as i64 / 365).max(1);
    let at = |n: i64| start + (n / per_day) * 86_400_000 + (n % per_day) * 30_000;
    let mut out = Vec::new();
    // The days' sums the push group keeps as it writes, kept here the same way.
    let day = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .with_timezone(&chrono_tz::Asia::Dhaka)
            .date_naive()
            .to_string()
    };
    let mut billed = std::collections::BTreeMap::<(String, &str, String, String), i64>::new();
    let mut money = std::collections::BTreeMap::<(String, &str, &str), (i64, i64)>::new();
    let all: Vec<i64> = (0..invoices as i64).collect();
    for chunk in all.chunks(1000) {
        let ids: Vec<String> = chunk
            .iter()
            .map(|_| uuid::Uuid::now_v7().to_string())
            .collect();
        let (mut rows, mut lines, mut moved) = (Vec::new(), Vec::new(), Vec::new());
        for (n, id) in chunk.iter().zip(&ids) {
            let paid = if n % 10 == 9 { 0 } else { 250_000 };
            let refunded = if n % 50 == 0 && paid > 0 { 10_000 } else { 0 };
            rows.push(format!(
                "('{id}', 'INV-2-{n:07}', '{}', NULL, 'issued', 'BDT', 250000, {paid}, {refunded}, '{record}', {t}, {t})",
                uuid::Uuid::now_v7(),
                t = at(*n)
            ));
            for p in 0..5_i64 {
                let (kind, doctor, service) = match p {
                    0 => (
                        "consultation",
                        doctors[(n % 6) as usize].clone(),
                        String::new(),
                    ),
                    4 => ("other", String::new(), String::new()),
                    _ => (
                        "service",
                        String::new(),
                        SERVICES[((n + p) % 5) as usize].to_owned(),
                    ),
                };
                *billed
                    .entry((day(at(*n)), kind, doctor.clone(), service.clone()))
                    .or_default() += 50_000;
                let quoted = |t: &str| {
                    if t.is_empty() {
                        "NULL".to_owned()
                    } else {
                        format!("'{t}'")
                    }
                };
                let (doctor, service) = (quoted(&doctor), quoted(&service));
                lines.push(format!(
                    "('{id}', {p}, '{kind}', {doctor}, {service}, 50000, {})",
                    at(*n)
                ));
            }
            if paid > 0 {
                let method = METHODS[(n % 4) as usize];
                let sum = money
                    .entry((day(at(*n) + 60_000), method, "in"))
                    .or_default();
                *sum = (sum.0 + paid, sum.1 + 1);
                if refunded > 0 {
                    let sum = money
                        .entry((day(at(*n) + 120_000), method, "out"))
                        .or_default();
                    *sum = (sum.0 + refunded, sum.1 + 1);
                }
                moved.push(format!(
                    "('{}', '{id}', 'in', '{method}', {paid}, 'BDT', '{}', {})",
                    uuid::Uuid::now_v7(),
                    doctors[0],
                    at(*n) + 60_000
                ));
                if refunded > 0 {
                    moved.push(format!(
                        "('{}', '{id}', 'out', '{method}', {refunded}, 'BDT', '{}', {})",
                        uuid::Uuid::now_v7(),
                        doctors[0],
                        at(*n) + 120_000
                    ));
                }
            }
        }
        out.push(format!(
            "INSERT INTO invoice (id, number, patient_id, appointment_id, state, currency,
               total_minor, paid_minor, refunded_minor, record, created_at, updated_at) VALUES {}",
            rows.join(", ")
        ));
        out.push(format!(
            "INSERT INTO invoice_line (invoice_id, position, kind, doctor_id, service_code,
               total_minor, issued_at) VALUES {}",
            lines.join(", ")
        ));
        out.push(format!(
            "INSERT INTO money_movement (id, invoice_id, direction, method, amount_minor, currency,
               account_id, at) VALUES {}",
            moved.join(", ")
        ));
    }
    let billed: Vec<String> = billed
        .into_iter()
        .map(|((d, kind, doctor, service), total)| {
            format!("('{d}', '{kind}', '{doctor}', '{service}', {total})")
        })
        .collect();
    for chunk in billed.chunks(1000) {
        out.push(format!(
            "INSERT INTO takings_day (local_day, kind, doctor_id, service_code, total_minor)
             VALUES {}",
            chunk.join(", ")
        ));
    }
    let moved: Vec<String> = money
        .into_iter()
        .map(|((d, method, direction), (sum, n))| {
            format!("('{d}', 'BDT', '{method}', '{direction}', {sum}, {n})")
        })
        .collect();
    for chunk in moved.chunks(1000) {
        out.push(format!(
            "INSERT INTO money_day (local_day, currency, method, direction, amount_minor,
               movements) VALUES {}",
            chunk.join(", ")
        ));
    }
    out
}

async fn measure<S: Storage>(name: &str, storage: &S) {
    let tz = chrono_tz::Asia::Dhaka;
    let last = first_day() + Days::new(364);
    for (label, from) in [
        ("a year", first_day()),
        ("a month", last - Days::new(29)),
        ("a day", last),
    ] {
        let period = takings_period(from, last, &tz).unwrap();
        let mut times = Vec::with_capacity(ROUNDS);
        let mut takings = None;
        for _ in 0..ROUNDS {
            let started = Instant::now();
            takings = Some(storage.takings(period, Currency::BDT).await.unwrap());
            times.push(started.elapsed());
        }
        times.sort();
        let t = takings.unwrap();
        let payments: u64 = t.received.iter().map(|r| r.payments).sum();
        println!(
            "{name}: takings for {label:7} — p50 {:7.1} ms, p99 {:7.1} ms ({payments} payments, {} outstanding)",
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1]),
            t.outstanding_invoices,
        );
    }
}

#[tokio::main]
async fn main() {
    let invoices: usize = std::env::var("CLINIC_BENCH_INVOICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    println!("{invoices} invoices, {} lines", invoices * 5);
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStorage::connect(&dir.path().join("clinic.db"))
        .await
        .unwrap();
    sqlite.migrate().await.unwrap();
    let seeded = Instant::now();
    for sql in seed_statements(invoices) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&sqlite.pool)
            .await
            .unwrap();
    }
    println!("SQLite seeded in {:.1} s", seeded.elapsed().as_secs_f64());
    measure("SQLite", &sqlite).await;
    if let Ok(url) = std::env::var("CLINIC_BENCH_POSTGRES_URL") {
        let pg: PostgresStorage = common::fresh_postgres(&url).await;
        pg.migrate().await.unwrap();
        let seeded = Instant::now();
        for sql in seed_statements(invoices) {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&pg.pool)
                .await
                .unwrap();
        }
        sqlx::query("ANALYZE").execute(&pg.pool).await.unwrap();
        println!(
            "PostgreSQL seeded in {:.1} s",
            seeded.elapsed().as_secs_f64()
        );
        measure("PostgreSQL", &pg).await;
    }
}
