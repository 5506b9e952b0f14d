//! The desk's appointment book on a real SQLCipher file: bookings made here are shown at once,
//! a refused one leaves the book but stays as a conflict with the slots offered instead, and news
//! from the server is the base that pending changes are replayed on.

use chrono::{DateTime, TimeZone, Utc};
use clinic_core::appointment::{AppointmentRecord, Origin, Status, StatusChange, Step};
use clinic_core::availability::{ConsultationType, Slot};
use clinic_core::sync::{
    Change, ChangeBody, Command, CommandEnvelope, CommandOutcome, CommandResult, PullResponse,
    Rejection, RejectionReason,
};
use clinic_core::{AppointmentId, CommandId, PatientId, UserId};
use clinic_store::registry::RecordError;
use clinic_store::{DatabaseKey, Store};

fn id<T: std::str::FromStr>(n: u128) -> T
where
    T::Err: std::fmt::Debug,
{
    uuid::Uuid::from_u128(n).to_string().parse().unwrap()
}

fn at(h: u32, m: u32) -> DateTime<Utc> {
    // 2026-12-01 in Dhaka (UTC+6).
    chrono_tz::Asia::Dhaka
        .with_ymd_and_hms(2026, 12, 1, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn doctor() -> clinic_core::doctor::DoctorRecord {
    clinic_core::demo::DOCTORS[0].record(id(50))
}

fn envelope(n: u128, command: Command) -> CommandEnvelope {
    CommandEnvelope::new(id::<CommandId>(n), at(8, 0), id::<UserId>(7), command)
}

fn book(n: u128, appointment: u128, start: Option<DateTime<Utc>>) -> CommandEnvelope {
    envelope(
        n,
        Command::BookAppointment {
            appointment: id::<AppointmentId>(appointment),
            patient: id::<PatientId>(100),
            doctor: id(50),
            consultation: ConsultationType::InPerson,
            origin: if start.is_some() {
                Origin::Booked
            } else {
                Origin::WalkIn
            },
            start,
            reason: Some("Fever".into()),
            replaces: None,
        },
    )
}

fn pulled(changes: Vec<(u64, ChangeBody)>, cursor: u64) -> PullResponse {
    PullResponse {
        changes: changes
            .into_iter()
            .map(|(seq, body)| Change { seq, body })
            .collect(),
        cursor,
        more: false,
        restarted: false,
    }
}

/// A desk that has the clinic's doctor and time zone from the server.
fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("desk.db"), &DatabaseKey::generate()).unwrap();
    store.set_clinic_time_zone("Asia/Dhaka").unwrap();
    store
        .apply_pulled(
            &pulled(vec![(1, ChangeBody::Doctor(Box::new(doctor())))], 1),
            at(8, 0),
        )
        .unwrap();
    (dir, store)
}

fn confirmed(appointment: u128, start: DateTime<Utc>, status: Status) -> AppointmentRecord {
    AppointmentRecord {
        id: id(appointment),
        patient: id(100),
        doctor: id(50),
        consultation: ConsultationType::InPerson,
        origin: Origin::Booked,
        status,
        slot: Some(Slot {
            start,
            end: start + chrono::Duration::minutes(15),
            doctor: id(50),
        }),
        day: "2026-12-01".parse().unwrap(),
        token: None,
        reason: None,
        replaces: None,
        history: vec![StatusChange {
            status,
            at: at(8, 0),
            by: id(7),
            reason: None,
        }],
    }
}

