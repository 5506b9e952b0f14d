//! The sync simulation: several devices, each with its own encrypted store, and a real server
//! (in-process, SQLite and PostgreSQL), run through a seeded random schedule of edits, offline
//! periods, crashes between any two steps of push and pull, lost answers, and duplicated and
//! late deliveries. After each schedule every device must hold exactly the server's registry for
//! its scope, no command may have been applied twice, and every command made must be either
//! applied on the server or shown as refused on its device.
//!
//! Desks also book one doctor's few slots (and walk-ins) and take lifecycle steps, offline and
//! online: after each schedule no slot holds two active appointments on the server, every
//! device's appointment book equals the server's for its scope, and every booking a desk made is
//! either applied or kept on that desk as a conflict.
//!
//! The test command runs a fixed set of seeds. More:
//!   CLINIC_SIM_SEEDS=10000 cargo test -p clinic-sync --test server simulation -- --nocapture
//! One seed (as printed by a failure):
//!   CLINIC_SIM_SEED=1234 cargo test -p clinic-sync --test server simulation -- --nocapture

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use crate::common::*;
use chrono::Utc;
use clinic_core::account::{PatientDemographics, SignUpForm};
use clinic_core::appointment::{AppointmentRecord, Origin, Step};
use clinic_core::sync::{Command, CommandEnvelope, PullResponse};
use clinic_core::{AppointmentId, CommandId, PatientId, Role, UserId};
use clinic_store::{DatabaseKey, Store};
use clinic_sync::storage::prelude::*;
use clinic_sync::storage::NewAccount;
use clinic_sync_client::replication::{pull_changes, push_pending, sync_round};
use clinic_sync_client::SyncClient;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const DESKS: usize = 3;
const STEPS: usize = 70;
const PASSWORD: &str = "simulation password";

struct Device {
    dir: tempfile::TempDir,
    key: DatabaseKey,
    store: Option<Mutex<Store>>,
    token: String,
    user: UserId,
    online: bool,
    staff: bool,
    /// Pushes "on the wire": sent once, to be delivered again later (a late duplicate).
    delayed: Vec<Vec<CommandEnvelope>>,
    /// A pull answer already applied, to be delivered again later.
    stale_pull: Option<PullResponse>,
}

impl Device {
    fn store(&self) -> &Mutex<Store> {
        self.store.as_ref().expect("the device is running")
    }

    fn with<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut self.store().lock().unwrap())
    }

    /// The process dies and starts again: the store is closed and opened from its file.
    fn crash_and_restart(&mut self) {
        self.store = None;
        let store = Store::open(&self.dir.path().join("device.db"), &self.key).unwrap();
        self.store = Some(Mutex::new(store));
    }
}

fn seeds() -> Vec<u64> {
    if let Ok(one) = std::env::var("CLINIC_SIM_SEED") {
        return vec![one.trim().parse().expect("CLINIC_SIM_SEED is a number")];
    }
    match std::env::var("CLINIC_SIM_SEEDS") {
        Ok(n) => (0..n
            .trim()
            .parse::<u64>()
            .expect("CLINIC_SIM_SEEDS is a number"))
            .collect(),
        Err(_) => vec![1, 2, 3, 4, 5, 6],
    }
}

fn name(rng: &mut StdRng) -> String {
    const FIRST: [&str; 6] = ["Rahima", "Karim", "Ayesha", "রহিমা", "করিম", "Nusrat"];
    const LAST: [&str; 5] = ["Khatun", "Uddin", "Begum", "খাতুন", "Ahmed"];
    format!(
        "{} {} {}",
        FIRST[rng.random_range(0..FIRST.len())],
        LAST[rng.random_range(0..LAST.len())],
        rng.random_range(1..1000)
    )
}

fn demographics(rng: &mut StdRng) -> PatientDemographics {
    PatientDemographics {
        full_name: name(rng),
        sex: None,
        date_of_birth: None,
        phone: Some(format!("017{:08}", rng.random_range(0..100_000_000))),
        email: None,
        address: None,
        emergency_contact: None,
    }
}

