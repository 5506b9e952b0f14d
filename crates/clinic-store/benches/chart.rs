//! Opening a chart from the encrypted store: a chart of 200 timeline entries, as kept after it
//! was last read from the server, read back from a real SQLCipher file and decoded — what a
//! doctor's desk does when it opens a chart offline. Goal: p99 < 50 ms. Baseline in the same
//! run: decoding the same JSON from memory (the ratio is the store's share).
//! `cargo bench -p clinic-store --bench chart`

use std::time::{Duration, Instant};

use clinic_core::chart::ChartView;
use clinic_store::{DatabaseKey, Store};

fn percentiles(mut f: impl FnMut() -> usize) -> (Duration, Duration) {
    let mut times = Vec::new();
    for _ in 0..500 {
        let start = Instant::now();
        std::hint::black_box(f());
        times.push(start.elapsed());
    }
    times.sort();
    (times[times.len() / 2], times[times.len() * 99 / 100])
}

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = Store::open(&dir.path().join("desk.db"), &DatabaseKey::generate())
        .expect("the store opens");
    let chart = clinic_core::chart::sample::chart(200);
    let patient = chart.patient.id;
    let reader = clinic_core::UserId::from_uuid(uuid::Uuid::from_u128(1));
    store.keep_chart(reader, &chart).expect("kept");
    let json = serde_json::to_string(&chart).expect("encodes");
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (s50, s99) = percentiles(|| {
        store
            .cached_chart(reader, patient)
            .ok()
            .flatten()
            .map_or(0, |c| c.timeline.len())
    });
    let (m50, m99) =
        percentiles(|| serde_json::from_str::<ChartView>(&json).map_or(0, |c| c.timeline.len()));
    println!(
        "chart of 200 entries ({} bytes of JSON) from the encrypted store: p50 {:.3} ms, p99 {:.3} ms",
        json.len(),
        ms(s50),
        ms(s99)
    );
    println!(
        "baseline, decoding the same JSON from memory:                 p50 {:.3} ms, p99 {:.3} ms",
        ms(m50),
        ms(m99)
    );
    println!("ratio store / memory (p50): {:.2}", ms(s50) / ms(m50));
}
