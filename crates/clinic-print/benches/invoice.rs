//! Rendering an invoice PDF: a two-page Bangla receipt (45 lines, payments listed, the amount in
//! words) — the goal is < 10 ms — against the same receipt in English as the baseline.
//! `cargo bench -p clinic-print --bench invoice`

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use clinic_core::ipc::Language;
use clinic_print::invoice::{render, InvoiceSheet};

/// p50 and p99 of 200 runs.
fn percentiles(mut f: impl FnMut() -> usize) -> (Duration, Duration) {
    let mut times = Vec::new();
    for _ in 0..200 {
        let start = Instant::now();
        std::hint::black_box(f());
        times.push(start.elapsed());
    }
    times.sort();
    (times[times.len() / 2], times[times.len() * 99 / 100])
}

fn main() {
    let clinic = clinic_print::sample::clinic();
    let invoice = clinic_print::sample::invoice(45, 100_000);
    let sheet = InvoiceSheet {
        clinic: &clinic,
        invoice: &invoice,
        patient_name: "রহিমা খাতুন",
        patient_number: "3-0042",
        date: NaiveDate::from_ymd_opt(2026, 12, 4).expect("a date"),
        receipt: true,
    };
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let pdf = render(&sheet, Language::Bangla).map_or(0, |p| p.len());
    println!("the Bangla receipt: {pdf} bytes");
    let (b50, b99) = percentiles(|| render(&sheet, Language::Bangla).map_or(0, |p| p.len()));
    let (e50, e99) = percentiles(|| render(&sheet, Language::English).map_or(0, |p| p.len()));
    println!(
        "2-page receipt, Bangla:  p50 {:.2} ms, p99 {:.2} ms",
        ms(b50),
        ms(b99)
    );
    println!(
        "2-page receipt, English: p50 {:.2} ms, p99 {:.2} ms (baseline)",
        ms(e50),
        ms(e99)
    );
    println!("ratio Bangla / English (p50): {:.2}", ms(b50) / ms(e50));
}