fn uuid_from(rng: &mut StdRng) -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

async fn run_seed(backend: Backend, seed: u64, password_hash: &str) {
    let mut rng = StdRng::seed_from_u64(seed);
    let server = TestServer::start(backend).await;
    let client = SyncClient::new(&server.url);
    let mut made: Vec<(usize, CommandId)> = Vec::new();

    // Accounts straight into storage (one hash for all: argon2 is slow on purpose).
    let mut devices = Vec::new();
    for i in 0..DESKS {
        let account = NewAccount {
            id: UserId::from_uuid(uuid_from(&mut rng)),
            email: format!("desk{i}@sim.test"),
            display_name: format!("Desk {i}"),
            role: Role::FrontDesk,
            password_hash: password_hash.to_owned(),
            created_at_ms: 0,
        };
        match &server.storage {
            AnyStorage::Sqlite(s) => s.create_account(&account, None, None).await,
            AnyStorage::Postgres(s) => s.create_account(&account, None, None).await,
        }
        .unwrap();
        devices.push((account.email, account.id, true));
    }
    // One doctor, verified, working every day 09:00–17:00 in 15-minute slots.
    let mut doctor = clinic_core::demo::DOCTORS[0].record(UserId::from_uuid(uuid_from(&mut rng)));
    let every_day = doctor
        .pattern
        .weekly
        .iter()
        .flatten()
        .next()
        .unwrap()
        .clone();
    doctor.pattern.weekly = std::array::from_fn(|_| {
        vec![clinic_core::availability::Session {
            hours: clinic_core::availability::LocalSpan {
                start: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                end: chrono::NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            },
            ..every_day.clone()
        }]
    });
    let doctor_account = NewAccount {
        id: doctor.id,
        email: "doctor@sim.test".into(),
        display_name: doctor.profile.display_name.clone(),
        role: Role::Doctor,
        password_hash: password_hash.to_owned(),
        created_at_ms: 0,
    };
    match &server.storage {
        AnyStorage::Sqlite(s) => s.create_account(&doctor_account, None, Some(&doctor)).await,
        AnyStorage::Postgres(s) => s.create_account(&doctor_account, None, Some(&doctor)).await,
    }
    .unwrap();
    // A few slots tomorrow that every desk wants: the contested ones.
    let tz = chrono_tz::Asia::Dhaka;
    let tomorrow = Utc::now().with_timezone(&tz).date_naive() + chrono::Days::new(1);
    let slots: Vec<chrono::DateTime<Utc>> = (0..4)
        .map(|k| {
            use chrono::TimeZone;
            tz.from_local_datetime(
                &tomorrow.and_time(chrono::NaiveTime::from_hms_opt(9, 15 * k, 0).unwrap()),
            )
            .unwrap()
            .with_timezone(&Utc)
        })
        .collect();

    let patient_email = "patient@sim.test".to_owned();
    let grant = client
        .sign_up(&SignUpForm {
            email: patient_email.clone(),
            password: PASSWORD.to_owned(),
            demographics: clinic_core::account::DemographicsForm {
                full_name: "Sim Patient".into(),
                ..Default::default()
            },
        })
        .await
        .unwrap();
    devices.push((patient_email, grant.account.id, false));

    let mut fleet = Vec::new();
    for (email, user, staff) in devices {
        let dir = tempfile::tempdir().unwrap();
        let key = DatabaseKey::generate();
        let store = Store::open(&dir.path().join("device.db"), &key).unwrap();
        let device_id = store.device_id().unwrap();
        let grant = client
            .sign_in(&email, PASSWORD, None, Some(device_id))
            .await
            .unwrap();
        let mut store = store;
        if let Some(code) = grant.desk_code {
            store.set_desk_code(code).unwrap();
        }
        store
            .set_clinic_time_zone(grant.clinic_time_zone.as_deref().unwrap())
            .unwrap();
        fleet.push(Device {
            dir,
            key,
            store: Some(Mutex::new(store)),
            token: grant.token,
            user,
            online: true,
            staff,
            delayed: Vec::new(),
            stale_pull: None,
        });
    }

    for _ in 0..STEPS {
        let d = rng.random_range(0..fleet.len());
        let roll = rng.random_range(0..145);
        let device = &mut fleet[d];
        let at = Utc::now();
        match roll {
            // Register a patient (desks only; offline or online).
            0..=19 if device.staff => {
                let envelope = device.with(|s| {
                    s.register_patient(
                        CommandId::from_uuid(uuid_from(&mut rng)),
                        PatientId::from_uuid(uuid_from(&mut rng)),
                        at,
                        device.user,
                        demographics(&mut rng),
                    )
                    .unwrap()
                });
                made.push((d, envelope.id));
            }
            // Edit a patient this device knows (a patient: only their own record).
            20..=34 => {
                let known = device.with(|s| s.patient_records().unwrap());
                if known.is_empty() {
                    continue;
                }
                let target = &known[rng.random_range(0..known.len())];
                let mut changed = target.demographics.clone();
                changed.full_name = name(&mut rng);
                let envelope = CommandEnvelope::new(
                    CommandId::from_uuid(uuid_from(&mut rng)),
                    at,
                    device.user,
                    Command::UpdatePatient {
                        patient: target.id,
                        demographics: changed,
                    },
                );
                device.with(|s| s.record(&envelope).unwrap());
                made.push((d, envelope.id));
            }
            // Book one of the contested slots, or a walk-in (desks; offline or online).
            100..=129 if device.staff => {
                let known = device.with(|s| s.patient_records().unwrap());
                if known.is_empty() {
                    continue;
                }
                let patient = known[rng.random_range(0..known.len())].id;
                let start = match rng.random_range(0..5) {
                    0 => None,
                    k => Some(slots[k - 1]),
                };
                let envelope = CommandEnvelope::new(
                    CommandId::from_uuid(uuid_from(&mut rng)),
                    at,
                    device.user,
                    Command::BookAppointment {
                        appointment: AppointmentId::from_uuid(uuid_from(&mut rng)),
                        patient,
                        doctor: doctor.id,
                        consultation: clinic_core::availability::ConsultationType::InPerson,
                        origin: if start.is_some() {
                            Origin::Booked
                        } else {
                            Origin::WalkIn
                        },
                        start,
                        reason: None,
                        replaces: None,
                    },
                );
                // A desk that has not received the doctor yet cannot book them (and says so).
                if device.with(|s| s.record(&envelope)).is_ok() {
                    made.push((d, envelope.id));
                }
            }
            // A lifecycle step on an appointment this device knows (a patient: cancel only).
            100..=144 => {
                let known = device.with(|s| s.appointment_records().unwrap());
                if known.is_empty() {
                    continue;
                }
                let target = &known[rng.random_range(0..known.len())];
                let step = if device.staff {
                    [Step::CheckIn, Step::Cancel, Step::MarkNoShow][rng.random_range(0..3)]
                } else {
                    Step::Cancel
                };
                let envelope = CommandEnvelope::new(
                    CommandId::from_uuid(uuid_from(&mut rng)),
                    at,
                    device.user,
                    Command::StepAppointment {
                        appointment: target.id,
                        step,
                        reason: None,
                    },
                );
                if device.with(|s| s.record(&envelope)).is_ok() {
                    made.push((d, envelope.id));
                }
            }
            35..=44 => device.online = !device.online,
            45..=49 => device.crash_and_restart(),
            _ if !device.online => {}
            // A normal round.
            50..=64 => {
                sync_round(device.store(), &client, &device.token, device.user)
                    .await
                    .unwrap();
            }
            // Push, and the device dies before it records the answer.
            65..=71 => {
                let batch = device.with(|s| s.pending_commands(rng.random_range(1..6)).unwrap());
                if !batch.is_empty() {
                    client.push(&device.token, &batch).await.unwrap();
                }
                device.crash_and_restart();
            }
            // The same push delivered twice; the second answer is the one recorded.
            72..=77 => {
                let batch = device.with(|s| s.pending_commands(rng.random_range(1..6)).unwrap());
                if !batch.is_empty() {
                    let first = client.push(&device.token, &batch).await.unwrap();
                    let second = client.push(&device.token, &batch).await.unwrap();
                    assert_eq!(first, second, "a repeated push is answered the same");
                    device.with(|s| s.settle_pushed(&second.outcomes, at).unwrap());
                }
            }
            // A push that lingers on the network and arrives again later.
            78..=82 => {
                let batch = device.with(|s| s.pending_commands(rng.random_range(1..6)).unwrap());
                if !batch.is_empty() {
                    let answer = client.push(&device.token, &batch).await.unwrap();
                    device.with(|s| s.settle_pushed(&answer.outcomes, at).unwrap());
                    device.delayed.push(batch);
                }
            }
            83..=86 => {
                if let Some(batch) = device.delayed.pop() {
                    let answer = client.push(&device.token, &batch).await.unwrap();
                    device.with(|s| s.settle_pushed(&answer.outcomes, at).unwrap());
                }
            }
            // Pull, and die before applying.
            87..=89 => {
                let cursor = device.with(|s| s.sync_cursor().unwrap());
                client.pull(&device.token, cursor, 3).await.unwrap();
                device.crash_and_restart();
            }
            // Pull a page, apply it, and later get the same page again (late duplicate).
            90..=94 => {
                let cursor = device.with(|s| s.sync_cursor().unwrap());
                let page = client.pull(&device.token, cursor, 3).await.unwrap();
                device.with(|s| s.apply_pulled(&page, at).unwrap());
                device.stale_pull = Some(page);
            }
            95..=97 => {
                if let Some(page) = device.stale_pull.take() {
                    device.with(|s| s.apply_pulled(&page, at).unwrap());
                }
            }
            _ if roll >= 100 => {}
            _ => {
                push_pending(device.store(), &client, &device.token, device.user)
                    .await
                    .unwrap();
                pull_changes(device.store(), &client, &device.token)
                    .await
                    .unwrap();
            }
        }
    }

    // Everyone comes back online: push everything, then everyone pulls everything.
    for device in &mut fleet {
        device.online = true;
        sync_round(device.store(), &client, &device.token, device.user)
            .await
            .unwrap();
    }
    for device in &fleet {
        sync_round(device.store(), &client, &device.token, device.user)
            .await
            .unwrap();
    }

    let registry = server_registry(&server).await;
    let book = server_appointments(&server).await;
    assert_eq!(
        doubly_booked(&server).await,
        0,
        "a slot holds two active appointments"
    );
    let applied = server_applied_commands(&server).await;
    let mut refused = BTreeSet::new();
    for (i, device) in fleet.iter().enumerate() {
        let pending = device.with(|s| s.pending_commands(10).unwrap());
        assert!(pending.is_empty(), "device {i} still has {pending:?}");
        let local: BTreeMap<String, (String, String)> = device.with(|s| {
            s.patient_records()
                .unwrap()
                .into_iter()
                .map(|r| {
                    (
                        r.id.to_string(),
                        (r.patient_number, r.demographics.full_name),
                    )
                })
                .collect()
        });
        let expected: BTreeMap<String, (String, String)> = if device.staff {
            registry
                .iter()
                .map(|(k, v)| (k.clone(), (v.0.clone(), v.1.clone())))
                .collect()
        } else {
            registry
                .iter()
                .filter(|(_, v)| v.2.as_deref() == Some(device.user.to_string().as_str()))
                .map(|(k, v)| (k.clone(), (v.0.clone(), v.1.clone())))
                .collect()
        };
        assert_eq!(
            local, expected,
            "device {i}'s registry differs from the server's"
        );
        let local_book: BTreeMap<String, AppointmentRecord> = device.with(|s| {
            s.appointment_records()
                .unwrap()
                .into_iter()
                .map(|a| (a.id.to_string(), a))
                .collect()
        });
        let expected_book: BTreeMap<String, AppointmentRecord> = book
            .iter()
            .filter(|(_, a)| device.staff || a.patient.to_string() == device.user.to_string())
            .map(|(k, a)| (k.clone(), a.clone()))
            .collect();
        assert_eq!(
            local_book, expected_book,
            "device {i}'s appointment book differs from the server's"
        );
        for r in device.with(|s| s.rejected_commands().unwrap()) {
            refused.insert(r.envelope.id.to_string());
        }
    }
    for (d, id) in &made {
        let id = id.to_string();
        assert!(
            applied.contains_key(&id) || refused.contains(&id),
            "command {id} made on device {d} was neither applied nor shown as refused"
        );
    }
    for (id, times) in &applied {
        assert_eq!(*times, 1, "command {id} changed the registry {times} times");
    }
    eprintln!(
        "seed {seed}: {} commands made, {} applied, {} refused, {} patients, {} appointments",
        made.len(),
        applied.len(),
        refused.len(),
        registry.len(),
        book.len()
    );
}

