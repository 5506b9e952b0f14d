//! The holes a review found, each pinned by a test that failed before its fix: on SQLite and
//! on PostgreSQL, against a real server on a loopback port.

mod common;

use common::clinic::*;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A second verified doctor of the clinic, signed in.
async fn second_doctor(c: &Clinic) -> (String, String) {
    verified_doctor(
        &c.s,
        &c.admin,
        "dr.karim@clinic.test",
        "Dr. Karim",
        "A-54321",
    )
    .await
}

async fn chart_status(c: &Clinic, token: &str, patient: &str) -> StatusCode {
    c.s.get(&format!("/api/v1/patients/{patient}/chart"), Some(token))
        .await
        .0
}

/// The newest audit entry's action.
async fn newest_audit_action(c: &Clinic) -> String {
    let (status, page) = c.s.get("/api/v1/audit", Some(&c.admin)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["entries"][0]["action"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
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
    assert_eq!(reason(&outcome), "forbidden", "{outcome}");
    // In their own name, for a patient they have never seen: the desk's to book.
    let outcome = push_one(
        s,
        &karim_token,
        book(2, 2, stranger, &karim, Some(&local(1, 10, 0))),
    )
    .await;
    assert_eq!(reason(&outcome), "forbidden", "{outcome}");
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
    assert_eq!(reason(&outcome), "applied", "{outcome}");
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
    assert_eq!(reason(&outcome), "applied", "a follow-up: {outcome}");
    // The desk cancels the booking it made: the doctor's own follow-up alone opens nothing.
    let outcome = push_one(s, &c.desk_a, step(5, 3, "cancel", Some("patient called"))).await;
    assert_eq!(reason(&outcome), "applied", "{outcome}");
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

async fn a_far_future_date_is_a_field_message_not_a_dropped_connection(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    for path in [
        format!(
            "/api/v1/doctors/{}/slots?from=%2B262142-12-01&days=60",
            c.doctor
        ),
        "/api/v1/directory?from=%2B262142-12-01&days=60".to_owned(),
        format!("/api/v1/doctors/{}/slots?from=9999-01-01", c.doctor),
    ] {
        let (status, body) = s.get(&path, Some(&c.desk_a)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert_eq!(body["code"], "validation", "{path}: {body}");
        assert_eq!(body["fields"][0]["field"], "from", "{path}: {body}");
    }
    // A booking pushed for then is refused before any date arithmetic, and the push writer
    // goes on with the next one.
    for (n, start) in [
        (1, "+262142-12-01T04:00:00Z"),
        (2, "-262142-01-02T04:00:00Z"),
    ] {
        let outcome = push_one(
            s,
            &c.desk_a,
            book(n, n, &c.patients[0], &c.doctor, Some(start)),
        )
        .await;
        assert_eq!(reason(&outcome), "invalid", "{start}: {outcome}");
        assert_eq!(outcome["fields"][0]["field"], "start", "{outcome}");
    }
    let outcome = push_one(
        s,
        &c.desk_a,
        book(3, 3, &c.patients[0], &c.doctor, Some(&local(1, 10, 0))),
    )
    .await;
    assert_eq!(reason(&outcome), "applied", "{outcome}");
    // A year ahead is still answered.
    let next_year = local_day(300);
    let (status, body) = s
        .get(
            &format!("/api/v1/doctors/{}/slots?from={next_year}", c.doctor),
            Some(&c.desk_a),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn registration(n: u32, patient: u32, number: &str, name: &str, email: Option<&str>) -> Value {
    envelope(
        n,
        json!({"kind": "register_patient", "patient": uuid(0x9000, patient),
               "patient_number": number,
               "demographics": {"full_name": name, "sex": null, "date_of_birth": null,
                                "phone": null, "email": email, "address": null,
                                "emergency_contact": null}}),
    )
}

async fn control_characters_are_refused_in_every_text_field_on_both_databases(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    let (desk, code) = signed_in_desk(s, "desk1@clinic.test", 21).await;
    let outcome = push_one(
        s,
        &desk,
        registration(
            1,
            101,
            &format!("{code}-0101"),
            "Amina Begum",
            Some("amina\u{0}@example.com"),
        ),
    )
    .await;
    assert_eq!(reason(&outcome), "invalid", "{outcome}");
    assert_eq!(outcome["fields"][0]["field"], "email", "{outcome}");
    assert_eq!(
        outcome["fields"][0]["problem"], "invalid_characters",
        "{outcome}"
    );
    // Signing in with such an address is a wrong email, not a server error.
    let (status, body) = s
        .post(
            "/api/v1/sessions",
            None,
            json!({"email": "desk1\u{0}@clinic.test", "password": DESK_PW}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // Nor in a sign-up, a rejection's reason or a break-glass reason.
    let (status, body) = s.sign_up("x\u{0}y@example.com", "Rahim Uddin").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = s
        .put(
            &format!("/api/v1/doctors/{}/verification", c.doctor),
            Some(&c.admin),
            json!({"status": "rejected", "reason": "blurred\u{0} scan"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][0]["problem"], "invalid_characters", "{body}");
    let (_karim, karim_token) = second_doctor(&c).await;
    let (status, body) = s
        .get(
            &format!(
                "/api/v1/patients/{}/chart?break_glass=unconscious%00%20in%20the%20ER",
                c.patients[0]
            ),
            Some(&karim_token),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(newest_audit_action(&c).await, "refused_read_chart");
}

/// Makes the database itself refuse a patient named `name` (a stand-in for any write a
/// database refuses that the rules let through).
async fn database_refuses_the_name(s: &TestServer, b: Backend, name: &str) {
    let statements = match b {
        Backend::Sqlite => vec![format!(
            "CREATE TRIGGER refuse_name BEFORE INSERT ON patient WHEN NEW.full_name = '{name}'
             BEGIN SELECT RAISE(ABORT, 'this name is refused'); END"
        )],
        Backend::Postgres => vec![
            format!(
                "CREATE FUNCTION refuse_name() RETURNS trigger AS $$ BEGIN
                   IF NEW.full_name = '{name}' THEN
                     RAISE EXCEPTION 'this name is refused' USING ERRCODE = 'check_violation';
                   END IF;
                   RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER refuse_name BEFORE INSERT ON patient FOR EACH ROW
             EXECUTE FUNCTION refuse_name()"
                .to_owned(),
        ],
    };
    for sql in statements {
        s.try_exec(sql).await.unwrap();
    }
}

async fn a_command_the_database_refuses_fails_alone_not_the_group_commit(b: Backend) {
    let c = clinic(b, 0).await;
    let s = &c.s;
    const REFUSED: &str = "Refused By The Database";
    database_refuses_the_name(s, b, REFUSED).await;
    let (bad_desk, bad_code) = signed_in_desk(s, "desk1@clinic.test", 31).await;
    let mut good = Vec::new();
    for device in 0..6 {
        good.push(signed_in_desk(s, "desk2@clinic.test", 40 + device).await);
    }
    // One desk pushes a bad registration between two good ones while six others push theirs:
    // pushes arriving together are written in one transaction.
    let bad_push = push(
        s,
        &bad_desk,
        vec![
            registration(1, 1, &format!("{bad_code}-0001"), "Good Before", None),
            registration(2, 2, &format!("{bad_code}-0002"), REFUSED, None),
            registration(3, 3, &format!("{bad_code}-0003"), "Good After", None),
        ],
    );
    let others = good.iter().enumerate().map(|(i, (token, code))| {
        let n = 10 + i as u32;
        push(
            s,
            token,
            vec![registration(
                n,
                n,
                &format!("{code}-0001"),
                &format!("Other {n}"),
                None,
            )],
        )
    });
    let (bad, others) = tokio::join!(bad_push, futures_util::future::join_all(others));
    assert_eq!(
        bad.iter().map(|o| reason(o).to_owned()).collect::<Vec<_>>(),
        ["applied", "not_storable", "applied"],
        "{bad:?}"
    );
    for outcomes in others {
        assert_eq!(reason(&outcomes[0]), "applied", "{outcomes:?}");
    }
    let count = s.scalar("SELECT COUNT(*) FROM patient".to_owned()).await;
    assert_eq!(count, 8, "two of the bad desk's, six of the others'");

    // The same, certainly in one group: the group commit itself, called as the writer calls it.
    let (_, me) = s.get("/api/v1/me", Some(&bad_desk)).await;
    let actor = clinic_core::Actor::User {
        id: me["account"]["id"].as_str().unwrap().parse().unwrap(),
        role: clinic_core::Role::FrontDesk,
    };
    let pusher = |code: u64| clinic_sync::sync::queue::Pusher {
        actor,
        desk_code: Some(code as u32),
    };
    let read = |v: Vec<Value>| {
        v.iter()
            .map(clinic_core::sync::read_command)
            .collect::<Vec<_>>()
    };
    let (other_token, other_code) = &good[0];
    let _ = other_token;
    let group = vec![
        (
            pusher(bad_code),
            read(vec![
                registration(21, 21, &format!("{bad_code}-0021"), REFUSED, None),
                registration(22, 22, &format!("{bad_code}-0022"), "Good Too", None),
            ]),
        ),
        (
            pusher(*other_code),
            read(vec![registration(
                23,
                23,
                &format!("{other_code}-0023"),
                "Other Desk",
                None,
            )]),
        ),
    ];
    let rules = clinic_sync::sync::queue::ClinicRules {
        tz: chrono_tz::Asia::Dhaka,
        desk_in_conversations: false,
    };
    let answers = match &s.storage {
        AnyStorage::Sqlite(st) => clinic_sync::sync::queue::write_group(st, group, rules).await,
        AnyStorage::Postgres(st) => clinic_sync::sync::queue::write_group(st, group, rules).await,
    };
    let said: Vec<Vec<String>> = answers
        .into_iter()
        .map(|answer| {
            answer
                .expect("each push answered")
                .0
                .iter()
                .map(|o| reason(&serde_json::to_value(o).unwrap()).to_owned())
                .collect()
        })
        .collect();
    assert_eq!(said, [vec!["not_storable", "applied"], vec!["applied"]]);
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
        assert_eq!(reason(&outcome), "invalid", "{number}: {outcome}");
        assert_eq!(outcome["fields"][0]["field"], "patient_number", "{outcome}");
        assert_eq!(
            outcome["fields"][0]["problem"], "not_this_desks_series",
            "{outcome}"
        );
    }
    // So the desk that owns the series keeps its own first number.
    let mine = format!("{code_three}-0001");
    let outcome = push_one(s, &three, registration(4, 4, &mine, "Amina Begum", None)).await;
    assert_eq!(reason(&outcome), "applied", "{outcome}");
    let outcome = push_one(
        s,
        &two,
        registration(5, 5, &format!("{code_two}-0001"), "Karim Mia", None),
    )
    .await;
    assert_eq!(reason(&outcome), "applied", "{outcome}");
    // A session from no desk has no series.
    let bare = s.sign_in("desk1@clinic.test", DESK_PW).await;
    let outcome = push_one(
        s,
        &bare,
        registration(6, 6, &format!("{code_three}-0002"), "Rahim Uddin", None),
    )
    .await;
    assert_eq!(reason(&outcome), "invalid", "{outcome}");
}

async fn a_command_id_another_account_used_is_refused_without_its_answer(b: Backend) {
    let c = clinic(b, 0).await;
    let s = &c.s;
    let (two, code_two) = signed_in_desk(s, "desk2@clinic.test", 61).await;
    let (three, code_three) = signed_in_desk(s, "desk1@clinic.test", 62).await;
    let first = registration(7, 7, &format!("{code_two}-0001"), "Amina Begum", None);
    assert_eq!(reason(&push_one(s, &two, first.clone()).await), "applied");
    // The same command id from another account: refused, not told "applied".
    let copy = registration(7, 8, &format!("{code_three}-0001"), "Karim Mia", None);
    let outcome = push_one(s, &three, copy).await;
    assert_eq!(reason(&outcome), "forbidden", "{outcome}");
    // The account that pushed it hears its own answer again.
    assert_eq!(reason(&push_one(s, &two, first).await), "applied");
    let count = s.scalar("SELECT COUNT(*) FROM patient".to_owned()).await;
    assert_eq!(count, 1);
}

async fn a_malformed_address_is_answered_in_the_error_shape_without_parser_details(b: Backend) {
    let c = clinic(b, 0).await;
    let s = &c.s;
    for path in [
        "/api/v1/patients/not-a-uuid/chart".to_owned(),
        "/api/v1/appointments/123/note".to_owned(),
        format!("/api/v1/doctors/{}/slots?from=tomorrow", c.doctor),
        "/api/v1/sync/pull?after=-1".to_owned(),
        "/api/v1/directory?max_fee=lots".to_owned(),
    ] {
        let response = s
            .http
            .get(format!("{}{path}", s.url))
            .bearer_auth(&c.desk_a)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let body: Value = response
            .json()
            .await
            .unwrap_or_else(|e| panic!("{path}: not JSON: {e}"));
        assert_eq!(body["code"], "bad_request", "{path}: {body}");
        let message = body["message"].as_str().unwrap();
        for parser_words in [
            "deserialize",
            "UUID",
            "invalid digit",
            "character",
            "length",
        ] {
            assert!(!message.contains(parser_words), "{path}: {message}");
        }
    }
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
        assert_eq!(reason(&booked), "applied", "{booked}");
    }
    let sent = push_one(
        s,
        &c.doctor_token,
        message(3, 1, "Rahman: the biopsy result"),
    )
    .await;
    assert_eq!(reason(&sent), "applied", "{sent}");
    let sent = push_one(s, &karim_token, message(4, 2, "Karim: bring the X-ray")).await;
    assert_eq!(reason(&sent), "applied", "{sent}");
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
    assert_eq!(reason(&outcome), "slot_in_the_past", "{outcome}");
}

/// Every audit entry's action, oldest first.
async fn audit_actions(c: &Clinic) -> Vec<String> {
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
        assert_eq!(reason(&booked), "applied", "{booked}");
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

async fn sign_in_from(s: &TestServer, forwarded_for: &str, password: &str) -> StatusCode {
    s.http
        .post(format!("{}/api/v1/sessions", s.url))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": "desk1@clinic.test", "password": password}))
        .send()
        .await
        .unwrap()
        .status()
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

async fn chain_broken(c: &Clinic) -> Option<String> {
    let (status, page) = c.s.get("/api/v1/audit", Some(&c.admin)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["chain_broken"].as_str().map(str::to_owned)
}

async fn the_audit_chain_is_keyed_and_dropping_its_newest_entries_is_found(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    let booked = push_one(
        s,
        &c.desk_a,
        book(1, 1, &c.patients[0], &c.doctor, Some(&local(1, 10, 0))),
    )
    .await;
    assert_eq!(reason(&booked), "applied", "{booked}");
    for _ in 0..4 {
        let path = format!("/api/v1/patients/{}/chart", c.patients[0]);
        assert_eq!(s.get(&path, Some(&c.doctor_token)).await.0, StatusCode::OK);
    }
    assert_eq!(chain_broken(&c).await, None);
    let keyed = s
        .scalar("SELECT COUNT(*) FROM audit_entry WHERE chain_version = 2".to_owned())
        .await;
    assert_eq!(keyed, 4, "every entry sealed with the audit key");
    // Dropping the newest entries leaves a signed head that names one no longer there.
    s.exec("DELETE FROM audit_entry WHERE seq > 2").await;
    let broken = chain_broken(&c).await.expect("the truncation is found");
    assert!(
        broken.contains("newest audit entries are missing"),
        "{broken}"
    );
    // Moving the head back needs the key.
    s.exec("UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_entry WHERE seq = 2)")
        .await;
    let broken = chain_broken(&c).await.expect("the forged head is found");
    assert!(broken.contains("not signed with the audit key"), "{broken}");
    // A server started on this database with another audit key refuses to start.
    let other = clinic_sync::audit::AuditKey::from_bytes([9; 32]);
    let path = std::path::Path::new("other-audit.key");
    let refused = match &s.storage {
        AnyStorage::Sqlite(st) => clinic_sync::audit::adopt_key(st, other, path).await,
        AnyStorage::Postgres(st) => clinic_sync::audit::adopt_key(st, other, path).await,
    };
    assert!(
        matches!(
            refused,
            Err(clinic_sync::audit::AuditKeyError::NotTheChainsKey { .. })
        ),
        "{refused:?}"
    );
}

const CREDENTIAL: &[u8] =
    b"%PDF-1.4\n% BMDC registration A-12345, Dr. Mizanur Rahman\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn upload_credential(c: &Clinic) -> StatusCode {
    c.s.http
        .post(format!(
            "{}/api/v1/doctors/{}/documents?purpose=credential",
            c.s.url, c.doctor
        ))
        .bearer_auth(&c.doctor_token)
        .body(CREDENTIAL.to_vec())
        .send()
        .await
        .unwrap()
        .status()
}

async fn a_doctors_credentials_are_sealed_at_rest_and_kept_within_a_quota(b: Backend) {
    let c = clinic(b, 0).await;
    let s = &c.s;
    assert_eq!(upload_credential(&c).await, StatusCode::CREATED);
    let in_the_clear = s
        .scalar(match b {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM doctor_document WHERE instr(content, CAST('BMDC' AS BLOB)) > 0"
                    .into()
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM doctor_document WHERE position('BMDC'::bytea in content) > 0"
                    .into()
            }
        })
        .await;
    assert_eq!(in_the_clear, 0, "nothing of the credential in the clear");
    // The admin who verifies reads the same bytes.
    let (_, list) = s
        .get(
            &format!("/api/v1/doctors/{}/documents?purpose=credential", c.doctor),
            Some(&c.admin),
        )
        .await;
    let id = list[0]["id"].as_str().unwrap();
    let read = s
        .http
        .get(format!(
            "{}/api/v1/doctors/{}/documents/{id}",
            s.url, c.doctor
        ))
        .bearer_auth(&c.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.bytes().await.unwrap().as_ref(), CREDENTIAL);
    // At most so many files of a kind a day.
    for _ in 1..clinic_core::doctor::DOCUMENTS_PER_PURPOSE_PER_DAY {
        assert_eq!(upload_credential(&c).await, StatusCode::CREATED);
    }
    assert_eq!(upload_credential(&c).await, StatusCode::CONFLICT);
}

async fn the_audit_viewer_pages_and_checks_from_its_last_checkpoint(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    let booked = push_one(
        s,
        &c.desk_a,
        book(1, 1, &c.patients[0], &c.doctor, Some(&local(1, 10, 0))),
    )
    .await;
    assert_eq!(reason(&booked), "applied", "{booked}");
    for _ in 0..5 {
        let path = format!("/api/v1/patients/{}/chart", c.patients[0]);
        assert_eq!(s.get(&path, Some(&c.doctor_token)).await.0, StatusCode::OK);
    }
    let view = |query: &'static str| {
        let c = &c;
        async move {
            let (status, page) =
                c.s.get(&format!("/api/v1/audit{query}"), Some(&c.admin))
                    .await;
            assert_eq!(status, StatusCode::OK, "{page}");
            page
        }
    };
    // The first view checks from the first entry and leaves a checkpoint at the newest.
    let first = view("?limit=2").await;
    assert_eq!(first["checked_from"], 1, "{first}");
    assert_eq!(first["total"], 5);
    let seqs: Vec<i64> = first["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [5, 4], "newest first, a page at a time");
    assert_eq!(first["older_than"], 4);
    let (_, older) = s
        .get("/api/v1/audit?limit=2&before=4", Some(&c.admin))
        .await;
    let seqs: Vec<i64> = older["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [3, 2]);
    // The next view checks from that checkpoint on.
    let again = view("").await;
    assert_eq!(again["checked_from"], 5, "{again}");
    assert_eq!(again["chain_broken"], Value::Null);
    // An entry removed before the checkpoint is found at once (the rows no longer count up)…
    s.exec("DELETE FROM audit_entry WHERE seq = 3").await;
    let quick = view("").await;
    let broken = quick["chain_broken"].as_str().expect("the gap is found");
    assert!(broken.contains("entry 3 is missing"), "{broken}");
    // …and one edited before it by the whole check.
    s.exec("UPDATE audit_entry SET actor = 'someone else' WHERE seq = 2")
        .await;
    let full = view("?full=true").await;
    let broken = full["chain_broken"].as_str().expect("the edit is found");
    assert!(broken.contains("entry 2 was altered"), "{broken}");
}

on_both_backends!(
    a_doctor_cannot_open_a_strangers_chart_by_booking_them,
    a_far_future_date_is_a_field_message_not_a_dropped_connection,
    control_characters_are_refused_in_every_text_field_on_both_databases,
    a_command_the_database_refuses_fails_alone_not_the_group_commit,
    a_desk_registers_only_in_the_series_the_server_granted_it,
    a_command_id_another_account_used_is_refused_without_its_answer,
    a_malformed_address_is_answered_in_the_error_shape_without_parser_details,
    a_doctor_reads_only_their_own_conversations_and_every_refusal_is_audited,
    a_desk_cannot_back_date_a_booking_into_a_slot_long_past,
    offline_reads_are_bounded_and_only_believed_for_charts_the_device_had,
    wrong_tries_from_elsewhere_never_keep_the_user_out,
    the_audit_chain_is_keyed_and_dropping_its_newest_entries_is_found,
    a_doctors_credentials_are_sealed_at_rest_and_kept_within_a_quota,
    the_audit_viewer_pages_and_checks_from_its_last_checkpoint,
);

/// TLS does not depend on the database: one run, on SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_speaks_tls_on_a_self_signed_certificate_it_makes_once() {
    use clinic_sync::settings::Settings;
    use clinic_sync::storage::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        data_dir: dir.path().to_owned(),
        tls_self_signed: true,
        ..Settings::default()
    };
    let storage = clinic_sync::SqliteStorage::connect(&settings.sqlite_path())
        .await
        .unwrap();
    storage.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(clinic_sync::serve(
        storage,
        settings,
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    let pem = loop {
        match std::fs::read(dir.path().join("tls/certificate.pem")) {
            Ok(pem) => break pem,
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    };
    let fingerprint = clinic_sync::tls::fingerprint(&pem).unwrap();
    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let mut answered = None;
    for _ in 0..50 {
        match trusting
            .get(format!("https://127.0.0.1:{port}/health"))
            .send()
            .await
        {
            Ok(response) => {
                answered = Some(response.status());
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    assert_eq!(
        answered,
        Some(StatusCode::OK),
        "https with the certificate trusted"
    );
    // A client that does not trust it hears nothing; plain http is not answered.
    let stranger = reqwest::Client::new();
    assert!(stranger
        .get(format!("https://127.0.0.1:{port}/health"))
        .send()
        .await
        .is_err());
    let plain = stranger
        .get(format!("http://127.0.0.1:{port}/health"))
        .send()
        .await;
    assert!(
        plain.is_err() || plain.is_ok_and(|r| !r.status().is_success()),
        "no health answer over plain http"
    );
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    // Made once: a restart keeps the certificate the desks pinned.
    let settings = Settings {
        data_dir: dir.path().to_owned(),
        tls_self_signed: true,
        ..Settings::default()
    };
    let again = settings.tls_files().unwrap().unwrap();
    let kept = clinic_sync::tls::fingerprint(&std::fs::read(again.certificate).unwrap()).unwrap();
    assert_eq!(kept, fingerprint);
}
