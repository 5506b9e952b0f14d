//! Bookings on the server: the first booking takes a slot and the other desk hears who took it when, each bad booking its own reason, 64 desks racing, the database's own last word, pushes written together judged each as its own user's.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::clinic::*;
use crate::common::*;
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn a_slot_goes_to_the_first_booking_and_the_other_desk_hears_who_took_it_when(b: Backend) {
    let c = clinic(b, 2).await;
    let (s, doctor) = (&c.s, c.doctor.as_str());
    let ten = local(1, 10, 0);
    let first = push_one(s, &c.desk_a, book(1, 1, &c.patients[0], doctor, Some(&ten))).await;
    assert_eq!(first.answer(), Applied, "{first:?}");
    // Desk B was offline and booked the same slot for another patient.
    let second = push_one(s, &c.desk_b, book(2, 2, &c.patients[1], doctor, Some(&ten))).await;
    assert_eq!(
        answer(&second),
        Refused(RejectionReason::SlotTaken),
        "{second:?}"
    );
    let taken = refusal(&second);
    assert_eq!(taken.status, 409);
    assert!(taken.taken_at.is_some(), "says when: {second:?}");
    let offered: Vec<String> = taken
        .alternatives
        .iter()
        .map(|slot| slot.start.to_rfc3339())
        .collect();
    assert_eq!(
        taken.alternatives.first().map(|slot| slot.start),
        Some(local(1, 10, 15).parse().unwrap()),
        "the next free slot first: {second:?}"
    );
    // One click: rebook into the first slot offered.
    let rebooked = push_one(
        s,
        &c.desk_b,
        book(3, 3, &c.patients[1], doctor, Some(&offered[0])),
    )
    .await;
    assert_eq!(rebooked.answer(), Applied, "{rebooked:?}");

    // Both desks receive the book: two confirmed appointments, none for the refused one.
    let seen = appointments(s, &c.desk_b).await;
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[&uuid(0xa000, 1)]["status"], "confirmed");
    assert_eq!(seen[&uuid(0xa000, 1)]["slot"]["start"], ten.as_str());
    assert!(!seen.contains_key(&uuid(0xa000, 2)));

    // A cancellation frees the slot at once.
    let cancelled = push_one(
        s,
        &c.desk_a,
        step(4, 1, "cancel", Some("Patient travelling")),
    )
    .await;
    assert_eq!(cancelled.answer(), Applied, "{cancelled:?}");
    let again = push_one(s, &c.desk_b, book(5, 4, &c.patients[1], doctor, Some(&ten))).await;
    assert_eq!(again.answer(), Applied, "{again:?}");
    let history = &appointments(s, &c.desk_a).await[&uuid(0xa000, 1)]["history"];
    assert_eq!(history[1]["status"], "cancelled");
    assert_eq!(history[1]["reason"], "Patient travelling");
}

