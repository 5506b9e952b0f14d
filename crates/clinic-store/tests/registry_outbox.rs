//! The registry and the outbox on a real SQLCipher file: a change and its outbox entry commit
//! together or not at all.

use chrono::{TimeZone, Utc};
use clinic_core::account::{PatientDemographics, Sex};
use clinic_core::sync::{
    Change, ChangeBody, Command, CommandEnvelope, CommandOutcome, CommandResult, PullResponse,
    Rejection, RejectionReason,
};
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

fn record_of(patient: u128, number: &str, name: &str) -> clinic_core::sync::PatientRecord {
    clinic_core::sync::PatientRecord {
        id: id(patient),
        patient_number: number.into(),
        demographics: demographics(name),
        account: None,
    }
}

fn pulled(changes: Vec<(u64, clinic_core::sync::PatientRecord)>, cursor: u64) -> PullResponse {
    PullResponse {
        changes: changes
            .into_iter()
            .map(|(seq, record)| Change {
                seq,
                body: ChangeBody::Patient(record),
            })
            .collect(),
        cursor,
        more: false,
        restarted: false,
    }
}

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
}

#[test]
fn a_desk_numbers_patients_with_its_own_code_only_once_it_has_one() {
    let (_dir, mut store) = store();
    let err = store
        .register_patient(id(1), id(100), at(), id(7), demographics("Rahima"))
        .unwrap_err();
    assert!(matches!(err, RecordError::NoDeskCode), "{err:?}");
    assert!(err
        .to_string()
        .contains("Connect to the server and sign in once"));
    assert!(
        store.pending_commands(10).unwrap().is_empty(),
        "nothing written"
    );
    store.set_desk_code(3).unwrap();
    let first = store
        .register_patient(id(1), id(100), at(), id(7), demographics("Rahima"))
        .unwrap();
    let second = store
        .register_patient(id(2), id(101), at(), id(7), demographics("Karim"))
        .unwrap();
    let number = |e: &CommandEnvelope| match &e.command {
        Command::RegisterPatient { patient_number, .. } => patient_number.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        (number(&first), number(&second)),
        ("3-0001".into(), "3-0002".into())
    );
    // A number already taken here (pulled from another desk with the same code, say) is skipped.
    store
        .apply_pulled(
            &pulled(vec![(1, record_of(200, "3-0003", "Elsewhere"))], 1),
            at(),
        )
        .unwrap();
    let third = store
        .register_patient(id(3), id(102), at(), id(7), demographics("Ayesha"))
        .unwrap();
    assert_eq!(number(&third), "3-0004");
}

#[test]
fn pulled_records_are_the_base_and_pending_edits_stay_on_top() {
    let (_dir, mut store) = store();
    store
        .apply_pulled(
            &pulled(vec![(5, record_of(100, "1-0001", "Server Name"))], 5),
            at(),
        )
        .unwrap();
    store
        .record(&envelope(
            1,
            Command::UpdatePatient {
                patient: id(100),
                demographics: demographics("Local Edit"),
            },
        ))
        .unwrap();
    // Another desk's older edit arrives: the confirmed base moves, the pending edit stays shown.
    store
        .apply_pulled(
            &pulled(vec![(6, record_of(100, "1-0001", "Other Desk"))], 6),
            at(),
        )
        .unwrap();
    let shown = store.patient(id(100)).unwrap().unwrap();
    assert_eq!(shown.demographics.full_name, "Local Edit");
    assert_eq!(
        store.confirmed_patients().unwrap()[0]
            .demographics
            .full_name,
        "Other Desk"
    );
    // The same page delivered again, late: nothing moves back.
    store
        .apply_pulled(
            &pulled(vec![(5, record_of(100, "1-0001", "Server Name"))], 5),
            at(),
        )
        .unwrap();
    assert_eq!(
        store.confirmed_patients().unwrap()[0]
            .demographics
            .full_name,
        "Other Desk"
    );
    assert_eq!(store.sync_cursor().unwrap(), 6);
}

