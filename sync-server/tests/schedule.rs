//! The appointment book on the server, in-process on a real loopback port, on SQLite and on
//! PostgreSQL: bookings and their refusals, the lifecycle, tokens, the doctor directory, and 64
//! desks racing for the same slots.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use common::clinic::*;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn a_slot_goes_to_the_first_booking_and_the_other_desk_hears_who_took_it_when(b: Backend) {
    let c = clinic(b, 2).await;
    let (s, doctor) = (&c.s, c.doctor.as_str());
    let ten = local(1, 10, 0);
    let first = push_one(s, &c.desk_a, book(1, 1, &c.patients[0], doctor, Some(&ten))).await;
    assert_eq!(first["outcome"], "applied", "{first}");
    // Desk B was offline and booked the same slot for another patient.
    let second = push_one(s, &c.desk_b, book(2, 2, &c.patients[1], doctor, Some(&ten))).await;
    assert_eq!(reason(&second), "slot_taken", "{second}");
    assert_eq!(second["status"], 409);
    assert!(second["taken_at"].is_string(), "says when: {second}");
    let offered: Vec<&str> = second["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|slot| slot["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        offered.first().copied(),
        Some(local(1, 10, 15).as_str()),
        "the next free slot first: {second}"
    );
    // One click: rebook into the first slot offered.
    let rebooked = push_one(
        s,
        &c.desk_b,
        book(3, 3, &c.patients[1], doctor, Some(offered[0])),
    )
    .await;
    assert_eq!(rebooked["outcome"], "applied", "{rebooked}");

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
    assert_eq!(cancelled["outcome"], "applied", "{cancelled}");
    let again = push_one(s, &c.desk_b, book(5, 4, &c.patients[1], doctor, Some(&ten))).await;
    assert_eq!(again["outcome"], "applied", "{again}");
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
    assert_eq!(push_one(s, &c.desk_a, video).await["outcome"], "applied");

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
    let cases: Vec<(Value, &str)> = vec![
        (
            book(10, 10, patient, doctor, Some(&local(0, 0, 0))),
            "slot_in_the_past",
        ),
        (
            book(11, 11, patient, doctor, Some(&local(1, 18, 0))),
            "outside_working_hours",
        ),
        (
            book(12, 12, patient, doctor, Some(&local(1, 13, 15))),
            "outside_working_hours",
        ),
        (
            book(13, 13, patient, doctor, Some(&local(5, 10, 0))),
            "doctor_on_leave",
        ),
        (
            book(14, 14, patient, doctor, Some(&local(1, 11, 15))),
            "overlapping",
        ),
        (
            book(15, 15, patient, doctor, Some(&local(1, 10, 7))),
            "not_a_slot_time",
        ),
        (
            book(16, 16, patient, &pending, Some(&local(1, 10, 0))),
            "doctor_not_verified",
        ),
        (
            book(17, 17, patient, &unknown_doctor, Some(&local(1, 10, 0))),
            "unknown_doctor",
        ),
        (
            book(18, 18, &unknown_patient, doctor, Some(&local(1, 10, 0))),
            "unknown_patient",
        ),
        (
            book(19, 1, patient, doctor, Some(&local(1, 12, 0))),
            "already_booked",
        ),
        (step(20, 4242, "check_in", None), "unknown_appointment"),
        (step(21, 1, "complete", None), "step_not_possible"),
    ];
    let expected: Vec<&str> = cases.iter().map(|(_, r)| *r).collect();
    let outcomes = push(s, &c.desk_a, cases.into_iter().map(|(c, _)| c).collect()).await;
    let got: Vec<&str> = outcomes.iter().map(reason).collect();
    assert_eq!(got, expected, "{outcomes:#?}");
    for outcome in &outcomes {
        assert!(
            !outcome["message"].as_str().unwrap_or("").is_empty(),
            "every refusal says why in words: {outcome}"
        );
    }
    // Refusals about the time offer other slots; the lifecycle says where the appointment stands.
    assert!(!outcomes[1]["alternatives"].as_array().unwrap().is_empty());
    assert!(
        outcomes[11]["message"]
            .as_str()
            .unwrap()
            .contains("Confirmed"),
        "{}",
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
    assert_eq!(reason(&outcomes[0]), "invalid");
    assert_eq!(outcomes[0]["fields"][0]["field"], "start");
    assert_eq!(reason(&outcomes[1]), "malformed");
    assert_eq!(outcomes[2]["outcome"], "applied");
}

