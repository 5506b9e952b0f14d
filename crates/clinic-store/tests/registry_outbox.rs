//! The registry and the outbox on a real SQLCipher file: a change and its outbox entry commit
//! together or not at all.

use chrono::{TimeZone, Utc};
use clinic_core::account::{PatientDemographics, Sex};
use clinic_core::sync::{Command, CommandEnvelope};
use clinic_core::{CommandId, PatientId, UserId};
use clinic_store::registry::RecordError;
use clinic_store::{DatabaseKey, Store};

fn id<T: std::str::FromStr>(n: u128) -> T
where
    T::Err: std::fmt::Debug,
{
    uuid::Uuid::from_u128(n).to_string().parse().unwrap()
}

fn demographics(name: &str) -> PatientDemographics {
    PatientDemographics {
        full_name: name.into(),
        sex: Some(Sex::Female),
        date_of_birth: Some("1990-04-14".parse().unwrap()),
        phone: Some("+880 1712-345678".into()),
        email: None,
        address: None,
        emergency_contact: None,
    }
}

fn envelope(n: u128, command: Command) -> CommandEnvelope {
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap();
    CommandEnvelope::new(id::<CommandId>(n), at, id::<UserId>(7), command)
}

fn register(n: u128, patient: u128, number: &str, name: &str) -> CommandEnvelope {
    envelope(
        n,
        Command::RegisterPatient {
            patient: id::<PatientId>(patient),
            patient_number: number.into(),
            demographics: demographics(name),
        },
    )
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db"), &DatabaseKey::generate()).unwrap();
    (dir, store)
}

#[test]
fn a_registration_and_its_outbox_entry_are_written_together() {
    let (_dir, mut store) = store();
    let command = register(1, 100, "A-0001", "রহিমা খাতুন");
    store.record(&command).unwrap();
    let patients = store.patients().unwrap();
    assert_eq!(patients.len(), 1);
    assert_eq!(patients[0].full_name, "রহিমা খাতুন");
    assert_eq!(patients[0].patient_number, "A-0001");
    assert_eq!(store.pending_commands(10).unwrap(), vec![command]);
    assert_eq!(
        store.patient(id(100)).unwrap().map(|r| r.demographics),
        Some(demographics("রহিমা খাতুন"))
    );
}

#[test]
fn a_refused_change_writes_neither_the_change_nor_the_outbox_entry() {
    let (_dir, mut store) = store();
    store
        .record(&register(1, 100, "A-0001", "Rahima Khatun"))
        .unwrap();
    let err = store
        .record(&register(2, 101, "A-0001", "Karim Mia"))
        .unwrap_err();
    assert!(
        matches!(&err, RecordError::PatientNumberTaken(n) if n == "A-0001"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Patient number A-0001 is already in use. Choose another."
    );
    let update = envelope(
        3,
        Command::UpdatePatient {
            patient: id(999),
            demographics: demographics("X"),
        },
    );
    assert!(matches!(
        store.record(&update),
        Err(RecordError::UnknownPatient)
    ));
    assert_eq!(store.patients().unwrap().len(), 1);
    assert_eq!(
        store.pending_commands(10).unwrap().len(),
        1,
        "only the applied command is queued"
    );
}

#[test]
fn the_same_command_is_never_queued_twice() {
    let (_dir, mut store) = store();
    store
        .record(&register(1, 100, "A-0001", "Rahima Khatun"))
        .unwrap();
    let again = envelope(
        1,
        Command::UpdatePatient {
            patient: id(100),
            demographics: demographics("Changed"),
        },
    );
    assert!(
        store.record(&again).is_err(),
        "a reused command id is refused"
    );
    assert_eq!(
        store
            .patient(id(100))
            .unwrap()
            .unwrap()
            .demographics
            .full_name,
        "Rahima Khatun",
        "and its change rolled back"
    );
    assert_eq!(store.pending_commands(10).unwrap().len(), 1);
}

#[test]
fn updates_queue_in_order() {
    let (_dir, mut store) = store();
    store
        .record(&register(1, 100, "A-0001", "Rahima Khatun"))
        .unwrap();
    for (n, name) in [(2, "Rahima K."), (3, "Rahima Khatun Zafreen")] {
        store
            .record(&envelope(
                n,
                Command::UpdatePatient {
                    patient: id(100),
                    demographics: demographics(name),
                },
            ))
            .unwrap();
    }
    let pending: Vec<CommandId> = store
        .pending_commands(10)
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(pending, vec![id(1), id(2), id(3)]);
    assert_eq!(store.pending_commands(2).unwrap().len(), 2);
    assert_eq!(
        store
            .patient(id(100))
            .unwrap()
            .unwrap()
            .demographics
            .full_name,
        "Rahima Khatun Zafreen"
    );
}