#[test]
fn a_refused_command_is_kept_with_its_reason_and_its_effect_undone() {
    let (_dir, mut store) = store();
    store
        .apply_pulled(
            &pulled(vec![(1, record_of(100, "1-0001", "Confirmed"))], 1),
            at(),
        )
        .unwrap();
    let edit = envelope(
        1,
        Command::UpdatePatient {
            patient: id(100),
            demographics: demographics("Refused Edit"),
        },
    );
    store.record(&edit).unwrap();
    let registration = register(2, 101, "3-0001", "Accepted");
    store.record(&registration).unwrap();
    let rejection = Rejection::new(RejectionReason::Forbidden, vec![]);
    store
        .settle_pushed(
            &[
                CommandOutcome {
                    id: Some(edit.id),
                    result: CommandResult::Rejected(rejection.clone()),
                },
                CommandOutcome {
                    id: Some(registration.id),
                    result: CommandResult::Applied { seq: 2 },
                },
            ],
            at(),
        )
        .unwrap();
    assert!(store.pending_commands(10).unwrap().is_empty());
    assert_eq!(
        store
            .patient(id(100))
            .unwrap()
            .unwrap()
            .demographics
            .full_name,
        "Confirmed",
        "the refused edit no longer shows as if it were saved"
    );
    let refused = store.rejected_commands().unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(
        refused[0].envelope, edit,
        "the change itself is kept, to redo"
    );
    assert_eq!(refused[0].rejection, rejection);
    let summary = store.sync_summary().unwrap();
    assert_eq!((summary.pending, summary.rejected), (0, 1));
    // Only a person dismissing it removes it.
    assert!(store.dismiss_rejected(edit.id).unwrap());
    assert!(store.rejected_commands().unwrap().is_empty());
}

/// The first answer to an edit was lost; meanwhile a pull brought the edit and another desk's
/// later one. When the repeated push is answered "applied", the desk must show the later edit,
/// not its own replayed on top (found by the sync simulation, seed 223).
#[test]
fn an_applied_answer_after_newer_news_shows_the_newer_record() {
    let (_dir, mut store) = store();
    store
        .apply_pulled(
            &pulled(vec![(1, record_of(100, "1-0001", "First"))], 1),
            at(),
        )
        .unwrap();
    let mine = envelope(
        1,
        Command::UpdatePatient {
            patient: id(100),
            demographics: demographics("Mine"),
        },
    );
    store.record(&mine).unwrap();
    store
        .apply_pulled(
            &pulled(
                vec![
                    (2, record_of(100, "1-0001", "Mine")),
                    (3, record_of(100, "1-0001", "Other Desk Later")),
                ],
                3,
            ),
            at(),
        )
        .unwrap();
    store
        .settle_pushed(
            &[CommandOutcome {
                id: Some(mine.id),
                result: CommandResult::Applied { seq: 2 },
            }],
            at(),
        )
        .unwrap();
    assert_eq!(
        store
            .patient(id(100))
            .unwrap()
            .unwrap()
            .demographics
            .full_name,
        "Other Desk Later"
    );
}

#[test]
fn a_user_pushes_only_their_own_changes_and_in_order() {
    let (_dir, mut store) = store();
    let (alice, bob): (UserId, UserId) = (id(7), id(8));
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap();
    let by = |n: u128, user: UserId, name: &str| {
        CommandEnvelope::new(
            id::<CommandId>(n),
            at,
            user,
            Command::RegisterPatient {
                patient: id(100 + n),
                patient_number: format!("3-{n:04}"),
                demographics: demographics(name),
            },
        )
    };
    store.record(&by(1, alice, "One")).unwrap();
    store.record(&by(2, bob, "Two")).unwrap();
    store.record(&by(3, alice, "Three")).unwrap();
    let ids = |v: Vec<CommandEnvelope>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.pending_commands_of(alice, 10).unwrap()),
        vec![id(1)]
    );
    assert!(
        store.pending_commands_of(bob, 10).unwrap().is_empty(),
        "Bob's change waits behind Alice's"
    );
}

/// The server was restored from an older backup: its log starts again below this desk's cursor.
/// What it confirmed before is dropped; what it has now is applied; pending changes stay.
#[test]
fn a_restarted_log_replaces_what_the_server_confirmed_before() {
    let (_dir, mut store) = store();
    store
        .apply_pulled(
            &pulled(
                vec![
                    (40, record_of(100, "1-0001", "Kept By The Server")),
                    (41, record_of(101, "1-0002", "Lost With The Backup")),
                ],
                41,
            ),
            at(),
        )
        .unwrap();
    store
        .record(&register(1, 102, "3-0001", "Pending Here"))
        .unwrap();
    let mut page = pulled(vec![(1, record_of(100, "1-0001", "Kept By The Server"))], 5);
    page.restarted = true;
    store.apply_pulled(&page, at()).unwrap();
    let mut names: Vec<String> = store
        .patient_records()
        .unwrap()
        .into_iter()
        .map(|r| r.demographics.full_name)
        .collect();
    names.sort();
    assert_eq!(names, vec!["Kept By The Server", "Pending Here"]);
    assert_eq!(store.sync_cursor().unwrap(), 5);
    assert_eq!(store.pending_commands(10).unwrap().len(), 1);
}