async fn the_lifecycle_gives_tokens_and_each_role_its_steps(b: Backend) {
    let c = clinic(b, 3).await;
    let (s, doctor) = (&c.s, c.doctor.as_str());
    // A walk-in is queued at once with the day's first token.
    let walk_in = push_one(s, &c.desk_a, book(1, 1, &c.patients[0], doctor, None)).await;
    assert_eq!(walk_in["outcome"], "applied", "{walk_in}");
    let booked = push_one(
        s,
        &c.desk_a,
        book(2, 2, &c.patients[1], doctor, Some(&local(1, 9, 0))),
    )
    .await;
    assert_eq!(booked["outcome"], "applied");
    let book_now = appointments(s, &c.desk_a).await;
    assert_eq!(book_now[&uuid(0xa000, 1)]["status"], "checked_in");
    assert_eq!(book_now[&uuid(0xa000, 1)]["token"], 1);
    assert_eq!(book_now[&uuid(0xa000, 1)]["day"], local_day(0));
    assert_eq!(book_now[&uuid(0xa000, 2)]["token"], Value::Null);

    // The desk checks in; the doctor starts and completes; nobody else may.
    let outcomes = push(
        s,
        &c.desk_a,
        vec![step(3, 2, "check_in", None), step(4, 2, "start", None)],
    )
    .await;
    assert_eq!(
        outcomes.iter().map(reason).collect::<Vec<_>>(),
        ["applied", "forbidden"]
    );
    let after = appointments(s, &c.desk_a).await;
    assert_eq!(
        after[&uuid(0xa000, 2)]["token"],
        1,
        "first token of its own day"
    );
    let outcomes = push(
        s,
        &c.doctor_token,
        vec![step(5, 2, "start", None), step(6, 2, "complete", None)],
    )
    .await;
    assert!(
        outcomes.iter().all(|o| o["outcome"] == "applied"),
        "{outcomes:?}"
    );
    let book_now = appointments(s, &c.desk_a).await;
    let history: Vec<&str> = book_now[&uuid(0xa000, 2)]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        ["confirmed", "checked_in", "in_consultation", "completed"]
    );
    let other = staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_token = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    assert_ne!(other, c.doctor);
    assert_eq!(
        reason(&push_one(s, &other_token, step(7, 1, "start", None)).await),
        "forbidden",
        "a doctor acts on their own appointments only"
    );

    // A patient requests; the doctor accepts; the patient sees only their own.
    let (status, _) = s.sign_up("rahima@example.com", "Rahima Khatun").await;
    assert_eq!(status, StatusCode::CREATED);
    let patient_token = s
        .sign_in("rahima@example.com", "a long patient password")
        .await;
    let (_, me) = s.get("/api/v1/me", Some(&patient_token)).await;
    let own = me["account"]["id"].as_str().unwrap().to_owned();
    let mut request = book(8, 8, &own, doctor, Some(&local(2, 9, 0)));
    request["command"]["origin"] = json!("patient_request");
    assert_eq!(
        push_one(s, &patient_token, request).await["outcome"],
        "applied"
    );
    let mut for_another = book(9, 9, &c.patients[2], doctor, Some(&local(2, 10, 0)));
    for_another["command"]["origin"] = json!("patient_request");
    assert_eq!(
        reason(&push_one(s, &patient_token, for_another).await),
        "forbidden"
    );
    assert_eq!(
        reason(&push_one(s, &patient_token, step(10, 2, "cancel", None)).await),
        "forbidden",
        "not someone else's appointment, even to cancel"
    );
    let mine = appointments(s, &patient_token).await;
    assert_eq!(mine.keys().collect::<Vec<_>>(), [&uuid(0xa000, 8)]);
    assert_eq!(mine[&uuid(0xa000, 8)]["status"], "requested");
    assert_eq!(
        push_one(s, &c.doctor_token, step(11, 8, "confirm", None)).await["outcome"],
        "applied"
    );
    assert_eq!(
        appointments(s, &patient_token).await[&uuid(0xa000, 8)]["status"],
        "confirmed"
    );

    // A reschedule is a new booking that replaces the old one; the old slot is free again.
    let mut moved = book(12, 12, &own, doctor, Some(&local(2, 11, 0)));
    moved["command"]["replaces"] = json!(uuid(0xa000, 8));
    assert_eq!(push_one(s, &c.desk_a, moved).await["outcome"], "applied");
    let book_now = appointments(s, &c.desk_a).await;
    assert_eq!(book_now[&uuid(0xa000, 8)]["status"], "rescheduled");
    assert_eq!(book_now[&uuid(0xa000, 12)]["replaces"], uuid(0xa000, 8));
    let reuse = push_one(
        s,
        &c.desk_a,
        book(13, 13, &c.patients[2], doctor, Some(&local(2, 9, 0))),
    )
    .await;
    assert_eq!(reuse["outcome"], "applied", "{reuse}");
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
                answers.push((slots[i].clone(), body["outcomes"][0].clone()));
            }
            answers
        }));
    }
    let mut winners: BTreeMap<String, u32> = BTreeMap::new();
    for task in tasks {
        for (slot, outcome) in task.await.unwrap() {
            match reason(&outcome) {
                "applied" => *winners.entry(slot).or_default() += 1,
                "slot_taken" => {
                    assert!(outcome["taken_at"].is_string(), "{outcome}");
                    assert!(!outcome["alternatives"].as_array().unwrap().is_empty());
                }
                other => panic!("unexpected answer {other}: {outcome}"),
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

async fn the_directory_shows_verified_doctors_with_their_next_free_slot(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    let pending = staff(s, &c.admin, "dr.new@clinic.test", "doctor", DOCTOR_PW).await;
    let pending_token = s.sign_in("dr.new@clinic.test", DOCTOR_PW).await;
    // A profile with mistakes is refused field by field, and saves nothing.
    let mut bad = profile("", "A-9");
    bad["fees"]["video"] = json!(1_000_000);
    let mut bad_pattern = pattern(&pending);
    bad_pattern["in_person_minutes"] = json!(0);
    let (status, body) = s
        .put(
            &format!("/api/v1/doctors/{pending}"),
            Some(&pending_token),
            json!({"profile": bad, "pattern": bad_pattern}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["display_name", "fee_video", "in_person_minutes"]);
    let (status, _) = s
        .put(
            &format!("/api/v1/doctors/{}", c.doctor),
            Some(&pending_token),
            json!({"profile": profile("Dr. Impostor", "A-1"), "pattern": pattern(&c.doctor)}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "not another doctor's profile"
    );
    let (status, record) = s
        .put(
            &format!("/api/v1/doctors/{pending}"),
            Some(&pending_token),
            json!({"profile": profile("Dr. Nusrat Jahan", "A-9"), "pattern": pattern(&pending)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{record}");
    assert_eq!(record["verification"]["status"], "pending");

    // Patients see verified doctors only; staff see all.
    let (_, _) = s.sign_up("karim@example.com", "Karim Uddin").await;
    let patient = s
        .sign_in("karim@example.com", "a long patient password")
        .await;
    let names = |page: &Value| -> Vec<String> {
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e["doctor"]["profile"]["display_name"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let (status, page) = s.get("/api/v1/directory", Some(&patient)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(names(&page), ["Dr. Mizanur Rahman"]);
    let (_, page) = s.get("/api/v1/directory", Some(&c.desk_a)).await;
    assert_eq!(names(&page), ["Dr. Mizanur Rahman", "Dr. Nusrat Jahan"]);

    // An admin rejects with a reason (none given is refused), then verifies.
    let verification = format!("/api/v1/doctors/{pending}/verification");
    let (status, body) = s
        .put(
            &verification,
            Some(&c.admin),
            json!({"status": "rejected", "reason": " "}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = s
        .put(
            &verification,
            Some(&pending_token),
            json!({"status": "verified"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a doctor cannot verify themself"
    );
    let (_, record) = s
        .put(
            &verification,
            Some(&c.admin),
            json!({"status": "rejected", "reason": "Registration number not found"}),
        )
        .await;
    assert_eq!(
        record["verification"]["reason"],
        "Registration number not found"
    );
    let (_, record) = s
        .put(&verification, Some(&c.admin), json!({"status": "verified"}))
        .await;
    assert_eq!(record["verification"]["status"], "verified");

    // Staff desks receive doctors by sync; patients do not (they search here).
    let (_, desk_page) = s.get("/api/v1/sync/pull?after=0", Some(&c.desk_a)).await;
    assert!(desk_page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|ch| ch["kind"] == "doctor" && ch["id"] == pending.as_str()));
    let (_, patient_page) = s.get("/api/v1/sync/pull?after=0", Some(&patient)).await;
    assert!(patient_page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|ch| ch["kind"] != "doctor"));

    // Filters, and the next free slot: tomorrow 09:00 is booked, so Dr. Rahman's is 09:15.
    let booked = push_one(
        s,
        &c.desk_a,
        book(1, 1, &c.patients[0], &c.doctor, Some(&local(1, 9, 0))),
    )
    .await;
    assert_eq!(booked["outcome"], "applied");
    let from = local_day(1);
    let (_, page) = s
        .get(
            &format!("/api/v1/directory?text=rahman&from={from}&days=1"),
            Some(&patient),
        )
        .await;
    assert_eq!(names(&page), ["Dr. Mizanur Rahman"]);
    assert_eq!(page["entries"][0]["next_free"]["start"], local(1, 9, 15));
    let (_, page) = s.get("/api/v1/directory?city=Sylhet", Some(&patient)).await;
    assert_eq!(page["total"], 0);
    let (status, slots) = s
        .get(
            &format!("/api/v1/doctors/{}/slots?from={from}&days=1", c.doctor),
            Some(&patient),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{slots}");
    let starts: Vec<&str> = slots
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap())
        .collect();
    assert_eq!(starts.len(), 27, "28 slots, one booked");
    assert!(!starts.contains(&local(1, 9, 0).as_str()));
    let (status, body) = s
        .get(
            &format!("/api/v1/doctors/{}/slots?days=500", c.doctor),
            Some(&patient),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = s
        .get("/api/v1/directory?sort=cheapest", Some(&patient))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
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
    let at_desk_nine = |actor| clinic_sync::sync::queue::Pusher {
        actor,
        desk_code: Some(9),
    };
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
    };
    let (answers, head, _) = match &c.s.storage {
        AnyStorage::Sqlite(s) => s.apply_pushes(pushes, Utc::now(), rules).await,
        AnyStorage::Postgres(s) => s.apply_pushes(pushes, Utc::now(), rules).await,
    }
    .unwrap();
    let reasons: Vec<Vec<String>> = answers
        .iter()
        .map(|outcomes| {
            outcomes
                .iter()
                .map(|o| reason(&serde_json::to_value(o).unwrap()).to_owned())
                .collect()
        })
        .collect();
    assert_eq!(
        reasons,
        [
            vec!["applied"],
            vec!["slot_taken", "forbidden"],
            vec!["applied"]
        ]
    );
    let (_, page) = c.s.get("/api/v1/sync/pull?after=0", Some(&desk)).await;
    assert_eq!(
        page["cursor"].as_u64(),
        Some(head),
        "one head for the whole commit"
    );
}

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn upload(
    s: &TestServer,
    token: &str,
    doctor: &str,
    purpose: &str,
    content: &[u8],
) -> (StatusCode, Value) {
    let response = s
        .http
        .post(format!(
            "{}/api/v1/doctors/{doctor}/documents?purpose={purpose}",
            s.url
        ))
        .bearer_auth(token)
        .body(content.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn documents(
    s: &TestServer,
    token: &str,
    doctor: &str,
    purpose: &str,
) -> (StatusCode, Value) {
    s.get(
        &format!("/api/v1/doctors/{doctor}/documents?purpose={purpose}"),
        Some(token),
    )
    .await
}

async fn meeting(s: &TestServer, token: &str, appointment: &str) -> (StatusCode, Value) {
    s.get(
        &format!("/api/v1/appointments/{appointment}/meeting"),
        Some(token),
    )
    .await
}

fn claims_of(url: &str) -> clinic_core::meeting::JitsiClaims {
    let token = url
        .split_once("?jwt=")
        .and_then(|(_, rest)| rest.split('#').next())
        .expect("a token in the address");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&["jitsi"]);
    validation.set_issuer(&["clinic-desk"]);
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    jsonwebtoken::decode::<clinic_core::meeting::JitsiClaims>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(JITSI_SECRET.as_bytes()),
        &validation,
    )
    .expect("a token signed with the clinic's secret")
    .claims
}

async fn video_calls_open_for_the_appointments_doctor_and_patient_only(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    // The doctor works around the clock, so a slot starts within the next twenty minutes.
    let day = json!([{"hours": {"start": "00:00:00", "end": "23:59:59"}, "breaks": []}]);
    let (status, body) = s
        .put(
            &format!("/api/v1/doctors/{}", c.doctor),
            Some(&c.doctor_token),
            json!({"profile": profile("Dr. Mizanur Rahman", "A-12345"),
                   "pattern": {"doctor": c.doctor, "weekly": [day, day, day, day, day, day, day],
                               "in_person_minutes": 15, "video_minutes": 20}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, slots) = s
        .get(
            &format!("/api/v1/doctors/{}/slots?kind=video&days=2", c.doctor),
            Some(&c.doctor_token),
        )
        .await;
    let first = slots[0]["start"].as_str().unwrap().to_owned();
    let second = slots[1]["start"].as_str().unwrap().to_owned();

    let (status, _) = s.sign_up("rahima@example.com", "Rahima Khatun").await;
    assert_eq!(status, StatusCode::CREATED);
    let patient = s
        .sign_in("rahima@example.com", "a long patient password")
        .await;
    let (_, me) = s.get("/api/v1/me", Some(&patient)).await;
    let own = me["account"]["id"].as_str().unwrap().to_owned();
    let mut request = book(1, 1, &own, &c.doctor, Some(&first));
    request["command"]["origin"] = json!("patient_request");
    request["command"]["consultation"] = json!("video");
    assert_eq!(push_one(s, &patient, request).await["outcome"], "applied");
    let appointment = uuid(0xa000, 1);

    let (status, body) = meeting(s, &patient, &appointment).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("not confirmed"),
        "{body}"
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM meeting".into()).await, 0);

    // Confirmed: the room is made with the confirmation, before anyone asks to join.
    assert_eq!(
        push_one(s, &c.doctor_token, step(2, 1, "confirm", None)).await["outcome"],
        "applied"
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM meeting".into()).await, 1);

    // No call before the patient agrees to a video consultation.
    let (status, body) = meeting(s, &c.doctor_token, &appointment).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "consent_required", "{body}");
    let consents = format!("/api/v1/patients/{own}/consents");
    let video = json!({"purpose": "video_consultation"});
    let (status, body) = s.post(&consents, Some(&c.desk_a), video.clone()).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "staff say how: {body}"
    );
    assert_eq!(body["fields"][0]["field"], "note");
    let (status, _) = s.post(&consents, Some(&c.admin), video.clone()).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an admin does not speak for patients"
    );
    let (status, body) = s
        .post(
            &format!("/api/v1/patients/{}/consents", uuid(0x9000, 999)),
            Some(&c.desk_a),
            json!({"purpose": "video_consultation", "note": "by phone"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, spoken) = s
        .post(
            &consents,
            Some(&c.desk_a),
            json!({"purpose": "video_consultation", "note": "By phone, the patient herself"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{spoken}");
    assert_eq!(spoken["given"], "spoken");
    let (status, own_consent) = s.post(&consents, Some(&patient), video).await;
    assert_eq!(status, StatusCode::CREATED, "{own_consent}");
    assert_eq!(own_consent["given"], "by_the_patient");
    assert_eq!(own_consent["recorded_by"], own.as_str());
    let (_, listed) = s.get(&consents, Some(&patient)).await;
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");

    let (status, doctor_call) = meeting(s, &c.doctor_token, &appointment).await;
    assert_eq!(status, StatusCode::OK, "{doctor_call}");
    let room = doctor_call["room"].as_str().unwrap().to_owned();
    assert!(clinic_core::meeting::is_room_name(&room), "{room}");
    assert!(
        !room.contains(&appointment[..8]),
        "not derived from the appointment"
    );
    let url = doctor_call["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("https://meet.clinic.example/{room}?jwt=")),
        "{url}"
    );
    assert!(url.contains("#config.prejoinConfig.enabled=false"), "{url}");
    let claims = claims_of(url);
    assert_eq!(claims.room, room);
    assert_eq!(claims.sub, "meet.clinic.example");
    assert_eq!(claims.context.user.id, c.doctor);
    assert_eq!(claims.context.user.name, "dr.rahman@clinic.test");
    assert!(claims.moderator);
    assert_eq!(
        (
            claims.context.user.moderator.as_str(),
            claims.context.user.affiliation.as_str()
        ),
        ("true", "owner")
    );
    let start: chrono::DateTime<Utc> = first.parse().unwrap();
    assert_eq!(
        claims.exp,
        (start + chrono::Duration::minutes(20 + 30)).timestamp(),
        "the token ends half an hour after the slot"
    );
    assert_eq!(
        doctor_call["open_until"]
            .as_str()
            .map(|t| t.parse::<chrono::DateTime<Utc>>().unwrap().timestamp()),
        Some(claims.exp)
    );

    let (status, patient_call) = meeting(s, &patient, &appointment).await;
    assert_eq!(status, StatusCode::OK, "{patient_call}");
    assert_eq!(patient_call["room"], room.as_str(), "one room for both");
    let claims = claims_of(patient_call["url"].as_str().unwrap());
    assert_eq!(claims.context.user.id, own);
    assert!(!claims.moderator);
    assert_eq!(
        (
            claims.context.user.moderator.as_str(),
            claims.context.user.affiliation.as_str()
        ),
        ("false", "member")
    );
    // A token signed with another secret is not one of ours.
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"not the clinic's secret at all, no"),
    )
    .unwrap();
    assert!(std::panic::catch_unwind(|| claims_of(&format!("x?jwt={forged}#"))).is_err());

    // Nobody else joins: the front desk, an admin, another doctor, another patient.
    staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_doctor = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    s.sign_up("karim@example.com", "Karim Uddin").await;
    let other_patient = s
        .sign_in("karim@example.com", "a long patient password")
        .await;
    for token in [&c.desk_a, &c.admin, &other_doctor, &other_patient] {
        let (status, body) = meeting(s, token, &appointment).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    let (status, _) = meeting(s, &patient, &uuid(0xa000, 999)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s.get(&consents, Some(&other_patient)).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "another patient's consents are theirs"
    );

    // An in-person visit has no call; a cancelled one's call is closed.
    let mut in_person = book(3, 3, &own, &c.doctor, Some(&second));
    in_person["command"]["origin"] = json!("booked");
    assert_eq!(
        push_one(s, &c.desk_a, in_person).await["outcome"],
        "applied"
    );
    let (status, body) = meeting(s, &patient, &uuid(0xa000, 3)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["message"].as_str().unwrap().contains("in-person"),
        "{body}"
    );
    assert_eq!(
        push_one(s, &patient, step(4, 1, "cancel", Some("Feeling better"))).await["outcome"],
        "applied"
    );
    let (status, body) = meeting(s, &c.doctor_token, &appointment).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["message"].as_str().unwrap().contains("cancelled"),
        "{body}"
    );
}

/// The server's audit chain checked as the admins' viewer checks it (with the audit key).
async fn verify_audit(s: &TestServer) -> Result<(), clinic_sync::audit::ChainBroken> {
    use clinic_sync::storage::prelude::*;
    let chain = audit_chain(s).await;
    match &s.storage {
        AnyStorage::Sqlite(st) => {
            let head = st.audit_head().await.unwrap();
            clinic_sync::audit::verify(&chain, st.audit_key(), head.as_ref())
        }
        AnyStorage::Postgres(st) => {
            let head = st.audit_head().await.unwrap();
            clinic_sync::audit::verify(&chain, st.audit_key(), head.as_ref())
        }
    }
}

async fn audit_chain(s: &TestServer) -> Vec<clinic_sync::audit::AuditEntry> {
    use clinic_sync::storage::prelude::*;
    match &s.storage {
        AnyStorage::Sqlite(st) => st.audit_entries().await.unwrap(),
        AnyStorage::Postgres(st) => st.audit_entries().await.unwrap(),
    }
}

async fn notes_lock_at_completion_and_later_changes_are_amendments(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    let patient = &c.patients[0];
    assert_eq!(
        push_one(
            s,
            &c.desk_a,
            book(1, 1, patient, &c.doctor, Some(&local(1, 9, 0)))
        )
        .await["outcome"],
        "applied"
    );
    let path = format!("/api/v1/appointments/{}/note", uuid(0xa000, 1));
    let note = |plan: &str| {
        json!({"note": {"subjective": "Fever for three days", "objective": "Throat red",
                        "assessment": "Pharyngitis", "plan": plan,
                        "vitals": {"systolic_mmhg": 120, "diastolic_mmhg": 80,
                                   "temperature_decidegrees_c": 384, "pulse_bpm": 96}}})
    };
    let (status, body) = s.put(&path, Some(&c.doctor_token), note("Rest")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("start it first"),
        "{body}"
    );

    for (token, step_name, n) in [(&c.desk_a, "check_in", 2), (&c.doctor_token, "start", 3)] {
        assert_eq!(
            push_one(s, token, step(n, 1, step_name, None)).await["outcome"],
            "applied"
        );
    }
    // A draft while the consultation runs: written, then simply rewritten.
    let (status, view) = s.put(&path, Some(&c.doctor_token), note("Rest")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["locked"], false);
    let (status, view) = s
        .put(&path, Some(&c.doctor_token), note("Rest, fluids"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["record"]["note"]["plan"], "Rest, fluids");
    assert_eq!(view["record"]["amendments"], json!([]));
    // Implausible vitals are named, and nothing is written.
    let mut wrong = note("Rest");
    wrong["note"]["vitals"]["pulse_bpm"] = json!(700);
    wrong["note"]["vitals"]["diastolic_mmhg"] = json!(130);
    let (status, body) = s.put(&path, Some(&c.doctor_token), wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["pulse_bpm", "diastolic_mmhg"], "{body}");
    assert_eq!(body["fields"][1]["problem"], "not_below_systolic");

    // Nobody else writes or reads it.
    staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    for token in [&c.desk_a, &other, &c.admin] {
        assert_eq!(
            s.put(&path, Some(token), note("x")).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(s.get(&path, Some(token)).await.0, StatusCode::FORBIDDEN);
    }

    // Completed: the note is locked. A change needs a reason and becomes an amendment.
    assert_eq!(
        push_one(s, &c.doctor_token, step(4, 1, "complete", None)).await["outcome"],
        "applied"
    );
    let (status, body) = s
        .put(&path, Some(&c.doctor_token), note("Antibiotics"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][0]["field"], "reason");
    let mut amended = note("Antibiotics");
    amended["reason"] = json!("The throat swab came back positive");
    let (status, view) = s.put(&path, Some(&c.doctor_token), amended).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["locked"], true);
    assert_eq!(
        view["record"]["note"]["plan"], "Rest, fluids",
        "the original stays"
    );
    assert_eq!(
        view["record"]["amendments"][0]["note"]["plan"],
        "Antibiotics"
    );
    assert_eq!(view["record"]["amendments"][0]["changed"], json!(["plan"]));
    assert_eq!(view["record"]["amendments"][0]["by"], c.doctor.as_str());

    // The history: the treating doctor reads it, the note as it reads now; others may not.
    let history = format!("/api/v1/patients/{patient}/consultations");
    let (status, list) = s.get(&history, Some(&c.doctor_token)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["note"]["plan"], "Antibiotics");
    assert_eq!(list[0]["amendments"], 1);
    assert_eq!(list[0]["doctor_name"], "Dr. Mizanur Rahman");
    for token in [&other, &c.desk_a, &c.admin] {
        assert_eq!(s.get(&history, Some(token)).await.0, StatusCode::FORBIDDEN);
    }

    // Every read and change was audited, and every refusal, in an unbroken chain; a removed or
    // edited entry is found, and where.
    let chain = audit_chain(s).await;
    let actions: Vec<&str> = chain.iter().map(|e| e.action.as_str()).collect();
    let refused_each = ["refused_write_note", "refused_read_note"];
    assert_eq!(
        actions,
        [
            &["write_note", "write_note"][..],
            &refused_each,
            &refused_each,
            &refused_each,
            &["amend_note", "read_history"],
            &["refused_read_history"; 3],
        ]
        .concat(),
        "{chain:?}"
    );
    assert!(chain.iter().all(|e| e.patient == *patient));
    assert_eq!(verify_audit(s).await, Ok(()));
    let (status, _) = s.get(&path, Some(&c.doctor_token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(audit_chain(s).await.last().unwrap().action, "read_note");
    s.exec("UPDATE audit_entry SET actor = 'someone else' WHERE seq = 2")
        .await;
    assert_eq!(
        verify_audit(s).await,
        Err(clinic_sync::audit::ChainBroken::Altered { seq: 2 })
    );
    s.exec("DELETE FROM audit_entry WHERE seq = 2").await;
    assert!(matches!(
        verify_audit(s).await,
        Err(clinic_sync::audit::ChainBroken::Missing { seq: 2, .. })
    ));
}

async fn pulled_messages(s: &TestServer, token: &str) -> Vec<Value> {
    let (status, page) = s
        .get("/api/v1/sync/pull?after=0&limit=1000", Some(token))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "message")
        .cloned()
        .collect()
}

async fn messages_reach_only_the_doctor_and_the_patient_of_the_appointment(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    s.sign_up("rahima@example.com", "Rahima Khatun").await;
    let patient = s
        .sign_in("rahima@example.com", "a long patient password")
        .await;
    let (_, me) = s.get("/api/v1/me", Some(&patient)).await;
    let own = me["account"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        push_one(
            s,
            &c.desk_a,
            book(1, 1, &own, &c.doctor, Some(&local(1, 9, 0)))
        )
        .await["outcome"],
        "applied"
    );

    // The patient writes, the doctor answers; a repeated push is answered the same, once.
    let question = message(2, 1, "  Should I take the tablets before or after food?  ");
    let first = push_one(s, &patient, question.clone()).await;
    assert_eq!(first["outcome"], "applied", "{first}");
    assert_eq!(push_one(s, &patient, question).await, first, "never twice");
    assert_eq!(
        push_one(
            s,
            &c.doctor_token,
            message(3, 1, "After food, twice a day.")
        )
        .await["outcome"],
        "applied"
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM message".into()).await, 2);

    // Delivered to the appointment's doctor and patient; the front desk, another doctor and
    // another patient receive nothing of it.
    for token in [&c.doctor_token, &patient] {
        let got = pulled_messages(s, token).await;
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(
            got[0]["body"], "Should I take the tablets before or after food?",
            "trimmed"
        );
        assert_eq!(got[0]["from_role"], "patient");
        assert_eq!(got[1]["from_role"], "doctor");
        assert_eq!(got[0]["id"], uuid(0x8000, 2), "the message is its command");
    }
    staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_doctor = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    s.sign_up("karim@example.com", "Karim Uddin").await;
    let other_patient = s
        .sign_in("karim@example.com", "a long patient password")
        .await;
    for token in [&c.desk_a, &c.admin, &other_doctor, &other_patient] {
        assert_eq!(pulled_messages(s, token).await, Vec::<Value>::new());
    }

    // Nobody else writes in it; an empty message is named; unknown appointments are not told
    // apart from forbidden ones for patients.
    for (token, n) in [(&c.desk_a, 4), (&other_doctor, 5), (&other_patient, 6)] {
        assert_eq!(
            reason(&push_one(s, token, message(n, 1, "Hello")).await),
            "forbidden"
        );
    }
    let empty = push_one(s, &patient, message(7, 1, "   ")).await;
    assert_eq!(reason(&empty), "invalid");
    assert_eq!(empty["fields"][0]["field"], "body");
    assert_eq!(
        reason(&push_one(s, &patient, message(8, 99, "Hi")).await),
        "forbidden"
    );
    assert_eq!(
        reason(&push_one(s, &c.doctor_token, message(9, 99, "Hi")).await),
        "unknown_appointment"
    );

    // A cancelled appointment's conversation is closed.
    assert_eq!(
        push_one(s, &patient, step(10, 1, "cancel", None)).await["outcome"],
        "applied"
    );
    assert_eq!(
        reason(&push_one(s, &patient, message(11, 1, "One more thing")).await),
        "conversation_closed"
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM message".into()).await, 2);
}

async fn declared_upload(c: &Clinic, purpose: &str, length: usize) -> String {
    let path = format!("/api/v1/doctors/{}/documents?purpose={purpose}", c.doctor);
    declared_post(&c.s, &path, &c.doctor_token, length).await
}

async fn attach(
    s: &TestServer,
    token: &str,
    appointment: &str,
    content: &[u8],
) -> (StatusCode, Value) {
    let response = s
        .http
        .post(format!(
            "{}/api/v1/appointments/{appointment}/attachments",
            s.url
        ))
        .bearer_auth(token)
        .body(content.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn message_with(n: u32, appointment: u32, body: &str, attachment: &Value) -> Value {
    envelope(
        n,
        json!({"kind": "send_message", "appointment": uuid(0xa000, appointment), "body": body,
               "attachment": attachment}),
    )
}

async fn files_in_a_conversation_are_checked_consented_sealed_and_read_by_the_two_only(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    s.sign_up("rahima@example.com", "Rahima Khatun").await;
    let patient = s
        .sign_in("rahima@example.com", "a long patient password")
        .await;
    let (_, me) = s.get("/api/v1/me", Some(&patient)).await;
    let own = me["account"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        push_one(
            s,
            &c.desk_a,
            book(1, 1, &own, &c.doctor, Some(&local(1, 9, 0)))
        )
        .await["outcome"],
        "applied"
    );
    let appointment = uuid(0xa000, 1);
    let report = b"%PDF-1.4\n1 0 obj << /Title (Blood count: haemoglobin 13.2) >> endobj\n%%EOF\n";

    // Not stored before the patient agrees to the clinic keeping uploaded files.
    let (status, body) = attach(s, &patient, &appointment, report).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "consent_required", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("not stored"),
        "{body}"
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM blob".into()).await, 0);
    let (status, _) = s
        .post(
            &format!("/api/v1/patients/{own}/consents"),
            Some(&patient),
            json!({"purpose": "store_uploaded_records"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Disguised or cut short: refused with what it is, nothing kept; too large: refused from
    // the declared length while the body is still on its way.
    let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00an archive called report.pdf";
    let (status, body) = attach(s, &patient, &appointment, zip).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][0]["found"], "application/zip", "{body}");
    let (status, _) = attach(s, &patient, &appointment, &report[..30]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let path = format!("/api/v1/appointments/{appointment}/attachments");
    let answer = declared_post(s, &path, &patient, 11 * 1024 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("10240 KiB"), "{answer}");
    assert_eq!(s.scalar("SELECT COUNT(*) FROM blob".into()).await, 0);

    // Nobody but the appointment's two sends one.
    s.sign_up("karim@example.com", "Karim Uddin").await;
    let other_patient = s
        .sign_in("karim@example.com", "a long patient password")
        .await;
    staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_doctor = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    for token in [&c.desk_a, &c.admin, &other_doctor, &other_patient] {
        assert_eq!(
            attach(s, token, &appointment, report).await.0,
            StatusCode::FORBIDDEN
        );
    }

    // Kept: the server's name, what the content is, the same content once.
    let (status, file) = attach(s, &patient, &appointment, report).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(file["kind"], "pdf");
    assert_eq!(file["size"], report.len());
    assert!(file["file_name"].as_str().unwrap().starts_with("message-"));
    let (status, again) = attach(s, &c.doctor_token, &appointment, report).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(again["id"], file["id"]);
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM blob".into()).await,
        1,
        "one blob per content"
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM attachment".into()).await, 2);
    // Sealed at rest: the database holds nothing of the report in the clear.
    let in_the_clear = s
        .scalar(match b {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM blob WHERE instr(sealed, CAST('haemoglobin' AS BLOB)) > 0"
                    .into()
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM blob WHERE position('haemoglobin'::bytea in sealed) > 0"
                    .into()
            }
        })
        .await;
    assert_eq!(in_the_clear, 0);

    // The message carries it; a file uploaded by someone else cannot be passed off as one's own.
    let sent = push_one(s, &patient, message_with(2, 1, "  ", &file["id"])).await;
    assert_eq!(sent["outcome"], "applied", "{sent}");
    let stolen = push_one(s, &patient, message_with(3, 1, "mine", &again["id"])).await;
    assert_eq!(reason(&stolen), "invalid");
    assert_eq!(stolen["fields"][0]["field"], "attachment");
    let unknown = push_one(
        s,
        &patient,
        message_with(4, 1, "x", &json!(uuid(0x7000, 1))),
    )
    .await;
    assert_eq!(reason(&unknown), "invalid");
    let got = pulled_messages(s, &c.doctor_token).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["attachment"]["id"], file["id"]);
    assert_eq!(got[0]["attachment"]["file_name"], file["file_name"]);

    // Read by the two, the same bytes, as a download; a refused attempt is audited too.
    let download = format!(
        "{}/api/v1/attachments/{}",
        s.url,
        file["id"].as_str().unwrap()
    );
    for token in [&patient, &c.doctor_token] {
        let response = s
            .http
            .get(&download)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(&response.bytes().await.unwrap()[..], &report[..]);
    }
    for token in [&other_patient, &other_doctor, &c.desk_a] {
        let response = s
            .http
            .get(&download)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    let response = s
        .http
        .get(format!("{}/api/v1/attachments/{}", s.url, uuid(0x7000, 1)))
        .bearer_auth(&patient)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let chain = audit_chain(s).await;
    let actions: Vec<&str> = chain.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "record_consent",
            "refused_attach",
            "refused_attach",
            "refused_attach",
            "refused_attach",
            "upload_attachment",
            "upload_attachment",
            "read_attachment",
            "read_attachment",
            "refused_read_attachment",
            "refused_read_attachment",
            "refused_read_attachment",
        ],
        "{chain:?}"
    );
    assert_eq!(verify_audit(s).await, Ok(()));

    // A blob altered in the database is refused, never served.
    s.exec("UPDATE blob SET sealed = sealed || sealed").await;
    let response = s
        .http
        .get(&download)
        .bearer_auth(&patient)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);

    // One conversation keeps so many files, no more.
    let kept = s.scalar("SELECT COUNT(*) FROM attachment".into()).await as usize;
    for _ in kept..clinic_core::chat::ATTACHMENTS_PER_APPOINTMENT_MAX {
        let (status, body) = attach(s, &patient, &appointment, report).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = attach(s, &patient, &appointment, report).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("the most"),
        "{body}"
    );

    // A cancelled appointment takes no more files.
    assert_eq!(
        push_one(s, &patient, step(5, 1, "cancel", None)).await["outcome"],
        "applied"
    );
    let (status, body) = attach(s, &patient, &appointment, report).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("closed"),
        "{body}"
    );
}

/// Send only the head of a POST to `path` that declares `length` bytes (and a few of them),
/// and read what the server answers while the rest has not come.
async fn declared_post(s: &TestServer, path: &str, token: &str, length: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = s.url.trim_start_matches("http://").to_owned();
    let mut raw = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {token}\r\nContent-Length: {length}\r\n\r\n%PDF-1.4\n",
    );
    raw.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), raw.read(&mut answer))
        .await
        .expect("answered before the body arrived")
        .unwrap();
    String::from_utf8_lossy(&answer[..n]).into_owned()
}

async fn doctors_upload_credentials_checked_by_content_that_only_admins_and_they_read(b: Backend) {
    use sha2::Digest;
    let c = clinic(b, 0).await;
    let (status, doc) = upload(&c.s, &c.doctor_token, &c.doctor, "credential", PDF).await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    assert_eq!(doc["kind"], "pdf");
    assert_eq!(doc["size"], PDF.len());
    assert_eq!(doc["sha256"], hex::encode(sha2::Sha256::digest(PDF)));
    let name = doc["file_name"].as_str().unwrap();
    assert!(
        name.starts_with("credential-") && name.ends_with(".pdf"),
        "{name}"
    );

    // Named nothing like what it is: a zip archive, a script, a PDF cut short, a PDF as a photo.
    let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00an archive called degree.pdf";
    for (purpose, content, found) in [
        ("credential", &zip[..], json!("application/zip")),
        (
            "credential",
            &b"#!/bin/sh\necho hi\n"[..],
            json!("text/x-shellscript"),
        ),
        ("credential", &PDF[..20], json!("application/pdf")),
        ("photo", PDF, json!("application/pdf")),
    ] {
        let (status, body) = upload(&c.s, &c.doctor_token, &c.doctor, purpose, content).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["fields"][0]["field"], "file");
        assert_eq!(body["fields"][0]["problem"], "not_accepted_file", "{body}");
        assert_eq!(body["fields"][0]["found"], found, "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("not a PDF, JPEG or PNG"),
            "{body}"
        );
    }
    let (status, body) = upload(&c.s, &c.doctor_token, &c.doctor, "résumé", PDF).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("purpose=credential"));
    let (_, list) = documents(&c.s, &c.doctor_token, &c.doctor, "credential").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "nothing refused was kept: {list}"
    );

    // Too large: refused from the declared length while the body is still on its way; a photo
    // has its own, smaller limit.
    let answer = declared_upload(&c, "credential", 50 * 1024 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("10240 KiB"), "{answer}");
    let answer = declared_upload(&c, "photo", 3 * 1024 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("2048 KiB"), "{answer}");

    // Read by the doctor and the admins only; the download is the same bytes, as a download.
    let id = doc["id"].as_str().unwrap();
    let other = staff(&c.s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_token = c.s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    for token in [&other_token, &c.desk_a] {
        let (status, _) = documents(&c.s, token, &c.doctor, "credential").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) =
            c.s.get(
                &format!("/api/v1/doctors/{}/documents/{id}", c.doctor),
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = upload(&c.s, &other_token, &c.doctor, "credential", PDF).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "nobody uploads for another doctor"
    );
    let (status, _) =
        c.s.get(
            &format!("/api/v1/doctors/{other}/documents/{id}"),
            Some(&c.admin),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a document belongs to its doctor"
    );
    let response =
        c.s.http
            .get(format!(
                "{}/api/v1/doctors/{}/documents/{id}",
                c.s.url, c.doctor
            ))
            .bearer_auth(&c.admin)
            .send()
            .await
            .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"{name}\"")
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);

    // A photo is the directory's: any signed-in person may see it.
    let png: Vec<u8> = [
        &[
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
        ][..],
        &[0; 17],
        &[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82],
    ]
    .concat();
    let (status, photo) = upload(&c.s, &c.doctor_token, &c.doctor, "photo", &png).await;
    assert_eq!(status, StatusCode::CREATED, "{photo}");
    let (status, list) = documents(&c.s, &c.desk_a, &c.doctor, "photo").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list[0]["id"], photo["id"]);

    // Rejected credentials, then a new upload: back in the admins' queue.
    let verification = format!("/api/v1/doctors/{}/verification", c.doctor);
    let (status, _) =
        c.s.put(
            &verification,
            Some(&c.admin),
            json!({"status": "rejected", "reason": "Unreadable scan"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = upload(&c.s, &c.doctor_token, &c.doctor, "credential", PDF).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, pulled) = c.s.get("/api/v1/sync/pull?after=0", Some(&c.desk_a)).await;
    let last = pulled["changes"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|ch| ch["kind"] == "doctor" && ch["id"] == json!(c.doctor))
        .cloned()
        .unwrap();
    assert_eq!(last["verification"]["status"], "pending", "{last}");
}

fn medicine(name: &str, days: u32) -> Value {
    json!({"medicine": name, "strength": "500 mg", "form": "tablet", "dose": "1 tablet",
           "frequency": "1+0+1", "duration_days": days, "instructions": "after food"})
}

async fn prescriptions_warn_lock_at_issue_take_new_versions_and_verify_by_code(b: Backend) {
    let c = clinic(b, 0).await;
    let s = &c.s;
    s.sign_up("rahima@example.com", "Rahima Khatun").await;
    let patient = s
        .sign_in("rahima@example.com", "a long patient password")
        .await;
    let (_, me) = s.get("/api/v1/me", Some(&patient)).await;
    let own = me["account"]["id"].as_str().unwrap().to_owned();
    for (n, hour) in [(1, 9), (2, 10)] {
        assert_eq!(
            push_one(
                s,
                &c.desk_a,
                book(n, n, &own, &c.doctor, Some(&local(1, hour, 0)))
            )
            .await["outcome"],
            "applied"
        );
    }
    let path = format!("/api/v1/appointments/{}/prescription", uuid(0xa000, 1));
    let form = json!({"items": [medicine("Amoxicillin", 7), medicine("Paracetamol", 5)],
                      "advice": "Drink plenty of water."});
    let (status, body) = s.put(&path, Some(&c.doctor_token), form.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("start the consultation"));
    for (token, step_name, n) in [(&c.desk_a, "check_in", 3), (&c.doctor_token, "start", 4)] {
        assert_eq!(
            push_one(s, token, step(n, 1, step_name, None)).await["outcome"],
            "applied"
        );
    }

    // The doctor records an allergy; another doctor, the desk, the patient may not.
    let clinical = format!("/api/v1/patients/{own}/clinical");
    let summary = json!({"allergies": [{"substance": "Penicillin", "reaction": "rash"}],
                         "conditions": [{"name": "Asthma", "since": "2019-03-01"}]});
    staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_doctor = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    for token in [&other_doctor, &c.desk_a, &patient] {
        assert_eq!(
            s.put(&clinical, Some(token), summary.clone()).await.0,
            StatusCode::FORBIDDEN
        );
    }
    let (status, body) = s
        .put(&clinical, Some(&c.doctor_token), summary.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        s.get(&clinical, Some(&patient)).await.1,
        summary,
        "the patient reads their own"
    );

    // A draft: checked field by field; the allergy is warned about by class.
    let (status, body) = s
        .put(
            &path,
            Some(&c.doctor_token),
            json!({"items": [medicine(" ", 0)]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["items.0.medicine", "items.0.duration_days"]);
    let (status, view) = s.put(&path, Some(&c.doctor_token), form.clone()).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["current"]["record"]["status"], "draft");
    assert_eq!(view["warnings"][0]["kind"], "allergy", "{view}");
    assert_eq!(view["warnings"][0]["item"], 0);
    assert_eq!(view["warnings"][0]["substance"], "Penicillin");
    // The patient does not see a draft.
    let (status, seen) = s.get(&path, Some(&patient)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["current"], Value::Null, "{seen}");

    // Issuing: refused until the warnings are acknowledged; then locked, with a code and hash.
    let issue = format!("{path}/issue");
    let (status, body) = s.post(&issue, Some(&c.doctor_token), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("1 warning"),
        "{body}"
    );
    let (status, view) = s
        .post(
            &issue,
            Some(&c.doctor_token),
            json!({"acknowledged_warnings": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let first: clinic_core::prescription::PrescriptionRecord =
        serde_json::from_value(view["current"]["record"].clone()).unwrap();
    assert_eq!(
        first.status,
        clinic_core::prescription::PrescriptionStatus::Issued
    );
    let code = first.code.clone().unwrap();
    assert_eq!(
        clinic_core::prescription::read_code(&code),
        Ok(code.clone())
    );
    {
        use sha2::Digest;
        assert_eq!(
            first.content_hash.as_deref(),
            Some(hex::encode(sha2::Sha256::digest(first.verified_bytes().unwrap())).as_str())
        );
    }
    assert!(view["current"]["verify_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/verify/{code}")));
    assert_eq!(view["current"]["doctor_name"], "Dr. Mizanur Rahman");
    assert_eq!(view["current"]["registration_number"], "A-12345");
    assert_eq!(view["current"]["patient_name"], "Rahima Khatun");
    let (status, body) = s.post(&issue, Some(&c.doctor_token), json!({})).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "nothing left to issue: {body}"
    );

    // The patient sees it issued; nobody else reads it.
    let (_, seen) = s.get(&path, Some(&patient)).await;
    assert_eq!(seen["current"]["record"]["code"], code.as_str());
    for token in [&other_doctor, &c.desk_a, &c.admin] {
        assert_eq!(s.get(&path, Some(token)).await.0, StatusCode::FORBIDDEN);
    }

    // Anyone checks the code: issuer, time and hash — nothing of the patient or the medicines.
    let (status, answer) = s.get(&format!("/api/v1/verify/{code}"), None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["doctor_name"], "Dr. Mizanur Rahman");
    assert_eq!(answer["registration_number"], "A-12345");
    assert_eq!(
        answer["content_hash"],
        first.content_hash.clone().unwrap().as_str()
    );
    assert_eq!(answer["superseded"], false);
    let text = answer.to_string();
    assert!(
        !text.contains("Rahima") && !text.contains("Amoxicillin"),
        "{text}"
    );
    let typed = code.to_lowercase().replace('-', " ");
    assert_eq!(
        s.get(&format!("/api/v1/verify/{typed}"), None).await.0,
        StatusCode::OK
    );
    // An altered code is told apart from a forged one that checks out but was never issued.
    let mut altered: Vec<char> = code.chars().collect();
    altered[0] = if altered[0] == '7' { '8' } else { '7' };
    let altered: String = altered.into_iter().collect();
    let (status, body) = s.get(&format!("/api/v1/verify/{altered}"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("not valid"),
        "{body}"
    );
    let forged = clinic_core::prescription::new_code(0x2_5A5A_5A5A_5A5A);
    assert_ne!(forged, code);
    assert_eq!(
        s.get(&format!("/api/v1/verify/{forged}"), None).await.0,
        StatusCode::NOT_FOUND
    );
    let page = s
        .http
        .get(format!("{}/verify/{code}", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Prescription verified"));
    let page = s
        .http
        .get(format!("{}/verify/{forged}", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);

    // A change after issuing is a new version; issuing it supersedes the first.
    let (status, view) = s
        .put(
            &path,
            Some(&c.doctor_token),
            json!({"items": [medicine("Azithromycin", 3), medicine("Paracetamol", 5)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["current"]["record"]["version"], 2);
    assert_eq!(
        view["current"]["record"]["replaces"],
        first.id.to_string().as_str()
    );
    assert_eq!(
        view["versions"][1]["status"], "issued",
        "the first stays until the second is issued"
    );
    assert_eq!(
        view["warnings"],
        json!([]),
        "its own earlier version is not a duplicate"
    );
    // Issued twice at the same moment (a double click, two screens): one issues, the other is
    // told so; one code, and it is the one stored.
    let (first, second) = tokio::join!(
        s.post(&issue, Some(&c.doctor_token), json!({})),
        s.post(&issue, Some(&c.doctor_token), json!({}))
    );
    let mut statuses = [first.0, second.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} {}",
        first.1,
        second.1
    );
    let view = if first.0 == StatusCode::OK {
        first.1
    } else {
        second.1
    };
    let (_, stored) = s.get(&path, Some(&c.doctor_token)).await;
    assert_eq!(
        stored["current"]["record"]["code"],
        view["current"]["record"]["code"]
    );
    assert_eq!(view["versions"][1]["status"], "superseded");
    assert_eq!(
        view["versions"][1]["code"],
        code.as_str(),
        "the original is kept"
    );
    let (_, answer) = s.get(&format!("/api/v1/verify/{code}"), None).await;
    assert_eq!(answer["superseded"], true);

    // The patient's list; another patient may not read it, and the attempt is audited.
    let list = format!("/api/v1/patients/{own}/prescriptions");
    let (status, sheets) = s.get(&list, Some(&patient)).await;
    assert_eq!(status, StatusCode::OK, "{sheets}");
    assert_eq!(sheets.as_array().unwrap().len(), 2);
    s.sign_up("karim@example.com", "Karim Uddin").await;
    let other_patient = s
        .sign_in("karim@example.com", "a long patient password")
        .await;
    for token in [&other_patient, &c.desk_a, &other_doctor] {
        assert_eq!(s.get(&list, Some(token)).await.0, StatusCode::FORBIDDEN);
    }
    let chain = audit_chain(s).await;
    assert_eq!(
        chain
            .iter()
            .filter(|e| e.action == "refused_read_chart")
            .count(),
        3,
        "{chain:?}"
    );
    assert!(chain.iter().any(|e| e.action == "issue_prescription"));
    assert_eq!(verify_audit(s).await, Ok(()));

    // At the next visit, a medicine still being taken is warned about.
    for (token, step_name, n) in [(&c.desk_a, "check_in", 5), (&c.doctor_token, "start", 6)] {
        assert_eq!(
            push_one(s, token, step(n, 2, step_name, None)).await["outcome"],
            "applied"
        );
    }
    let next = format!("/api/v1/appointments/{}/prescription", uuid(0xa000, 2));
    let (_, view) = s
        .put(
            &next,
            Some(&c.doctor_token),
            json!({"items": [medicine("paracetamol", 3)]}),
        )
        .await;
    assert_eq!(view["warnings"][0]["kind"], "duplicate", "{view}");
}

/// A whole PDF of about `len` bytes (padding in a comment).
fn big_pdf(len: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n%".to_vec();
    pdf.extend((0..len).map(|i| b'a' + (i % 26) as u8));
    pdf.extend_from_slice(b"\n%%EOF\n");
    pdf
}

async fn patch_chunk(
    s: &TestServer,
    token: &str,
    upload: &str,
    offset: usize,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let response = s
        .http
        .patch(format!("{}/api/v1/uploads/{upload}", s.url))
        .bearer_auth(token)
        .header("Upload-Offset", offset.to_string())
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Announce `content` for `patient` and send it in 256 KiB chunks; the last answer.
async fn upload_whole(
    s: &TestServer,
    token: &str,
    patient: &str,
    title: &str,
    category: &str,
    content: &[u8],
) -> (StatusCode, Value) {
    use sha2::Digest;
    let (status, state) = s
        .post(
            &format!("/api/v1/patients/{patient}/uploads"),
            Some(token),
            json!({"title": title, "category": category, "size": content.len(),
                   "sha256": hex::encode(sha2::Sha256::digest(content))}),
        )
        .await;
    if status != StatusCode::CREATED {
        return (status, state);
    }
    let id = state["id"].as_str().unwrap().to_owned();
    let mut last = (status, state);
    for (i, chunk) in content.chunks(256 * 1024).enumerate() {
        last = patch_chunk(s, token, &id, i * 256 * 1024, chunk).await;
    }
    last
}

async fn records_upload_in_chunks_resume_and_the_chart_shows_them(b: Backend) {
    use sha2::Digest;
    let c = clinic(b, 0).await;
    let s = &c.s;
    s.sign_up("rahima@example.com", "Rahima Khatun").await;
    let patient = s
        .sign_in("rahima@example.com", "a long patient password")
        .await;
    let (_, me) = s.get("/api/v1/me", Some(&patient)).await;
    let own = me["account"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        push_one(
            s,
            &c.desk_a,
            book(1, 1, &own, &c.doctor, Some(&local(1, 9, 0)))
        )
        .await["outcome"],
        "applied"
    );
    let report = big_pdf(700_000);
    let sha = hex::encode(sha2::Sha256::digest(&report));
    let uploads = format!("/api/v1/patients/{own}/uploads");
    let start = json!({"title": "Blood count ../../etc/passwd", "category": "report",
                       "size": report.len(), "sha256": sha});

    // Not before the patient agrees to the clinic keeping uploaded files; too large is said
    // before a byte is sent.
    let (status, body) = s.post(&uploads, Some(&patient), start.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "consent_required");
    let (status, _) = s
        .post(
            &format!("/api/v1/patients/{own}/consents"),
            Some(&patient),
            json!({"purpose": "store_uploaded_records"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = s
        .post(
            &uploads,
            Some(&patient),
            json!({"title": "Scan", "category": "image",
              "size": 21 * 1024 * 1024, "sha256": sha}),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(s.scalar("SELECT COUNT(*) FROM upload".into()).await, 0);

    // Nobody but the patient and their doctors uploads to the record; the attempt is audited.
    s.sign_up("karim@example.com", "Karim Uddin").await;
    let other_patient = s
        .sign_in("karim@example.com", "a long patient password")
        .await;
    staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_doctor = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    for token in [&other_patient, &other_doctor, &c.desk_a] {
        assert_eq!(
            s.post(&uploads, Some(token), start.clone()).await.0,
            StatusCode::FORBIDDEN
        );
    }

    // In chunks; the connection "drops" after the first: a repeated chunk is refused with
    // where the upload stands, the state says the same, and the rest completes it.
    let (status, state) = s.post(&uploads, Some(&patient), start.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{state}");
    let id = state["id"].as_str().unwrap().to_owned();
    let chunk = 256 * 1024;
    let (status, state) = patch_chunk(s, &patient, &id, 0, &report[..chunk]).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["offset"], chunk);
    let (status, body) = patch_chunk(s, &patient, &id, 0, &report[..chunk]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&chunk.to_string()),
        "{body}"
    );
    assert_eq!(
        s.get(&format!("/api/v1/uploads/{id}"), Some(&other_patient))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, state) = s
        .get(&format!("/api/v1/uploads/{id}"), Some(&patient))
        .await;
    assert_eq!(state["offset"], chunk);
    let mut last = (StatusCode::OK, Value::Null);
    for (i, part) in report[chunk..].chunks(chunk).enumerate() {
        last = patch_chunk(s, &patient, &id, chunk * (i + 1), part).await;
    }
    assert_eq!(last.0, StatusCode::CREATED, "{}", last.1);
    let document = last.1["document"].clone();
    assert_eq!(document["kind"], "pdf");
    assert_eq!(document["size"], report.len());
    let name = document["file_name"].as_str().unwrap();
    assert!(
        name.starts_with("report-") && name.ends_with(".pdf") && !name.contains('/'),
        "{name}"
    );
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM upload_chunk".into()).await,
        0,
        "chunks dropped"
    );
    // The answer to the last piece lost on the way: asking again gives the same document, and
    // sending the last piece again does not store it twice.
    let (_, again) = s
        .get(&format!("/api/v1/uploads/{id}"), Some(&patient))
        .await;
    assert_eq!(again["document"]["id"], document["id"], "{again}");
    let last_at = (report.len() - 1) / chunk * chunk;
    let (status, repeated) = patch_chunk(s, &patient, &id, last_at, &report[last_at..]).await;
    assert_eq!(status, StatusCode::CREATED, "{repeated}");
    assert_eq!(repeated["document"]["id"], document["id"]);
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM patient_document".into())
            .await,
        1
    );
    // Sealed at rest, chunks and blob alike.
    let in_the_clear = s
        .scalar(match b {
            Backend::Sqlite => "SELECT COUNT(*) FROM blob WHERE instr(sealed, CAST('abcdefghijklmnop' AS BLOB)) > 0".into(),
            Backend::Postgres => "SELECT COUNT(*) FROM blob WHERE position('abcdefghijklmnop'::bytea in sealed) > 0".into(),
        })
        .await;
    assert_eq!(in_the_clear, 0);

    // A file that is not what was announced, or not what it is named: nothing kept.
    let (status, body) = upload_whole(s, &patient, &own, "Other", "document", &big_pdf(1000)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut changed = big_pdf(2000);
    let (status, started) = s
        .post(
            &uploads,
            Some(&patient),
            json!({"title": "Changed", "category": "document",
              "size": changed.len(), "sha256": hex::encode(sha2::Sha256::digest(&changed))}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    changed[100] ^= 1;
    let (status, body) =
        patch_chunk(s, &patient, started["id"].as_str().unwrap(), 0, &changed).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("SHA-256"),
        "{body}"
    );
    let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00an archive called report.pdf".to_vec();
    let (status, body) = upload_whole(s, &patient, &own, "report.pdf", "report", &zip).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][0]["found"], "application/zip");
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM patient_document".into())
            .await,
        2
    );

    // The doctor reads it whole or from a byte on; others may not, and are audited.
    let download = format!(
        "{}/api/v1/documents/{}",
        s.url,
        document["id"].as_str().unwrap()
    );
    let response = s
        .http
        .get(&download)
        .bearer_auth(&c.doctor_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["accept-ranges"], "bytes");
    assert_eq!(&response.bytes().await.unwrap()[..], &report[..]);
    let response = s
        .http
        .get(&download)
        .bearer_auth(&c.doctor_token)
        .header("Range", "bytes=500000-")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        response.headers()["content-range"],
        format!("bytes 500000-{}/{}", report.len() - 1, report.len()).as_str()
    );
    assert_eq!(&response.bytes().await.unwrap()[..], &report[500_000..]);
    // The last bytes; a range the file does not have is 416, never the whole file.
    let response = s
        .http
        .get(&download)
        .bearer_auth(&c.doctor_token)
        .header("Range", "bytes=-1000")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        &response.bytes().await.unwrap()[..],
        &report[report.len() - 1000..]
    );
    let response = s
        .http
        .get(&download)
        .bearer_auth(&c.doctor_token)
        .header("Range", format!("bytes={}-", report.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        response.headers()["content-range"],
        format!("bytes */{}", report.len()).as_str()
    );
    for token in [&other_patient, &other_doctor, &c.desk_a] {
        assert_eq!(
            s.http
                .get(&download)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN
        );
    }

    // Unfinished uploads do not pile up: a few at a time per person.
    let start_small = json!({"title": "Scan", "category": "image", "size": 5000, "sha256": sha});
    let mut started_ok = 0;
    let refused = loop {
        let (status, body) = s.post(&uploads, Some(&patient), start_small.clone()).await;
        if status != StatusCode::CREATED {
            break (status, body);
        }
        started_ok += 1;
        assert!(
            started_ok <= 10,
            "more than ten unfinished uploads were allowed"
        );
    };
    assert_eq!(refused.0, StatusCode::CONFLICT, "{}", refused.1);
    assert!(refused.1["message"]
        .as_str()
        .unwrap()
        .contains("not finished"));

    // A report from the doctor is "ready" for the patient until the patient opens it.
    let (status, body) = upload_whole(
        s,
        &c.doctor_token,
        &own,
        "X-ray report",
        "report",
        &big_pdf(3000),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let from_doctor = body["document"]["id"].as_str().unwrap().to_owned();
    let (_, list) = s
        .get(&format!("/api/v1/patients/{own}/documents"), Some(&patient))
        .await;
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == from_doctor.as_str())
        .unwrap()
        .clone();
    assert_eq!(listed["uploaded_by_role"], "doctor");
    assert_eq!(listed["seen_by_patient_at"], Value::Null);
    let response = s
        .http
        .get(format!("{}/api/v1/documents/{from_doctor}", s.url))
        .bearer_auth(&patient)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (_, list) = s
        .get(&format!("/api/v1/patients/{own}/documents"), Some(&patient))
        .await;
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == from_doctor.as_str())
        .unwrap()
        .clone();
    assert_ne!(
        listed["seen_by_patient_at"],
        Value::Null,
        "seen once the patient opened it"
    );

    // The chart: the patient, documents, one timeline with the visit, the documents, a message.
    assert_eq!(
        push_one(s, &patient, message(9, 1, "I sent my blood report.")).await["outcome"],
        "applied"
    );
    let chart = format!("/api/v1/patients/{own}/chart");
    let (status, view) = s.get(&chart, Some(&c.doctor_token)).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(
        view["patient"]["demographics"]["full_name"],
        "Rahima Khatun"
    );
    assert_eq!(view["documents"].as_array().unwrap().len(), 3);
    let kinds: Vec<&str> = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in ["visit", "document", "message"] {
        assert!(kinds.contains(&kind), "{kinds:?}");
    }
    let times: Vec<chrono::DateTime<chrono::Utc>> = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::from_value(e["at"].clone()).unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    assert_eq!(
        s.get(&chart, Some(&patient)).await.0,
        StatusCode::OK,
        "the patient's own"
    );
    // Only a treating doctor's desk fetches ahead; anyone else asking so is audited as reading.
    assert_eq!(
        s.get(&format!("{chart}?prefetch=true"), Some(&patient))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(audit_chain(s).await.last().unwrap().action, "read_chart");
    assert_eq!(
        s.get(&format!("{chart}?prefetch=true"), Some(&c.doctor_token))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        audit_chain(s).await.last().unwrap().action,
        "prefetch_chart"
    );

    // Another doctor: refused; with a reason, break-glass — flagged in the audit. The desk
    // never, reason or not.
    assert_eq!(
        s.get(&chart, Some(&other_doctor)).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, body) = s
        .get(&format!("{chart}?break_glass=urgent"), Some(&other_doctor))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = s
        .get(
            &format!("{chart}?break_glass=Unconscious%20in%20emergency%2C%20allergies%20needed"),
            Some(&other_doctor),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        s.get(
            &format!("{chart}?break_glass=Unconscious%20in%20emergency"),
            Some(&c.desk_a)
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let chain = audit_chain(s).await;
    let glass: Vec<_> = chain.iter().filter(|e| e.action == "break_glass").collect();
    assert_eq!(glass.len(), 1, "{chain:?}");
    assert!(glass[0].subject.contains("allergies needed"));
    for refused in [
        "refused_upload",
        "refused_read_document",
        "refused_read_chart",
    ] {
        assert!(
            chain.iter().any(|e| e.action == refused),
            "{refused} not audited: {chain:?}"
        );
    }
    assert_eq!(verify_audit(s).await, Ok(()));

    // The admins' viewer: filtered, named, and it says when the chain is broken. Nobody else.
    let (status, page) = s
        .get("/api/v1/audit?action=break_glass", Some(&c.admin))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["entries"].as_array().unwrap().len(), 1);
    assert_eq!(page["chain_broken"], Value::Null);
    assert_eq!(
        page["names"][page["entries"][0]["actor"].as_str().unwrap()],
        "dr.other@clinic.test"
    );
    let (_, page) = s
        .get(
            &format!("/api/v1/audit?patient={own}&limit=3"),
            Some(&c.admin),
        )
        .await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 3, "{page}");
    assert!(
        page["entries"][0]["seq"].as_i64() > page["entries"][1]["seq"].as_i64(),
        "newest first"
    );
    for token in [&c.doctor_token, &c.desk_a, &patient] {
        assert_eq!(
            s.get("/api/v1/audit", Some(token)).await.0,
            StatusCode::FORBIDDEN
        );
    }
    // Each entry names the device the reader signed in from; it is part of the chain.
    let (status, grant) = s
        .post(
            "/api/v1/sessions",
            None,
            json!({"email": "dr.rahman@clinic.test", "password": DOCTOR_PW,
                   "device_name": "Consultation room 2"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{grant}");
    let from_room = grant["token"].as_str().unwrap().to_owned();
    assert_eq!(s.get(&chart, Some(&from_room)).await.0, StatusCode::OK);
    let chain = audit_chain(s).await;
    let last = chain.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.device.as_str()),
        ("read_chart", "Consultation room 2")
    );
    assert_eq!(verify_audit(s).await, Ok(()));
    s.exec("UPDATE audit_entry SET device = 'Reception' WHERE device = 'Consultation room 2'")
        .await;
    assert!(
        matches!(
            verify_audit(s).await,
            Err(clinic_sync::audit::ChainBroken::Altered { .. })
        ),
        "a changed device is found"
    );
    s.exec("UPDATE audit_entry SET device = 'Consultation room 2' WHERE device = 'Reception'")
        .await;
    s.exec("DELETE FROM audit_entry WHERE seq = 3").await;
    let (_, page) = s.get("/api/v1/audit", Some(&c.admin)).await;
    assert!(
        page["chain_broken"].as_str().unwrap().contains('3'),
        "{page}"
    );
}

/// Run two independent FHIR R4 validators on `bundle` — the official JSON Schema, and the R4
/// model of fhir.resources with the Bundle rules a strict consumer holds it to (fullUrl,
/// references resolved inside the Bundle, absolute attachment URLs); their complaints, if any.
fn fhir_problems(bundle: &Value) -> Result<(), String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, serde_json::to_vec(bundle).unwrap()).unwrap();
    // scripts/setup.sh makes the validator's virtual environment here.
    let fhir_python = std::env::var("CLINIC_FHIR_PYTHON").unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}/.cache/clinic-desk/fhir-venv/bin/python")
    });
    let runs = [
        std::process::Command::new("python3")
            .arg(root.join("scripts/check-fhir.py"))
            .arg(root.join("tests/fixtures/fhir/fhir.schema.json.gz"))
            .arg(&file)
            .output()
            .expect("python3 with jsonschema (scripts/setup.sh installs python3-jsonschema)"),
        std::process::Command::new(&fhir_python)
            .arg(root.join("scripts/check-fhir-resources.py"))
            .arg(&file)
            .output()
            .unwrap_or_else(|e| {
                panic!("{fhir_python}: {e} (scripts/setup.sh makes the fhir.resources venv)")
            }),
    ];
    let said: String = runs
        .iter()
        .filter(|out| !out.status.success())
        .map(|out| {
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
        .collect();
    if said.is_empty() {
        Ok(())
    } else {
        Err(said)
    }
}

async fn the_whole_record_exports_as_valid_fhir_r4(b: Backend) {
    let c = clinic(b, 0).await;
    let s = &c.s;
    s.sign_up("rahima@example.com", "Rahima Khatun").await;
    let patient = s
        .sign_in("rahima@example.com", "a long patient password")
        .await;
    let (_, me) = s.get("/api/v1/me", Some(&patient)).await;
    let own = me["account"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        push_one(
            s,
            &c.desk_a,
            book(1, 1, &own, &c.doctor, Some(&local(1, 9, 0)))
        )
        .await["outcome"],
        "applied"
    );
    for (token, step_name, n) in [(&c.desk_a, "check_in", 2), (&c.doctor_token, "start", 3)] {
        assert_eq!(
            push_one(s, token, step(n, 1, step_name, None)).await["outcome"],
            "applied"
        );
    }
    let appointment = uuid(0xa000, 1);
    let (status, body) = s
        .put(
            &format!("/api/v1/appointments/{appointment}/note"),
            Some(&c.doctor_token),
            json!({"note": {"subjective": "Cough for a week", "objective": "Wheeze",
                    "assessment": "Asthma, flare", "plan": "Inhaler",
                    "vitals": {"systolic_mmhg": 128, "diastolic_mmhg": 82, "pulse_bpm": 88,
                               "temperature_decidegrees_c": 372, "weight_decikilograms": 615,
                               "spo2_percent": 96}}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = s
        .put(&format!("/api/v1/patients/{own}/clinical"), Some(&c.doctor_token),
             json!({"allergies": [{"substance": "Penicillin", "reaction": "rash"}, {"substance": "Dust"}],
                    "conditions": [{"name": "Asthma", "since": "2019-03-01"}]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let rx = format!("/api/v1/appointments/{appointment}/prescription");
    let (status, _) = s
        .put(
            &rx,
            Some(&c.doctor_token),
            json!({"items": [medicine("Salbutamol", 30), medicine("Montelukast", 14)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        s.post(&format!("{rx}/issue"), Some(&c.doctor_token), json!({}))
            .await
            .0,
        StatusCode::OK
    );
    s.post(
        &format!("/api/v1/patients/{own}/consents"),
        Some(&patient),
        json!({"purpose": "store_uploaded_records"}),
    )
    .await;
    let (status, _) = upload_whole(s, &patient, &own, "Chest X-ray", "image", &big_pdf(4000)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        push_one(s, &c.doctor_token, step(4, 1, "complete", None)).await["outcome"],
        "applied"
    );

    let export = format!("/api/v1/patients/{own}/export/fhir");
    let (status, bundle) = s.get(&export, Some(&c.doctor_token)).await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    fhir_problems(&bundle).unwrap_or_else(|p| panic!("not valid FHIR R4:\n{p}\n{bundle}"));
    let resource = |kind: &str| {
        bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["resource"]["resourceType"] == kind)
            .unwrap()
            .clone()
    };
    // A strict consumer's view: every entry named by an absolute fullUrl its references
    // resolve against, the completed consultation's note final, the visit when it took place.
    let patient_entry = resource("Patient");
    assert_eq!(
        patient_entry["fullUrl"],
        format!("{}/fhir/Patient/{own}", s.url),
        "{patient_entry}"
    );
    let note = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["id"] == format!("{appointment}-note"))
        .unwrap();
    assert_eq!(note["resource"]["docStatus"], "final", "{note}");
    let period = &resource("Encounter")["resource"]["period"];
    let (started, ended) = (
        period["start"].as_str().unwrap(),
        period["end"].as_str().unwrap(),
    );
    assert!(started <= ended, "{period}");
    assert_ne!(
        started,
        local(1, 9, 0),
        "the visit took place now, not at its booked slot tomorrow"
    );
    let xray = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["description"] == "Chest X-ray")
        .unwrap();
    assert!(
        xray["resource"]["content"][0]["attachment"]["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/api/v1/documents/", s.url)),
        "{xray}"
    );
    let count = |kind: &str| {
        bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["resource"]["resourceType"] == kind)
            .count()
    };
    assert_eq!(count("Patient"), 1);
    assert_eq!(count("Encounter"), 1);
    assert_eq!(
        count("Observation"),
        5,
        "blood pressure, pulse, temperature, weight, SpO2"
    );
    assert_eq!(count("Condition"), 1);
    assert_eq!(count("AllergyIntolerance"), 2);
    assert_eq!(count("MedicationRequest"), 2);
    assert_eq!(count("DocumentReference"), 2, "the note and the X-ray");
    let text = bundle.to_string();
    for want in [
        "8480-6",
        "8867-4",
        "mm[Hg]",
        "Salbutamol",
        "Penicillin",
        "Chest X-ray",
    ] {
        assert!(text.contains(want), "{want} missing");
    }
    assert_eq!(
        s.get(&export, Some(&patient)).await.0,
        StatusCode::OK,
        "the patient's own"
    );
    for token in [&c.desk_a, &c.admin] {
        assert_eq!(s.get(&export, Some(token)).await.0, StatusCode::FORBIDDEN);
    }

    // The validator itself refuses what is not R4: a misspelt element, a code R4 does not
    // know, a required element missing.
    let mut broken = bundle.clone();
    broken["entry"][0]["resource"]["gendr"] = json!("female");
    broken["entry"][0]["resource"]["gender"] = json!("F");
    let observation = broken["entry"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["resource"]["resourceType"] == "Observation")
        .unwrap();
    broken["entry"][observation]["resource"]
        .as_object_mut()
        .unwrap()
        .remove("status");
    broken["entry"][1]
        .as_object_mut()
        .unwrap()
        .remove("fullUrl");
    broken["entry"][2]["resource"]["subject"]["reference"] = json!("Patient/somebody-else");
    let problems = fhir_problems(&broken).unwrap_err();
    for want in [
        "gendr",
        "gender",
        "Observation.status is required",
        "extra fields not permitted",
        "has no fullUrl",
        "'Patient/somebody-else' does not resolve inside the Bundle",
    ] {
        assert!(problems.contains(want), "{want} not named in:\n{problems}");
    }
}

async fn the_front_desk_joins_conversations_only_where_the_clinic_allows_it(b: Backend) {
    let c = clinic_with(b, 0, true).await;
    let s = &c.s;
    s.sign_up("rahima@example.com", "Rahima Khatun").await;
    let patient = s
        .sign_in("rahima@example.com", "a long patient password")
        .await;
    let (_, me) = s.get("/api/v1/me", Some(&patient)).await;
    let own = me["account"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        push_one(
            s,
            &c.desk_a,
            book(1, 1, &own, &c.doctor, Some(&local(1, 9, 0)))
        )
        .await["outcome"],
        "applied"
    );
    let (_, grant) = s
        .post(
            "/api/v1/sessions",
            None,
            json!({"email": "desk1@clinic.test", "password": DESK_PW}),
        )
        .await;
    assert_eq!(
        grant["desk_in_conversations"], true,
        "the desk hears the clinic's rule"
    );
    assert_eq!(
        push_one(s, &patient, message(2, 1, "Is the doctor in today?")).await["outcome"],
        "applied"
    );
    let answered = push_one(
        s,
        &c.desk_b,
        message(3, 1, "Yes — running 20 minutes late."),
    )
    .await;
    assert_eq!(answered["outcome"], "applied", "{answered}");
    // The doctor, the patient and every desk have both; another doctor and the admin nothing.
    for token in [&c.doctor_token, &patient, &c.desk_a, &c.desk_b] {
        let got = pulled_messages(s, token).await;
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1]["from_role"], "front_desk");
    }
    staff(s, &c.admin, "dr.other@clinic.test", "doctor", DOCTOR_PW).await;
    let other_doctor = s.sign_in("dr.other@clinic.test", DOCTOR_PW).await;
    for token in [&other_doctor, &c.admin] {
        assert_eq!(pulled_messages(s, token).await, Vec::<Value>::new());
    }
    assert_eq!(
        reason(&push_one(s, &c.admin, message(4, 1, "Admin here")).await),
        "forbidden"
    );
}

on_both_backends!(
    pushes_written_together_are_each_judged_as_their_own_user,
    doctors_upload_credentials_checked_by_content_that_only_admins_and_they_read,
    video_calls_open_for_the_appointments_doctor_and_patient_only,
    notes_lock_at_completion_and_later_changes_are_amendments,
    messages_reach_only_the_doctor_and_the_patient_of_the_appointment,
    files_in_a_conversation_are_checked_consented_sealed_and_read_by_the_two_only,
    prescriptions_warn_lock_at_issue_take_new_versions_and_verify_by_code,
    records_upload_in_chunks_resume_and_the_chart_shows_them,
    the_whole_record_exports_as_valid_fhir_r4,
    the_front_desk_joins_conversations_only_where_the_clinic_allows_it,
    a_slot_goes_to_the_first_booking_and_the_other_desk_hears_who_took_it_when,
    each_bad_booking_gets_its_own_reason,
    the_lifecycle_gives_tokens_and_each_role_its_steps,
    sixty_four_desks_racing_for_the_same_slots_get_one_booking_each,
    the_database_itself_refuses_a_second_booking_of_a_slot,
    the_directory_shows_verified_doctors_with_their_next_free_slot,
);