async fn each_bad_booking_gets_its_own_reason(b: Backend) {
    let c = clinic(b, 1).await;
    let (s, doctor, patient) = (&c.s, c.doctor.as_str(), c.patients[0].as_str());
    // A video call at 11:00 runs to 11:20: an in-person visit at 11:15 overlaps it.
    let mut video = book(1, 1, patient, doctor, Some(&local(1, 11, 0)));
    video["command"]["consultation"] = json!("video");
    assert_eq!(push_one(s, &c.desk_a, video).await.answer(), Applied);

    let pending = staff(s, &c.admin, "dr.new@clinic.test", "doctor", DOCTOR_PW).await;
    let pending_token = s.sign_in("dr.new@clinic.test", DOCTOR_PW).await;
    let (status, _) = s
        .put(
            &format!("/api/v1/doctors/{pending}"),
            Some(&pending_token),
            json!({"profile": profile("Dr. New", "A-777"), "pattern": pattern(&pending)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let unknown_patient = uuid(0x9000, 4242);
    let unknown_doctor = uuid(0x7000, 1);
    let cases: Vec<(Value, RejectionReason)> = vec![
        (
            book(10, 10, patient, doctor, Some(&local(0, 0, 0))),
            RejectionReason::SlotInThePast,
        ),
        (
            book(11, 11, patient, doctor, Some(&local(1, 18, 0))),
            RejectionReason::OutsideWorkingHours,
        ),
        (
            book(12, 12, patient, doctor, Some(&local(1, 13, 15))),
            RejectionReason::OutsideWorkingHours,
        ),
        (
            book(13, 13, patient, doctor, Some(&local(5, 10, 0))),
            RejectionReason::DoctorOnLeave,
        ),
        (
            book(14, 14, patient, doctor, Some(&local(1, 11, 15))),
            RejectionReason::Overlapping,
        ),
        (
            book(15, 15, patient, doctor, Some(&local(1, 10, 7))),
            RejectionReason::NotASlotTime,
        ),
        (
            book(16, 16, patient, &pending, Some(&local(1, 10, 0))),
            RejectionReason::DoctorNotVerified,
        ),
        (
            book(17, 17, patient, &unknown_doctor, Some(&local(1, 10, 0))),
            RejectionReason::UnknownDoctor,
        ),
        (
            book(18, 18, &unknown_patient, doctor, Some(&local(1, 10, 0))),
            RejectionReason::UnknownPatient,
        ),
        (
            book(19, 1, patient, doctor, Some(&local(1, 12, 0))),
            RejectionReason::AlreadyBooked,
        ),
        (
            step(20, 4242, "check_in", None),
            RejectionReason::UnknownAppointment,
        ),
        (
            step(21, 1, "complete", None),
            RejectionReason::StepNotPossible,
        ),
    ];
    let expected: Vec<Answer> = cases.iter().map(|(_, r)| Refused(*r)).collect();
    let outcomes = push(s, &c.desk_a, cases.into_iter().map(|(c, _)| c).collect()).await;
    let got: Vec<Answer> = outcomes.iter().map(answer).collect();
    assert_eq!(got, expected, "{outcomes:#?}");
    for outcome in &outcomes {
        assert!(
            !refusal(outcome).message.is_empty(),
            "every refusal says why in words: {outcome:?}"
        );
    }
    // Refusals about the time offer other slots; the lifecycle says where the appointment stands.
    assert!(!refusal(&outcomes[1]).alternatives.is_empty());
    assert!(
        refusal(&outcomes[11]).message.contains("Confirmed"),
        "{:?}",
        outcomes[11]
    );

    // A booking without a time (that is not a walk-in) names the field; a date that is not a
    // date makes the command unreadable, and it alone is refused.
    let mut no_time = book(30, 30, patient, doctor, None);
    no_time["command"]["origin"] = json!("booked");
    let mut not_a_date = book(31, 31, patient, doctor, Some("tomorrow at ten"));
    not_a_date["command"]["start"] = json!("tomorrow at ten");
    let fine = book(32, 32, patient, doctor, Some(&local(2, 9, 0)));
    let outcomes = push(s, &c.desk_a, vec![no_time, not_a_date, fine]).await;
    assert_eq!(answer(&outcomes[0]), Refused(RejectionReason::Invalid));
    assert_eq!(refusal(&outcomes[0]).fields[0].field, "start");
    assert_eq!(answer(&outcomes[1]), Refused(RejectionReason::Malformed));
    assert_eq!(outcomes[2].answer(), Applied);
}

async fn sixty_four_desks_racing_for_the_same_slots_get_one_booking_each(b: Backend) {
    const CLIENTS: u32 = 64;
    let c = clinic(b, CLIENTS).await;
    let s = &c.s;
    let mut tokens = Vec::new();
    for _ in 0..CLIENTS {
        tokens.push(s.sign_in("desk1@clinic.test", DESK_PW).await);
    }
    // Tomorrow's 28 slots (09:00–13:00 and 14:00–17:00), each client in its own order.
    let slots: Vec<String> = (9..17)
        .filter(|h| *h != 13)
        .flat_map(|h| [0, 15, 30, 45].map(|m| local(1, h, m)))
        .collect();
    let mut tasks = Vec::new();
    for (client, token) in tokens.into_iter().enumerate() {
        let client = client as u32;
        let mut order: Vec<usize> = (0..slots.len()).collect();
        let mut seed = u64::from(client) * 2_654_435_761 + 1;
        for i in (1..order.len()).rev() {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            order.swap(i, (seed >> 33) as usize % (i + 1));
        }
        let slots = slots.clone();
        let (url, doctor, patient) = (
            s.url.clone(),
            c.doctor.clone(),
            c.patients[client as usize].clone(),
        );
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut answers = Vec::new();
            for i in order {
                let n = client * 1000 + i as u32;
                let command = book(n, n, &patient, &doctor, Some(&slots[i]));
                let body: Value = http
                    .post(format!("{url}/api/v1/sync/push"))
                    .bearer_auth(&token)
                    .json(&json!({ "commands": [command] }))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let outcome: CommandOutcome =
                    serde_json::from_value(body["outcomes"][0].clone()).unwrap();
                answers.push((slots[i].clone(), outcome));
            }
            answers
        }));
    }
    let mut winners: BTreeMap<String, u32> = BTreeMap::new();
    for task in tasks {
        for (slot, outcome) in task.await.unwrap() {
            match answer(&outcome) {
                Applied => *winners.entry(slot).or_default() += 1,
                Refused(RejectionReason::SlotTaken) => {
                    assert!(refusal(&outcome).taken_at.is_some(), "{outcome:?}");
                    assert!(!refusal(&outcome).alternatives.is_empty());
                }
                other => panic!("unexpected answer {other:?}: {outcome:?}"),
            }
        }
    }
    assert_eq!(
        winners.keys().cloned().collect::<BTreeSet<_>>(),
        slots.iter().cloned().collect::<BTreeSet<_>>(),
        "every slot was booked"
    );
    assert!(
        winners.values().all(|n| *n == 1),
        "one winner per slot: {winners:?}"
    );
    assert_eq!(
        s.scalar(
            "SELECT count(*) FROM (SELECT doctor_id, slot_start FROM appointment
              WHERE slot_start IS NOT NULL
       AND status IN ('requested', 'confirmed', 'checked_in', 'in_consultation')
              GROUP BY doctor_id, slot_start HAVING count(*) > 1) AS doubled"
                .to_owned()
        )
        .await,
        0
    );
    assert_eq!(
        s.scalar("SELECT count(*) FROM appointment".to_owned())
            .await,
        slots.len() as i64
    );
}