/// The server's registry: id → (number, name, account).
async fn server_registry(
    server: &TestServer,
) -> BTreeMap<String, (String, String, Option<String>)> {
    let sql = "SELECT id, patient_number, full_name, account_id FROM patient";
    let rows: Vec<(String, String, String, Option<String>)> = match &server.storage {
        AnyStorage::Sqlite(s) => sqlx::query_as(sql).fetch_all(&s.pool).await,
        AnyStorage::Postgres(s) => sqlx::query_as(sql).fetch_all(&s.pool).await,
    }
    .unwrap();
    rows.into_iter()
        .map(|(id, number, name, account)| (id, (number, name, account)))
        .collect()
}

/// The server's appointment book: id → record.
async fn server_appointments(server: &TestServer) -> BTreeMap<String, AppointmentRecord> {
    let sql = "SELECT id, record FROM appointment";
    let rows: Vec<(String, String)> = match &server.storage {
        AnyStorage::Sqlite(s) => sqlx::query_as(sql).fetch_all(&s.pool).await,
        AnyStorage::Postgres(s) => sqlx::query_as(sql).fetch_all(&s.pool).await,
    }
    .unwrap();
    rows.into_iter()
        .map(|(id, record)| (id, serde_json::from_str(&record).unwrap()))
        .collect()
}

