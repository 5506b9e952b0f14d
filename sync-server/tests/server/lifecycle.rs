//! The appointment lifecycle on the server: tokens in the queue, each role its steps.

use crate::common::clinic::*;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn the_lifecycle_gives_tokens_and_each_role_its_steps(b: Backend) {
    let c = clinic(b, 3).await;
    let (s, doctor) = (&c.s, c.doctor.as_str());
    // A walk-in is queued at once with the day's first token.
    let walk_in = push_one(s, &c.desk_a, book(1, 1, &c.patients[0], doctor, None)).await;
    assert_eq!(walk_in.answer(), Applied, "{walk_in:?}");
    let booked = push_one(
        s,
        &c.desk_a,
        book(2, 2, &c.patients[1], doctor, Some(&local(1, 9, 0))),
    )
    .await;
    assert_eq!(booked.answer(), Applied);
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
        outcomes.iter().map(answer).collect::<Vec<_>>(),
        [Applied, Refused(RejectionReason::Forbidden)]
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
        outcomes.iter().all(|o| o.answer() == Applied),
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
        answer(&push_one(s, &other_token, step(7, 1, "start", None)).await),
        Refused(RejectionReason::Forbidden),
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
    assert_eq!(push_one(s, &patient_token, request).await.answer(), Applied);
    let mut for_another = book(9, 9, &c.patients[2], doctor, Some(&local(2, 10, 0)));
    for_another["command"]["origin"] = json!("patient_request");
    assert_eq!(
        answer(&push_one(s, &patient_token, for_another).await),
        Refused(RejectionReason::Forbidden)
    );
    assert_eq!(
        answer(&push_one(s, &patient_token, step(10, 2, "cancel", None)).await),
        Refused(RejectionReason::Forbidden),
        "not someone else's appointment, even to cancel"
    );
    let mine = appointments(s, &patient_token).await;
    assert_eq!(mine.keys().collect::<Vec<_>>(), [&uuid(0xa000, 8)]);
    assert_eq!(mine[&uuid(0xa000, 8)]["status"], "requested");
    assert_eq!(
        push_one(s, &c.doctor_token, step(11, 8, "confirm", None))
            .await
            .answer(),
        Applied
    );
    assert_eq!(
        appointments(s, &patient_token).await[&uuid(0xa000, 8)]["status"],
        "confirmed"
    );

    // A reschedule is a new booking that replaces the old one; the old slot is free again.
    let mut moved = book(12, 12, &own, doctor, Some(&local(2, 11, 0)));
    moved["command"]["replaces"] = json!(uuid(0xa000, 8));
    assert_eq!(push_one(s, &c.desk_a, moved).await.answer(), Applied);
    let book_now = appointments(s, &c.desk_a).await;
    assert_eq!(book_now[&uuid(0xa000, 8)]["status"], "rescheduled");
    assert_eq!(book_now[&uuid(0xa000, 12)]["replaces"], uuid(0xa000, 8));
    let reuse = push_one(
        s,
        &c.desk_a,
        book(13, 13, &c.patients[2], doctor, Some(&local(2, 9, 0))),
    )
    .await;
    assert_eq!(reuse.answer(), Applied, "{reuse:?}");
}

on_both_backends!(the_lifecycle_gives_tokens_and_each_role_its_steps,);