async fn the_database_itself_refuses_a_second_booking_of_a_slot(b: Backend) {
    let c = clinic(b, 1).await;
    let insert = |id: &str, status: &str| {
        format!(
            "INSERT INTO appointment (id, patient_id, doctor_id, status, slot_start, slot_end,
               local_day, token, record, booked_at, updated_at)
             VALUES ('{id}', '{}', '{}', '{status}', 1000, 2000, '2030-01-01', NULL, '{{}}', 0, 0)",
            c.patients[0], c.doctor
        )
    };
    c.s.try_exec(insert("a1", "confirmed")).await.unwrap();
    let second = c.s.try_exec(insert("a2", "requested")).await;
    let error = second.expect_err("the index refuses a second slot-holding booking");
    assert!(
        error
            .as_database_error()
            .is_some_and(|e| e.is_unique_violation()),
        "{error}"
    );
    // Appointments that no longer hold the slot do not count.
    c.s.try_exec(insert("a3", "cancelled")).await.unwrap();
    c.s.try_exec(insert("a4", "rescheduled")).await.unwrap();
}

/// Pushes that arrive together are written in one transaction, each judged as its own user's.
async fn pushes_written_together_are_each_judged_as_their_own_user(b: Backend) {
    use clinic_core::sync::read_command;
    use clinic_sync::storage::prelude::*;
    let c = clinic(b, 2).await;
    let desk = c.s.sign_in("desk1@clinic.test", DESK_PW).await;
    let (_, me) = c.s.get("/api/v1/me", Some(&desk)).await;
    let desk_actor = clinic_core::Actor::User {
        id: me["account"]["id"].as_str().unwrap().parse().unwrap(),
        role: clinic_core::Role::FrontDesk,
    };
    let doctor_actor = clinic_core::Actor::User {
        id: c.doctor.parse().unwrap(),
        role: clinic_core::Role::Doctor,
    };
    let ten = local(1, 10, 0);
    let parsed = |v: Vec<Value>| v.iter().map(read_command).collect::<Vec<_>>();
    let at_desk_nine = |actor| clinic_sync::sync::queue::Pusher::user(actor, Some(9));
    let pushes = vec![
        (
            at_desk_nine(desk_actor),
            parsed(vec![book(1, 1, &c.patients[0], &c.doctor, Some(&ten))]),
        ),
        (
            at_desk_nine(doctor_actor),
            parsed(vec![
                // The doctor's follow-up for the patient the desk just booked with them (so
                // they treat the patient): the same slot, a moment later in the same commit, is
                // taken.
                book(2, 2, &c.patients[0], &c.doctor, Some(&ten)),
                // A doctor may not register patients; the desk may.
                register(3, 77, "9-0001"),
            ]),
        ),
        (
            at_desk_nine(desk_actor),
            parsed(vec![register(4, 78, "9-0002")]),
        ),
    ];
    let rules = clinic_sync::sync::queue::ClinicRules {
        tz: chrono_tz::Asia::Dhaka,
        desk_in_conversations: false,
        currency: clinic_core::money::Currency::BDT,
    };
    let (answers, head, _) = match &c.s.storage {
        AnyStorage::Sqlite(s) => s.apply_pushes(pushes, Utc::now(), rules).await,
        AnyStorage::Postgres(s) => s.apply_pushes(pushes, Utc::now(), rules).await,
    }
    .unwrap();
    let reasons: Vec<Vec<Answer>> = answers
        .iter()
        .map(|outcomes| outcomes.iter().map(answer).collect())
        .collect();
    assert_eq!(
        reasons,
        [
            vec![Applied],
            vec![
                Refused(RejectionReason::SlotTaken),
                Refused(RejectionReason::Forbidden)
            ],
            vec![Applied]
        ]
    );
    let (_, page) = c.s.get("/api/v1/sync/pull?after=0", Some(&desk)).await;
    assert_eq!(
        page["cursor"].as_u64(),
        Some(head),
        "one head for the whole commit"
    );
}

on_both_backends!(
    a_slot_goes_to_the_first_booking_and_the_other_desk_hears_who_took_it_when,
    each_bad_booking_gets_its_own_reason,
    sixty_four_desks_racing_for_the_same_slots_get_one_booking_each,
    the_database_itself_refuses_a_second_booking_of_a_slot,
    pushes_written_together_are_each_judged_as_their_own_user,
);
