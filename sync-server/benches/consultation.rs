//! Opening the consultation screen with a five-year history: the two requests the doctor's
//! screen makes (the consultation's note, the patient's consultations with their notes), over
//! loopback HTTP, on the embedded SQLite and (with `CLINIC_BENCH_POSTGRES_URL`) PostgreSQL.
//! Each request also writes its audit entry, as in use. Baseline in the same run: `GET /health`.
//! Also the patient's chart and the FHIR R4 export of the same five years.
//!
//! The history: 260 completed consultations over five years (about one a week), each with a
//! full SOAP note and vitals, a tenth of them amended.

mod common;

use std::time::{Duration, Instant};

use chrono::{Duration as Span, Utc};
use clinic_core::appointment::{AppointmentRecord, Origin, Status, StatusChange};
use clinic_core::availability::{ConsultationType, Slot};
use clinic_core::consultation::{ConsultationNote, NoteRecord, Vitals};
use clinic_core::{Role, UserId};
use clinic_sync::audit::AuditEvent;
use clinic_sync::storage::prelude::*;
use clinic_sync::storage::NewAccount;
use clinic_sync::{PostgresStorage, Settings, SqliteStorage};
use serde_json::json;

const VISITS: u32 = 260;
const ROUNDS: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn note(i: u32) -> ConsultationNote {
    ConsultationNote {
        subjective: format!("Visit {i}: cough and tiredness for a week, sleeps badly, no fever."),
        objective: "Chest clear, throat mildly red, no lymph nodes. Heart sounds normal.".into(),
        assessment: "Upper respiratory infection; hypertension under control.".into(),
        plan: "Fluids, rest; continue amlodipine 5 mg daily; review in four weeks.".into(),
        vitals: Vitals {
            systolic_mmhg: Some(128),
            diastolic_mmhg: Some(82),
            pulse_bpm: Some(76),
            temperature_decidegrees_c: Some(369),
            weight_decikilograms: Some(712),
            spo2_percent: Some(98),
        },
    }
}

