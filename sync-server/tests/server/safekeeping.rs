//! Bad input refused without harm, the database's own refusals isolated, the audit chain keyed and checked, credentials sealed, TLS — each pinned by a test that failed before its fix.

use clinic_core::account::FieldProblem;

use crate::common::clinic::*;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Makes the database itself refuse a patient named `name` (a stand-in for any write a
/// database refuses that the rules let through).
pub(crate) async fn database_refuses_the_name(s: &TestServer, b: Backend, name: &str) {
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

pub(crate) async fn chain_broken(c: &Clinic) -> Option<String> {
    let (status, page) = c.s.get("/api/v1/audit", Some(&c.admin)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["chain_broken"].as_str().map(str::to_owned)
}

pub(crate) const CREDENTIAL: &[u8] =
    b"%PDF-1.4\n% BMDC registration A-12345, Dr. Mizanur Rahman\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

pub(crate) async fn upload_credential(c: &Clinic) -> StatusCode {
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
        assert_eq!(
            answer(&outcome),
            Refused(RejectionReason::Invalid),
            "{start:?}: {outcome:?}"
        );
        assert_eq!(refusal(&outcome).fields[0].field, "start", "{outcome:?}");
    }
    let outcome = push_one(
        s,
        &c.desk_a,
        book(3, 3, &c.patients[0], &c.doctor, Some(&local(1, 10, 0))),
    )
    .await;
    assert_eq!(answer(&outcome), Applied, "{outcome:?}");
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
    assert_eq!(
        answer(&outcome),
        Refused(RejectionReason::Invalid),
        "{outcome:?}"
    );
    let field = &refusal(&outcome).fields[0];
    assert_eq!(field.field, "email", "{outcome:?}");
    assert_eq!(
        field.problem,
        FieldProblem::InvalidCharacters,
        "{outcome:?}"
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
        bad.iter().map(answer).collect::<Vec<_>>(),
        [Applied, Refused(RejectionReason::NotStorable), Applied],
        "{bad:?}"
    );
    for outcomes in others {
        assert_eq!(answer(&outcomes[0]), Applied, "{outcomes:?}");
    }
    let count = s.scalar("SELECT COUNT(*) FROM patient".to_owned()).await;
    assert_eq!(count, 8, "two of the bad desk's, six of the others'");

    // The same, certainly in one group: the group commit itself, called as the writer calls it.
    let (_, me) = s.get("/api/v1/me", Some(&bad_desk)).await;
    let actor = clinic_core::Actor::User {
        id: me["account"]["id"].as_str().unwrap().parse().unwrap(),
        role: clinic_core::Role::FrontDesk,
    };
    let pusher = |code: u64| clinic_sync::sync::queue::Pusher::user(actor, Some(code as u32));
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
        currency: clinic_core::money::Currency::BDT,
    };
    let answers = match &s.storage {
        AnyStorage::Sqlite(st) => clinic_sync::sync::queue::write_group(st, group, rules).await,
        AnyStorage::Postgres(st) => clinic_sync::sync::queue::write_group(st, group, rules).await,
    };
    let said: Vec<Vec<Answer>> = answers
        .into_iter()
        .map(|answered| {
            answered
                .expect("each push answered")
                .0
                .iter()
                .map(answer)
                .collect()
        })
        .collect();
    assert_eq!(
        said,
        [
            vec![Refused(RejectionReason::NotStorable), Applied],
            vec![Applied]
        ]
    );
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

async fn the_audit_chain_is_keyed_and_dropping_its_newest_entries_is_found(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    let booked = push_one(
        s,
        &c.desk_a,
        book(1, 1, &c.patients[0], &c.doctor, Some(&local(1, 10, 0))),
    )
    .await;
    assert_eq!(answer(&booked), Applied, "{booked:?}");
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
    assert_eq!(answer(&booked), Applied, "{booked:?}");
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

on_both_backends!(
    a_far_future_date_is_a_field_message_not_a_dropped_connection,
    control_characters_are_refused_in_every_text_field_on_both_databases,
    a_command_the_database_refuses_fails_alone_not_the_group_commit,
    a_malformed_address_is_answered_in_the_error_shape_without_parser_details,
    the_audit_chain_is_keyed_and_dropping_its_newest_entries_is_found,
    a_doctors_credentials_are_sealed_at_rest_and_kept_within_a_quota,
    the_audit_viewer_pages_and_checks_from_its_last_checkpoint,
);
