//! The doctors' directory: verified doctors with their next free slot.

use crate::common::clinic::*;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

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
    assert_eq!(booked.answer(), Applied);
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

on_both_backends!(the_directory_shows_verified_doctors_with_their_next_free_slot,);
