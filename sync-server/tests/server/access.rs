//! Who may read and write what, each rule pinned by a test that failed before its fix (on SQLite and on PostgreSQL): charts, conversations, command ids, desk series, back-dated bookings, offline reads, sign-in limits.

use clinic_core::account::FieldProblem;

use crate::common::clinic::*;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub(crate) async fn chart_status(c: &Clinic, token: &str, patient: &str) -> StatusCode {
    c.s.get(&format!("/api/v1/patients/{patient}/chart"), Some(token))
        .await
        .0
}

/// Every audit entry's action, oldest first.
pub(crate) async fn audit_actions(c: &Clinic) -> Vec<String> {
    let (status, page) = c.s.get("/api/v1/audit?limit=2000", Some(&c.admin)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let mut actions: Vec<String> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    actions.reverse();
    actions
}

pub(crate) async fn sign_in_from(
    s: &TestServer,
    forwarded_for: &str,
    password: &str,
) -> StatusCode {
    s.http
        .post(format!("{}/api/v1/sessions", s.url))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": "desk1@clinic.test", "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

async fn a_doctor_cannot_open_a_strangers_chart_by_booking_them(b: Backend) {
    let c = clinic(b, 3).await;
    let s = &c.s;
    let (karim, karim_token) = second_doctor(&c).await;
    let stranger = &c.patients[0];
    // In another doctor's name: refused.
    let outcome = push_one(
        s,
        &karim_token,
        book(1, 1, stranger, &c.doctor, Some(&local(1, 10, 0))),
    )
    .await;
    assert_eq!(
        answer(&outcome),
        Refused(RejectionReason::Forbidden),
        "{outcome:?}"
    );
    // In their own name, for a patient they have never seen: the desk's to book.
    let outcome = push_one(
        s,
        &karim_token,
        book(2, 2, stranger, &karim, Some(&local(1, 10, 0))),
    )
    .await;
    assert_eq!(
        answer(&outcome),
        Refused(RejectionReason::Forbidden),
        "{outcome:?}"
    );
    // So the chart stays closed without break-glass, and the refusal is audited.
    assert_eq!(
        chart_status(&c, &karim_token, stranger).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(newest_audit_action(&c).await, "refused_read_chart");

    // The front desk books the patient with him: now he treats them, and may book a follow-up.
    let outcome = push_one(
        s,
        &c.desk_a,
        book(3, 3, stranger, &karim, Some(&local(1, 11, 0))),
    )
    .await;
    assert_eq!(answer(&outcome), Applied, "{outcome:?}");
    assert_eq!(
        chart_status(&c, &karim_token, stranger).await,
        StatusCode::OK
    );
    let outcome = push_one(
        s,
        &karim_token,
        book(4, 4, stranger, &karim, Some(&local(2, 11, 0))),
    )
    .await;
    assert_eq!(answer(&outcome), Applied, "a follow-up: {outcome:?}");
    // The desk cancels the booking it made: the doctor's own follow-up alone opens nothing.
    let outcome = push_one(s, &c.desk_a, step(5, 3, "cancel", Some("patient called"))).await;
    assert_eq!(answer(&outcome), Applied, "{outcome:?}");
    assert_eq!(
        chart_status(&c, &karim_token, stranger).await,
        StatusCode::FORBIDDEN
    );
    // Nor does the history, the clinical summary or the export open through it.
    for path in ["consultations", "export/fhir"] {
        let (status, body) = s
            .get(
                &format!("/api/v1/patients/{stranger}/{path}"),
                Some(&karim_token),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    }
    let (status, body) = s
        .put(
            &format!("/api/v1/patients/{stranger}/clinical"),
            Some(&karim_token),
            json!({"allergies": [], "conditions": []}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

async fn a_desk_registers_only_in_the_series_the_server_granted_it(b: Backend) {
    let c = clinic(b, 0).await;
    let s = &c.s;
    let (two, code_two) = signed_in_desk(s, "desk2@clinic.test", 51).await;
    let (three, code_three) = signed_in_desk(s, "desk1@clinic.test", 52).await;
    assert_ne!(code_two, code_three);
    let unknown = code_two.max(code_three) + 100;
    for (n, number) in [
        (1, format!("{code_three}-0001")),
        (2, format!("{unknown}-0001")),
        (3, "1-0001".to_owned()),
    ] {
        let outcome = push_one(s, &two, registration(n, n, &number, "Amina Begum", None)).await;
        assert_eq!(
            answer(&outcome),
            Refused(RejectionReason::Invalid),
            "{number:?}: {outcome:?}"
        );
        let field = &refusal(&outcome).fields[0];
        assert_eq!(field.field, "patient_number", "{outcome:?}");
        assert_eq!(
            field.problem,
            FieldProblem::NotThisDesksSeries,
            "{outcome:?}"
        );
    }
    // So the desk that owns the series keeps its own first number.
    let mine = format!("{code_three}-0001");
    let outcome = push_one(s, &three, registration(4, 4, &mine, "Amina Begum", None)).await;
    assert_eq!(answer(&outcome), Applied, "{outcome:?}");
    let outcome = push_one(
        s,
        &two,
        registration(5, 5, &format!("{code_two}-0001"), "Karim Mia", None),
    )
    .await;
    assert_eq!(answer(&outcome), Applied, "{outcome:?}");
    // A session from no desk has no series.
    let bare = s.sign_in("desk1@clinic.test", DESK_PW).await;
    let outcome = push_one(
        s,
        &bare,
        registration(6, 6, &format!("{code_three}-0002"), "Rahim Uddin", None),
    )
    .await;
    assert_eq!(
        answer(&outcome),
        Refused(RejectionReason::Invalid),
        "{outcome:?}"
    );
}

async fn a_command_id_another_account_used_is_refused_without_its_answer(b: Backend) {
    let c = clinic(b, 0).await;
    let s = &c.s;
    let (two, code_two) = signed_in_desk(s, "desk2@clinic.test", 61).await;
    let (three, code_three) = signed_in_desk(s, "desk1@clinic.test", 62).await;
    let first = registration(7, 7, &format!("{code_two}-0001"), "Amina Begum", None);
    assert_eq!(answer(&push_one(s, &two, first.clone()).await), Applied);
    // The same command id from another account: refused, not told "applied".
    let copy = registration(7, 8, &format!("{code_three}-0001"), "Karim Mia", None);
    let outcome = push_one(s, &three, copy).await;
    assert_eq!(
        answer(&outcome),
        Refused(RejectionReason::Forbidden),
        "{outcome:?}"
    );
    // The account that pushed it hears its own answer again.
    assert_eq!(answer(&push_one(s, &two, first).await), Applied);
    let count = s.scalar("SELECT COUNT(*) FROM patient".to_owned()).await;
    assert_eq!(count, 1);
}

async fn a_doctor_reads_only_their_own_conversations_and_every_refusal_is_audited(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    let (karim, karim_token) = second_doctor(&c).await;
    let patient = &c.patients[0];
    for (n, appointment, doctor, hour) in [(1, 1, c.doctor.as_str(), 10), (2, 2, &karim, 11)] {
        let booked = push_one(
            s,
            &c.desk_a,
            book(n, appointment, patient, doctor, Some(&local(1, hour, 0))),
        )
        .await;
        assert_eq!(answer(&booked), Applied, "{booked:?}");
    }
    let sent = push_one(
        s,
        &c.doctor_token,
        message(3, 1, "Rahman: the biopsy result"),
    )
    .await;
    assert_eq!(answer(&sent), Applied, "{sent:?}");
    let sent = push_one(s, &karim_token, message(4, 2, "Karim: bring the X-ray")).await;
    assert_eq!(answer(&sent), Applied, "{sent:?}");
    // Dr. Karim treats the patient, so the chart opens; its timeline holds his conversation only.
    let (status, chart) = s
        .get(
            &format!("/api/v1/patients/{patient}/chart"),
            Some(&karim_token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{chart}");
    let messages: Vec<&str> = chart["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "message")
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["Karim: bring the X-ray"]);
    // Another doctor's note and call: refused, and the refusals audited.
    let rahmans = uuid(0xa000, 1);
    for (path, audited) in [
        (
            format!("/api/v1/appointments/{rahmans}/note"),
            "refused_read_note",
        ),
        (
            format!("/api/v1/appointments/{rahmans}/meeting"),
            "refused_join_call",
        ),
        (
            format!("/api/v1/appointments/{rahmans}/prescription"),
            "refused_read_prescription",
        ),
    ] {
        let (status, body) = s.get(&path, Some(&karim_token)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert_eq!(newest_audit_action(&c).await, audited, "{path}");
    }
    // A doctor who never saw the patient: no history, no consent recorded for them.
    staff(s, &c.admin, "dr.new@clinic.test", "doctor", DOCTOR_PW).await;
    let stranger = s.sign_in("dr.new@clinic.test", DOCTOR_PW).await;
    let (status, _) = s
        .get(
            &format!("/api/v1/patients/{patient}/consultations"),
            Some(&stranger),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(newest_audit_action(&c).await, "refused_read_history");
    let consent = json!({"purpose": "video_consultation", "note": "said yes on the phone"});
    let path = format!("/api/v1/patients/{patient}/consents");
    let (status, body) = s.post(&path, Some(&stranger), consent.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(newest_audit_action(&c).await, "refused_record_consent");
    let (status, _) = s.get(&path, Some(&stranger)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(newest_audit_action(&c).await, "refused_read_consents");
    // The front desk and a treating doctor may, and it is audited.
    for token in [&c.desk_a, &karim_token] {
        let (status, body) = s.post(&path, Some(token), consent.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(newest_audit_action(&c).await, "record_consent");
    }
}

async fn a_desk_cannot_back_date_a_booking_into_a_slot_long_past(b: Backend) {
    use chrono::{Duration, TimeZone, Utc};
    let c = clinic(b, 1).await;
    let tz = chrono_tz::Asia::Dhaka;
    let five_days_ago = Utc::now().with_timezone(&tz).date_naive() - Duration::days(5);
    let start = tz
        .from_local_datetime(&five_days_ago.and_hms_opt(10, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let mut booking = book(
        1,
        1,
        &c.patients[0],
        &c.doctor,
        Some(&start.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
    );
    booking["issued_at"] = json!((Utc::now() - Duration::days(10)).to_rfc3339());
    let outcome = push_one(&c.s, &c.desk_a, booking).await;
    assert_eq!(
        answer(&outcome),
        Refused(RejectionReason::SlotInThePast),
        "{outcome:?}"
    );
}

async fn offline_reads_are_bounded_and_only_believed_for_charts_the_device_had(b: Backend) {
    use chrono::{Duration, Utc};
    let c = clinic(b, 2).await;
    let s = &c.s;
    for (n, patient, hour) in [(1, 0, 10), (2, 1, 11)] {
        let booked = push_one(
            s,
            &c.desk_a,
            book(
                n,
                n,
                &c.patients[patient],
                &c.doctor,
                Some(&local(1, hour, 0)),
            ),
        )
        .await;
        assert_eq!(answer(&booked), Applied, "{booked:?}");
    }
    // The doctor treats both, but only the first chart ever reached their device.
    let (status, _) = s
        .get(
            &format!("/api/v1/patients/{}/chart", c.patients[0]),
            Some(&c.doctor_token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let hour_ago = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let tomorrow = (Utc::now() + Duration::days(1)).to_rfc3339();
    let reads = json!([
        {"patient": c.patients[0], "read_at": hour_ago},
        {"patient": c.patients[0], "read_at": hour_ago},
        {"patient": c.patients[1], "read_at": hour_ago},
        {"patient": c.patients[0], "read_at": tomorrow},
    ]);
    let before = audit_actions(&c).await.len();
    let (status, body) = s
        .post("/api/v1/audit/offline-reads", Some(&c.doctor_token), reads)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        audit_actions(&c).await[before..],
        ["offline_read_chart", "refused_offline_reads"]
    );
    let flood: Vec<Value> = (0..101)
        .map(|_| json!({"patient": c.patients[0], "read_at": hour_ago}))
        .collect();
    let (status, body) = s
        .post(
            "/api/v1/audit/offline-reads",
            Some(&c.doctor_token),
            json!(flood),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "bad_request", "{body}");
}

async fn wrong_tries_from_elsewhere_never_keep_the_user_out(b: Backend) {
    use clinic_sync::settings::Settings;
    for behind_a_proxy in [true, false] {
        let settings = Settings {
            trusted_proxies: if behind_a_proxy {
                vec!["127.0.0.1".parse().unwrap()]
            } else {
                vec![]
            },
            ..Settings::default()
        };
        let s = TestServer::start_with(b, settings).await;
        s.admin(ADMIN, ADMIN_PW).await;
        let admin = s.sign_in(ADMIN, ADMIN_PW).await;
        staff(&s, &admin, "desk1@clinic.test", "front_desk", DESK_PW).await;
        for _ in 0..5 {
            let status = sign_in_from(&s, "203.0.113.7", "a wrong guess 123").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        let status = sign_in_from(&s, "203.0.113.7", "a wrong guess 123").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        let status = sign_in_from(&s, "198.51.100.20", DESK_PW).await;
        if behind_a_proxy {
            assert_eq!(status, StatusCode::OK, "the user at their own address");
        } else {
            // Without a proxy of the clinic's, the header is anyone's to write: not believed.
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        }
    }
}

on_both_backends!(
    a_doctor_cannot_open_a_strangers_chart_by_booking_them,
    a_desk_registers_only_in_the_series_the_server_granted_it,
    a_command_id_another_account_used_is_refused_without_its_answer,
    a_doctor_reads_only_their_own_conversations_and_every_refusal_is_audited,
    a_desk_cannot_back_date_a_booking_into_a_slot_long_past,
    offline_reads_are_bounded_and_only_believed_for_charts_the_device_had,
    wrong_tries_from_elsewhere_never_keep_the_user_out,
);