#[test]
fn a_booking_is_shown_at_once_and_a_walk_in_joins_the_day() {
    let (_dir, mut store) = store();
    assert_eq!(store.doctors().unwrap().len(), 1, "doctors come by pull");
    store.record(&book(1, 10, Some(at(9, 15)))).unwrap();
    store.record(&book(2, 11, None)).unwrap();
    let day = store
        .appointments_on("2026-12-01".parse().unwrap(), None)
        .unwrap();
    assert_eq!(day.len(), 2);
    assert_eq!(day[0].status, Status::Confirmed);
    assert_eq!(
        day[0].slot.unwrap().end,
        at(9, 30),
        "the doctor's slot length"
    );
    assert_eq!(day[1].status, Status::CheckedIn, "a walk-in is queued");
    assert_eq!(day[1].slot, None);
    let busy = store.busy(Some(id(50)), at(0, 0), at(23, 0)).unwrap();
    assert_eq!(busy.len(), 1, "only the slot counts as busy");
    assert_eq!(store.pending_commands(10).unwrap().len(), 2);
    // A step on a booking made here is replayed on it.
    store
        .record(&envelope(
            3,
            Command::StepAppointment {
                appointment: id(10),
                step: Step::CheckIn,
                reason: None,
            },
        ))
        .unwrap();
    assert_eq!(
        store.appointment(id(10)).unwrap().unwrap().status,
        Status::CheckedIn
    );
    let refused = store.record(&envelope(
        4,
        Command::StepAppointment {
            appointment: id(10),
            step: Step::Complete,
            reason: None,
        },
    ));
    assert!(
        matches!(refused, Err(RecordError::StepNotPossible(_))),
        "{refused:?}"
    );
    assert_eq!(
        store.pending_commands(10).unwrap().len(),
        3,
        "nothing queued"
    );
}

#[test]
fn a_booking_without_the_doctor_or_time_zone_is_refused_here_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("desk.db"), &DatabaseKey::generate()).unwrap();
    assert!(matches!(
        store.record(&book(1, 10, Some(at(9, 15)))),
        Err(RecordError::UnknownDoctor)
    ));
    store
        .apply_pulled(
            &pulled(vec![(1, ChangeBody::Doctor(Box::new(doctor())))], 1),
            at(8, 0),
        )
        .unwrap();
    assert!(matches!(
        store.record(&book(1, 10, Some(at(9, 15)))),
        Err(RecordError::NoClinicTimeZone)
    ));
    assert!(store.pending_commands(10).unwrap().is_empty());
}

#[test]
fn a_refused_booking_leaves_the_book_and_stays_as_a_conflict_with_other_slots() {
    let (_dir, mut store) = store();
    let command = book(1, 10, Some(at(9, 15)));
    store.record(&command).unwrap();
    let offered = vec![Slot {
        start: at(9, 30),
        end: at(9, 45),
        doctor: id(50),
    }];
    let rejection = Rejection {
        taken_at: Some(at(9, 2)),
        ..Rejection::new(RejectionReason::SlotTaken, vec![]).with_alternatives(offered.clone())
    };
    store
        .settle_pushed(
            &[CommandOutcome {
                id: Some(command.id),
                result: CommandResult::Rejected(rejection.clone()),
            }],
            at(9, 5),
        )
        .unwrap();
    assert_eq!(store.appointment(id(10)).unwrap(), None, "not in the book");
    let conflicts = store.rejected_commands().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].envelope, command, "the booking itself is kept");
    assert_eq!(conflicts[0].rejection, rejection);
    assert_eq!(conflicts[0].rejection.alternatives, offered);
}

#[test]
fn news_from_the_server_is_the_base_and_pending_steps_stay_on_top() {
    let (_dir, mut store) = store();
    let first = pulled(
        vec![(
            2,
            ChangeBody::Appointment(confirmed(10, at(9, 15), Status::Confirmed)),
        )],
        2,
    );
    store.apply_pulled(&first, at(8, 0)).unwrap();
    let check_in = envelope(
        3,
        Command::StepAppointment {
            appointment: id(10),
            step: Step::CheckIn,
            reason: None,
        },
    );
    store.record(&check_in).unwrap();
    // Another desk changed the reason meanwhile: the server's record, with the check-in on top.
    let mut newer = confirmed(10, at(9, 15), Status::Confirmed);
    newer.reason = Some("Follow-up".into());
    store
        .apply_pulled(
            &pulled(vec![(3, ChangeBody::Appointment(newer))], 3),
            at(8, 1),
        )
        .unwrap();
    let shown = store.appointment(id(10)).unwrap().unwrap();
    assert_eq!(shown.reason.as_deref(), Some("Follow-up"));
    assert_eq!(shown.status, Status::CheckedIn);
    // The server applies the check-in and gives the token: its record is what is shown.
    store
        .settle_pushed(
            &[CommandOutcome {
                id: Some(check_in.id),
                result: CommandResult::Applied { seq: 4 },
            }],
            at(8, 2),
        )
        .unwrap();
    let mut checked_in = confirmed(10, at(9, 15), Status::CheckedIn);
    checked_in.token = Some(1);
    store
        .apply_pulled(
            &pulled(vec![(4, ChangeBody::Appointment(checked_in.clone()))], 4),
            at(8, 3),
        )
        .unwrap();
    assert_eq!(store.appointment(id(10)).unwrap(), Some(checked_in));
    assert!(store.pending_commands(10).unwrap().is_empty());
}

