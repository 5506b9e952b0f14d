//! Rendering a prescription PDF: two pages in Bangla (20 medicines, long advice) — the issue's
//! goal is < 10 ms — against the same two pages in English as the baseline (the ratio is what
//! Bengali shaping costs). `cargo bench -p clinic-print --bench prescription`

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use clinic_core::ipc::Language;
use clinic_print::prescription::render;

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
    let day = NaiveDate::from_ymd_opt(2026, 11, 24).expect("a date");
    let bangla = clinic_print::sample::sheet(20, &"প্রচুর পানি পান করবেন। ".repeat(20));
    let english = clinic_print::sample::sheet(20, &"Drink plenty of water. ".repeat(20));
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let pdf = render(&bangla, day, Language::Bangla).map_or(0, |p| p.len());
    println!("the Bangla prescription: {pdf} bytes");
    let (b50, b99) = percentiles(|| render(&bangla, day, Language::Bangla).map_or(0, |p| p.len()));
    let (e50, e99) =
        percentiles(|| render(&english, day, Language::English).map_or(0, |p| p.len()));
    println!(
        "2-page prescription, Bangla:  p50 {:.2} ms, p99 {:.2} ms",
        ms(b50),
        ms(b99)
    );
    println!(
        "2-page prescription, English: p50 {:.2} ms, p99 {:.2} ms (baseline)",
        ms(e50),
        ms(e99)
    );
    println!("ratio Bangla / English (p50): {:.2}", ms(b50) / ms(e50));
}