async fn run<S: Storage + Clone>(storage: S, insert: impl AsyncFn(&S, &AppointmentRecord)) {
    storage.migrate().await.unwrap();
    let doctor = UserId::from_uuid(uuid::Uuid::from_u128(0xd0c));
    let desk = UserId::from_uuid(uuid::Uuid::from_u128(0xde5));
    for (id, role, name) in [
        (doctor, Role::Doctor, "Dr. Bench"),
        (desk, Role::FrontDesk, "Desk"),
    ] {
        storage
            .create_account(
                &NewAccount {
                    id,
                    email: format!("{name}@bench.test").replace(' ', ""),
                    display_name: name.into(),
                    role,
                    password_hash: "unused: sessions are made directly".into(),
                    created_at_ms: 0,
                },
                None,
                None,
            )
            .await
            .unwrap();
    }
    let far = Utc::now().timestamp_millis() + 86_400_000;
    for (token, account) in [("bench-doctor", doctor), ("bench-desk", desk)] {
        storage
            .create_session(
                &clinic_sync::password::token_hash(token),
                account,
                None,
                Some(2),
                0,
                far,
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
    let http = reqwest::Client::new();
    let patient = uuid::Uuid::from_u128(0x9a7);
    let answer: serde_json::Value = http
        .post(format!("{url}/api/v1/sync/push"))
        .bearer_auth("bench-desk")
        .json(
            &json!({"commands": [{"version": 1, "id": uuid::Uuid::now_v7(), "issued_at": Utc::now(),
            "issued_by": desk, "command": {"kind": "register_patient", "patient": patient,
            "patient_number": "2-0001", "demographics": {"full_name": "Bench Patient", "sex": null,
            "date_of_birth": null, "phone": null, "address": null, "emergency_contact": null}}}]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["outcomes"][0]["outcome"], "applied", "{answer}");

    // Five years of weekly consultations, each completed with its note.
    let patient_id = patient.to_string().parse().unwrap();
    let mut newest = None;
    for i in 0..VISITS {
        let start = Utc::now() - Span::days(7 * i64::from(VISITS - i));
        let appointment = AppointmentRecord {
            id: uuid::Uuid::now_v7().to_string().parse().unwrap(),
            patient: patient_id,
            doctor,
            consultation: ConsultationType::InPerson,
            origin: Origin::Booked,
            status: Status::Completed,
            slot: Some(Slot {
                start,
                end: start + Span::minutes(15),
                doctor,
            }),
            day: start.date_naive(),
            token: Some(1),
            reason: Some("Follow-up".into()),
            replaces: None,
            history: vec![StatusChange {
                status: Status::Completed,
                at: start,
                by: doctor,
                reason: None,
            }],
        };
        insert(&storage, &appointment).await;
        let mut record = NoteRecord::write(
            None,
            (appointment.id, patient_id, doctor),
            Status::InConsultation,
            note(i),
            None,
            doctor,
            start,
        )
        .unwrap();
        if i % 10 == 0 {
            record = NoteRecord::write(
                Some(record),
                (appointment.id, patient_id, doctor),
                Status::Completed,
                note(i + 1),
                Some("Lab result"),
                doctor,
                start,
            )
            .unwrap();
        }
        let event = AuditEvent {
            actor: doctor.to_string(),
            role: "doctor".into(),
            action: "write_note".into(),
            subject: appointment.id.to_string(),
            patient: patient.to_string(),
            device: String::new(),
        };
        storage
            .save_note(&record, &event, start.timestamp_millis())
            .await
            .unwrap();
        newest = Some(appointment.id);
    }
    let newest = newest.unwrap();

    let time = |path: String| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let mut samples = Vec::with_capacity(ROUNDS);
            for _ in 0..ROUNDS {
                let started = Instant::now();
                let response = http
                    .get(format!("{url}{path}"))
                    .bearer_auth("bench-doctor")
                    .send()
                    .await
                    .unwrap();
                assert!(
                    response.status().is_success(),
                    "{path}: {}",
                    response.status()
                );
                let _ = response.bytes().await.unwrap();
                samples.push(started.elapsed());
            }
            samples.sort();
            samples
        }
    };
    let health = time("/health".into()).await;
    // The screen's two requests, one after the other, as the desk makes them.
    let mut screen = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        for path in [
            format!("/api/v1/appointments/{newest}/note"),
            format!("/api/v1/patients/{patient}/consultations"),
        ] {
            let response = http
                .get(format!("{url}{path}"))
                .bearer_auth("bench-doctor")
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success(), "{path}");
            let body = response.bytes().await.unwrap();
            assert!(body.len() > 100);
        }
        screen.push(started.elapsed());
    }
    screen.sort();
    let history = time(format!("/api/v1/patients/{patient}/consultations")).await;
    let chart = time(format!("/api/v1/patients/{patient}/chart")).await;
    let fhir = time(format!("/api/v1/patients/{patient}/export/fhir")).await;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  baseline GET /health:                 p50 {:6.2} ms   p99 {:6.2} ms",
        ms(percentile(&health, 0.5)),
        ms(percentile(&health, 0.99))
    );
    println!(
        "  history of {VISITS} consultations:      p50 {:6.2} ms   p99 {:6.2} ms",
        ms(percentile(&history, 0.5)),
        ms(percentile(&history, 0.99))
    );
    println!(
        "  the chart (timeline of {VISITS} visits + notes): p50 {:6.2} ms   p99 {:6.2} ms",
        ms(percentile(&chart, 0.5)),
        ms(percentile(&chart, 0.99))
    );
    println!(
        "  FHIR R4 export of the 5 years:       p50 {:6.2} ms   p99 {:6.2} ms   ({:.1}× the history at p50)",
        ms(percentile(&fhir, 0.5)),
        ms(percentile(&fhir, 0.99)),
        ms(percentile(&fhir, 0.5)) / ms(percentile(&history, 0.5))
    );
    println!(
        "  the screen's data (note + history):  p50 {:6.2} ms   p99 {:6.2} ms   ({:.1}× /health at p50)",
        ms(percentile(&screen, 0.5)),
        ms(percentile(&screen, 0.99)),
        ms(percentile(&screen, 0.5)) / ms(percentile(&health, 0.5))
    );
}

#[tokio::main]
async fn main() {
    println!("consultation screen data, 5-year history, on SQLite (embedded)");
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStorage::connect(&dir.path().join("bench.db"))
        .await
        .unwrap();
    run(sqlite, async |s: &SqliteStorage, a: &AppointmentRecord| {
        common::insert_appointment!(&s.pool, a)
    })
    .await;
    if let Ok(admin_url) = std::env::var("CLINIC_BENCH_POSTGRES_URL") {
        println!("consultation screen data, 5-year history, on PostgreSQL");
        let postgres = common::fresh_postgres(&admin_url).await;
        run(
            postgres,
            async |s: &PostgresStorage, a: &AppointmentRecord| {
                common::insert_appointment!(&s.pool, a)
            },
        )
        .await;
    } else {
        println!("(PostgreSQL skipped: set CLINIC_BENCH_POSTGRES_URL, or run scripts/bench.sh)");
    }
}