fn move_to(n: u128, appointment: u128, start: DateTime<Utc>, old: u128) -> CommandEnvelope {
    let mut envelope = book(n, appointment, Some(start));
    if let Command::BookAppointment { replaces, .. } = &mut envelope.command {
        *replaces = Some(id(old));
    }
    envelope
}

#[test]
fn a_move_shows_the_old_time_as_moved_until_the_server_refuses_it() {
    let (_dir, mut store) = store();
    store
        .apply_pulled(
            &pulled(
                vec![(
                    2,
                    ChangeBody::Appointment(confirmed(10, at(9, 15), Status::Confirmed)),
                )],
                2,
            ),
            at(8, 0),
        )
        .unwrap();
    let moving = move_to(3, 11, at(10, 0), 10);
    store.record(&moving).unwrap();
    let shown = |store: &Store, n: u128| store.appointment(id(n)).unwrap().map(|a| a.status);
    assert_eq!(shown(&store, 10), Some(Status::Rescheduled));
    assert_eq!(shown(&store, 11), Some(Status::Confirmed));
    assert_eq!(
        store.busy(Some(id(50)), at(0, 0), at(23, 0)).unwrap().len(),
        1,
        "only the new time holds a slot"
    );
    // News about the old appointment while the move is pending: it stays moved.
    let mut newer = confirmed(10, at(9, 15), Status::Confirmed);
    newer.reason = Some("Follow-up".into());
    store
        .apply_pulled(
            &pulled(vec![(3, ChangeBody::Appointment(newer))], 3),
            at(8, 1),
        )
        .unwrap();
    let old = store.appointment(id(10)).unwrap().unwrap();
    assert_eq!(old.status, Status::Rescheduled);
    assert_eq!(
        old.reason.as_deref(),
        Some("Follow-up"),
        "on the server's news"
    );
    // The server gave 10:00 to another desk: the move is a conflict, the old time stands.
    store
        .settle_pushed(
            &[CommandOutcome {
                id: Some(moving.id),
                result: CommandResult::Rejected(Rejection::new(RejectionReason::SlotTaken, vec![])),
            }],
            at(8, 2),
        )
        .unwrap();
    assert_eq!(shown(&store, 10), Some(Status::Confirmed));
    assert_eq!(shown(&store, 11), None);
    let conflicts = store.rejected_commands().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        conflicts[0].envelope, moving,
        "the move is kept to try again"
    );
}

#[test]
fn a_change_of_a_kind_this_desk_does_not_know_is_skipped_and_the_rest_applied() {
    let (_dir, mut store) = store();
    let mut page = serde_json::to_value(pulled(
        vec![(
            3,
            ChangeBody::Appointment(confirmed(10, at(9, 15), Status::Confirmed)),
        )],
        4,
    ))
    .unwrap();
    // A newer server's kind of change, between known ones.
    page["changes"].as_array_mut().unwrap().insert(
        0,
        serde_json::json!({"seq": 2, "kind": "prescription", "id": "x", "items": []}),
    );
    let page: PullResponse = serde_json::from_value(page).expect("an unknown kind still parses");
    assert_eq!(page.changes[0].body, ChangeBody::Unknown);
    store.apply_pulled(&page, at(8, 0)).unwrap();
    assert_eq!(store.sync_cursor().unwrap(), 4, "the cursor moves past it");
    assert_eq!(
        store.appointment(id(10)).unwrap().map(|a| a.status),
        Some(Status::Confirmed),
        "the known change is applied"
    );
}

