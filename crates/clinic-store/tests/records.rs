//! Patients' records on a desk: a chart read from the server opens again from the encrypted
//! store (and nothing of it is readable without the key); documents keep their content once had;
//! offline reads wait in order until the server has them.

use chrono::{TimeZone, Utc};
use clinic_core::account::PatientDemographics;
use clinic_core::chart::{
    ChartView, ClinicalSummary, DocumentCategory, PatientDocument, TimelineEntry, TimelineKind,
};
use clinic_core::prescription::Allergy;
use clinic_core::sync::PatientRecord;
use clinic_core::upload::FileKind;
use clinic_core::{PatientId, Role, UserId};
use clinic_store::{DatabaseKey, Store};

fn patient() -> PatientId {
    uuid::Uuid::from_u128(7).to_string().parse().unwrap()
}

fn chart() -> ChartView {
    let at = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
    let document = PatientDocument {
        id: uuid::Uuid::from_u128(9),
        patient: patient(),
        title: "Blood count".into(),
        category: DocumentCategory::Report,
        kind: FileKind::Pdf,
        size: 10,
        sha256: "ab".repeat(32),
        file_name: "report-2026-11-24-abababab.pdf".into(),
        uploaded_by: UserId::from_uuid(uuid::Uuid::from_u128(2)),
        uploaded_by_role: Role::Doctor,
        uploaded_at: at,
        seen_by_patient_at: None,
    };
    ChartView {
        patient: PatientRecord {
            id: patient(),
            patient_number: "1-0008".into(),
            demographics: PatientDemographics {
                full_name: "Rahima Khatun".into(),
                sex: None,
                date_of_birth: None,
                phone: None,
                email: None,
                address: None,
                emergency_contact: None,
            },
            account: None,
        },
        summary: ClinicalSummary {
            allergies: vec![Allergy {
                substance: "Penicillin".into(),
                reaction: "rash".into(),
            }],
            conditions: vec![],
        },
        medications: vec![],
        timeline: (0..200)
            .map(|i| TimelineEntry {
                at: at - chrono::Duration::days(i),
                kind: TimelineKind::Visit,
                appointment: None,
                title: format!("Haemoglobin visit {i}"),
                detail: String::new(),
                reference: None,
            })
            .collect(),
        documents: vec![document],
        as_of: at,
        from_this_device: false,
    }
}

#[test]
fn a_chart_opens_again_from_the_encrypted_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let key = DatabaseKey::generate();
    let store = Store::open(&path, &key).unwrap();
    assert_eq!(store.cached_chart(patient()).unwrap(), None);
    let read = chart();
    store.keep_chart(&read).unwrap();
    assert_eq!(store.cached_chart(patient()).unwrap(), Some(read.clone()));
    // Its document is known, without content until it is opened here; then the content stays.
    let (described, content) = store.document(uuid::Uuid::from_u128(9)).unwrap().unwrap();
    assert_eq!(described, read.documents[0]);
    assert_eq!(content, None);
    store
        .keep_document(&read.documents[0], Some(b"%PDF-1.4 x"))
        .unwrap();
    store.keep_chart(&read).unwrap();
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
    store.record_offline_read(patient(), at(1)).unwrap();
    store.record_offline_read(patient(), at(2)).unwrap();
    let (reads, last) = store.offline_reads().unwrap();
    assert_eq!(
        reads.iter().map(|r| r.read_at).collect::<Vec<_>>(),
        [at(1), at(2)]
    );
    store.record_offline_read(patient(), at(3)).unwrap();
    store.forget_offline_reads(last).unwrap();
    let (left, _) = store.offline_reads().unwrap();
    assert_eq!(left.len(), 1, "one read after the report stays");
    assert_eq!(left[0].read_at, at(3));
}
