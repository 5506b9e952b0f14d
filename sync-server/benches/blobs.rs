//! Reports through the server: a 20 MB PDF uploaded in 256 KiB pieces (each sealed, the whole
//! checked against its SHA-256 and sealed again as one blob) and downloaded (opened and checked),
//! over loopback HTTP on the embedded SQLite. Baseline in the same run: copying the same file on
//! the same disk (`std::fs::copy`) — the ratio is what the protocol, the encryption and the
//! database cost. `cargo bench -p clinic-sync --bench blobs`

use std::time::{Duration, Instant};

use clinic_core::account::{DemographicsForm, SignUpForm};
use clinic_core::chart::DocumentCategory;
use clinic_core::consent::{ConsentForm, ConsentPurpose};
use clinic_sync::storage::prelude::*;
use clinic_sync::{Settings, SqliteStorage};
use clinic_sync_client::SyncClient;

const SIZE: usize = 20 * 1024 * 1024 - 64;
const ROUNDS: usize = 5;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        data_dir: dir.path().to_owned(),
        ..Settings::default()
    };
    let storage = SqliteStorage::connect(&settings.sqlite_path())
        .await
        .unwrap();
    storage.migrate().await.unwrap();
    let server = clinic_sync::testing::serve_storage(storage, settings)
        .await
        .unwrap();
    let url = server.url.clone();
    let client = SyncClient::new(&url);
    let grant = client
        .sign_up(&SignUpForm {
            email: "bench@example.com".into(),
            password: "a long patient password".into(),
            demographics: DemographicsForm {
                full_name: "Bench Patient".into(),
                ..Default::default()
            },
        })
        .await
        .unwrap();
    let patient: clinic_core::PatientId = grant.account.id.to_string().parse().unwrap();
    client
        .record_consent(
            &grant.token,
            patient,
            &ConsentForm {
                purpose: ConsentPurpose::StoreUploadedRecords,
                note: None,
            },
        )
        .await
        .unwrap();

    let (mut ups, mut downs, mut copies) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // A different file each round (the blob store keeps one copy per content).
        let mut pdf = b"%PDF-1.4\n%".to_vec();
        pdf.extend((0..SIZE).map(|i| (i.wrapping_mul(31).wrapping_add(round) % 251) as u8));
        pdf.extend_from_slice(b"\n%%EOF\n");

        let started = Instant::now();
        let document = client
            .upload_document(&grant.token, patient, "Scan", DocumentCategory::Image, &pdf)
            .await
            .unwrap();
        ups.push(started.elapsed());
        let started = Instant::now();
        let fetched = client
            .download_document(&grant.token, &document)
            .await
            .unwrap();
        downs.push(started.elapsed());
        assert_eq!(fetched.len(), pdf.len());

        let (from, to) = (dir.path().join("plain.pdf"), dir.path().join("copy.pdf"));
        std::fs::write(&from, &pdf).unwrap();
        let started = Instant::now();
        std::fs::copy(&from, &to).unwrap();
        let back = std::fs::read(&to).unwrap();
        copies.push(started.elapsed());
        assert_eq!(back.len(), pdf.len());
    }
    let mb = (SIZE as f64) / (1024.0 * 1024.0);
    let rate = |d: Duration| mb / d.as_secs_f64();
    let (up, down, copy) = (median(ups), median(downs), median(copies));
    println!("20 MB report over loopback (median of {ROUNDS}):");
    println!(
        "  upload (256 KiB pieces, sealed, checked): {:7.1} ms  {:6.1} MB/s",
        up.as_secs_f64() * 1e3,
        rate(up)
    );
    println!(
        "  download (opened, checked):               {:7.1} ms  {:6.1} MB/s",
        down.as_secs_f64() * 1e3,
        rate(down)
    );
    println!(
        "  baseline: plain file copy + read back:    {:7.1} ms  {:6.1} MB/s",
        copy.as_secs_f64() * 1e3,
        rate(copy)
    );
    println!(
        "  ratio upload / copy {:.1}×, download / copy {:.1}×",
        up.as_secs_f64() / copy.as_secs_f64(),
        down.as_secs_f64() / copy.as_secs_f64()
    );
}
