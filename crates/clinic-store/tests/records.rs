//! Patients' records on a desk: a chart read from the server opens again from the encrypted
//! store (and nothing of it is readable without the key); documents keep their content once had;
//! offline reads wait in order until the server has them.

use chrono::{TimeZone, Utc};
use clinic_core::chart::ChartView;
use clinic_core::{PatientId, UserId};
use clinic_store::{DatabaseKey, Store};

fn patient() -> PatientId {
    uuid::Uuid::from_u128(7).to_string().parse().unwrap()
}

fn reader(n: u128) -> UserId {
    UserId::from_uuid(uuid::Uuid::from_u128(n))
}

fn chart() -> ChartView {
    clinic_core::chart::sample::chart(200)
}

#[test]
fn a_chart_opens_again_from_the_encrypted_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let key = DatabaseKey::generate();
    let store = Store::open(&path, &key).unwrap();
    assert_eq!(store.cached_chart(reader(1), patient()).unwrap(), None);
    let read = chart();
    store.keep_chart(reader(1), &read).unwrap();
    assert_eq!(
        store.cached_chart(reader(1), patient()).unwrap(),
        Some(read.clone())
    );
    assert_eq!(
        store.cached_chart(reader(2), patient()).unwrap(),
        None,
        "another account on the same desk does not open it from here"
    );
    // Its document is known, without content until it is opened here; then the content stays.
    let (described, content) = store.document(uuid::Uuid::from_u128(9)).unwrap().unwrap();
    assert_eq!(described, read.documents[0]);
    assert_eq!(content, None);
    store
        .keep_document(&read.documents[0], Some(b"%PDF-1.4 x"))
        .unwrap();
    store.keep_chart(reader(1), &read).unwrap();
    assert_eq!(
        store.document(uuid::Uuid::from_u128(9)).unwrap().unwrap().1,
        Some(b"%PDF-1.4 x".to_vec()),
        "reading the chart again does not drop the content"
    );
    drop(store);
    let raw = std::fs::read(&path).unwrap();
    assert!(
        !raw.windows(11).any(|w| w == b"Haemoglobin")
            && !raw.windows(10).any(|w| w == b"Penicillin"),
        "nothing of the chart in the clear on disk"
    );
}

#[test]
fn offline_reads_wait_in_order_until_reported() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db"), &DatabaseKey::generate()).unwrap();
    let at = |m| Utc.with_ymd_and_hms(2026, 11, 24, 9, m, 0).unwrap();
    store
        .record_offline_read(reader(1), patient(), at(1))
        .unwrap();
    store
        .record_offline_read(reader(2), patient(), at(1))
        .unwrap();
    store
        .record_offline_read(reader(1), patient(), at(2))
        .unwrap();
    let (reads, last) = store.offline_reads(reader(1)).unwrap();
    assert_eq!(
        reads.iter().map(|r| r.read_at).collect::<Vec<_>>(),
        [at(1), at(2)]
    );
    store
        .record_offline_read(reader(1), patient(), at(3))
        .unwrap();
    store.forget_offline_reads(reader(1), last).unwrap();
    let (left, _) = store.offline_reads(reader(1)).unwrap();
    assert_eq!(left.len(), 1, "one read after the report stays");
    assert_eq!(left[0].read_at, at(3));
    let (others, _) = store.offline_reads(reader(2)).unwrap();
    assert_eq!(
        others.len(),
        1,
        "another reader's wait for their own session"
    );
}