/// Slots (doctor and start) held by more than one active appointment.
async fn doubly_booked(server: &TestServer) -> i64 {
    server
        .scalar(
            "SELECT count(*) FROM (SELECT doctor_id, slot_start FROM appointment
              WHERE slot_start IS NOT NULL
       AND status IN ('requested', 'confirmed', 'checked_in', 'in_consultation')
              GROUP BY doctor_id, slot_start HAVING count(*) > 1) AS doubled"
                .to_owned(),
        )
        .await
}

/// Each command that changed the registry, with how many change-log entries it made.
async fn server_applied_commands(server: &TestServer) -> BTreeMap<String, i64> {
    let sql = "SELECT command_id, count(*) FROM change_log WHERE command_id IS NOT NULL
               GROUP BY command_id";
    let rows: Vec<(String, i64)> = match &server.storage {
        AnyStorage::Sqlite(s) => sqlx::query_as(sql).fetch_all(&s.pool).await,
        AnyStorage::Postgres(s) => sqlx::query_as(sql).fetch_all(&s.pool).await,
    }
    .unwrap();
    rows.into_iter().collect()
}

async fn every_schedule_converges(backend: Backend) {
    let hash = clinic_sync::password::hash_password(PASSWORD).unwrap();
    for seed in seeds() {
        let hash = hash.clone();
        let run = tokio::spawn(async move { run_seed(backend, seed, &hash).await });
        if let Err(e) = run.await {
            let which = match backend {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
            };
            eprintln!(
                "\nsimulation seed {seed} failed on {which}. Replay it with:\n  \
                 CLINIC_SIM_SEED={seed} cargo test -p clinic-sync --test server simulation::{which} -- --nocapture\n"
            );
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

on_both_backends!(every_schedule_converges);