#[test]
fn a_message_written_here_shows_at_once_and_the_servers_copy_replaces_it() {
    let (_dir, mut store) = store();
    store
        .apply_pulled(
            &pulled(
                vec![(
                    2,
                    ChangeBody::Appointment(confirmed(10, at(9, 15), Status::Confirmed)),
                )],
                2,
            ),
            at(8, 0),
        )
        .unwrap();
    // The doctor (id 50) writes, offline: shown at once, waiting to be sent.
    let written = CommandEnvelope::new(
        id::<CommandId>(20),
        at(8, 5),
        id::<UserId>(50),
        Command::SendMessage {
            appointment: id(10),
            body: " Please bring your old prescriptions. ".into(),
            attachment: None,
        },
    );
    store.record(&written).unwrap();
    let shown = store.messages(id(10)).unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].body, "Please bring your old prescriptions.");
    assert_eq!(shown[0].from_role, clinic_core::Role::Doctor);
    assert_eq!(shown[0].received_at, None, "not yet taken by the server");
    assert_eq!(
        store.pending_commands(10).unwrap().len(),
        1,
        "in the outbox"
    );
    let empty = CommandEnvelope::new(
        id::<CommandId>(21),
        at(8, 6),
        id::<UserId>(50),
        Command::SendMessage {
            appointment: id(10),
            body: "  ".into(),
            attachment: None,
        },
    );
    assert!(matches!(store.record(&empty), Err(RecordError::Invalid(_))));
    // A file alone is a message, but only one the server took from here (its record kept).
    let file_id = uuid::Uuid::from_u128(30);
    let with_file = CommandEnvelope::new(
        id::<CommandId>(23),
        at(8, 6),
        id::<UserId>(50),
        Command::SendMessage {
            appointment: id(10),
            body: String::new(),
            attachment: Some(file_id),
        },
    );
    assert!(
        matches!(store.record(&with_file), Err(RecordError::Invalid(_))),
        "a file the server does not have is not sent"
    );
    let file = clinic_core::chat::Attachment {
        id: file_id,
        appointment: id(10),
        kind: clinic_core::upload::FileKind::Pdf,
        size: 9,
        sha256: "ab".repeat(32),
        file_name: "message-2026-12-01-abababab.pdf".into(),
        uploaded_by: id(50),
        uploaded_at: at(8, 6),
    };
    store.keep_attachment(&file, Some(b"%PDF-1.7 ")).unwrap();
    store.keep_attachment(&file, None).unwrap();
    assert_eq!(
        store.attachment_content(file_id).unwrap().as_deref(),
        Some(&b"%PDF-1.7 "[..]),
        "kept content is not dropped by a later record without it"
    );
    store.record(&with_file).unwrap();
    let shown_file = store.messages(id(10)).unwrap();
    assert_eq!(shown_file.len(), 2);
    assert_eq!(shown_file[1].attachment.as_ref(), Some(&file));
    let (shown, file_message) = (vec![shown_file[0].clone()], shown_file[1].clone());

    // The server's copy of it, and the patient's answer, arrive by pull.
    let mut taken = shown[0].clone();
    taken.received_at = Some(at(8, 7));
    let answer = clinic_core::chat::MessageRecord {
        id: uuid::Uuid::from_u128(22),
        from: id(7),
        from_role: clinic_core::Role::Patient,
        body: "I will.".into(),
        sent_at: at(8, 9),
        received_at: Some(at(8, 9)),
        ..taken.clone()
    };
    store
        .apply_pulled(
            &pulled(
                vec![
                    (3, ChangeBody::Message(taken.clone())),
                    (4, ChangeBody::Message(answer.clone())),
                ],
                4,
            ),
            at(8, 10),
        )
        .unwrap();
    assert_eq!(
        store.messages(id(10)).unwrap(),
        vec![taken, file_message, answer.clone()],
        "the file's message still waits, in its place"
    );
    // One unread for the doctor (the patient's answer); none once read.
    assert_eq!(store.unread_counts(id(50)).unwrap(), vec![(id(10), 1)]);
    store.mark_read(id(10), answer.sent_at).unwrap();
    assert_eq!(store.unread_counts(id(50)).unwrap(), vec![]);
}
