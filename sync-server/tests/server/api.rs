//! The server's API, in-process on a real loopback port with a real HTTP client, run once against
//! the embedded SQLite and once against PostgreSQL (`CLINIC_TEST_POSTGRES_URL`, which
//! scripts/test.sh starts). Every test below runs on both.

use crate::common::*;
use clinic_sync::accounts;
use clinic_sync::settings::Settings;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn health_answers_with_the_backend(b: Backend) {
    let s = TestServer::start(b).await;
    let (status, body) = s.get("/health", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    let expected = match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(body["database"], expected);
}

async fn sign_in_me_and_sign_out(b: Backend) {
    let s = TestServer::start(b).await;
    s.admin(ADMIN, ADMIN_PW).await;
    let token = s.sign_in("  Admin@Clinic.test ", ADMIN_PW).await;
    let (status, me) = s.get("/api/v1/me", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["account"]["email"], ADMIN);
    assert_eq!(me["account"]["role"], "admin");
    assert_eq!(me["patient_profile"], Value::Null);
    let (status, _) = s
        .send(
            reqwest::Method::DELETE,
            "/api/v1/sessions/current",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = s.get("/api/v1/me", Some(&token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "session_expired");
}

async fn a_wrong_password_and_an_unknown_account_look_the_same(b: Backend) {
    let s = TestServer::start(b).await;
    s.admin(ADMIN, ADMIN_PW).await;
    let wrong = s
        .post(
            "/api/v1/sessions",
            None,
            json!({"email": ADMIN, "password": "not the password"}),
        )
        .await;
    let unknown = s
        .post(
            "/api/v1/sessions",
            None,
            json!({"email": "nobody@clinic.test", "password": "not the password"}),
        )
        .await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong, unknown,
        "same status and body: the answer does not reveal who exists"
    );
    assert_eq!(wrong.1["code"], "invalid_credentials");
    assert!(wrong.1["message"]
        .as_str()
        .unwrap()
        .contains("email or password"));
}

async fn sign_in_attempts_are_limited_with_a_human_message(b: Backend) {
    let s = TestServer::start(b).await;
    s.admin(ADMIN, ADMIN_PW).await;
    for _ in 0..5 {
        let (status, _) = s
            .post(
                "/api/v1/sessions",
                None,
                json!({"email": ADMIN, "password": "guess guess"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let res = s
        .http
        .post(format!("{}/api/v1/sessions", s.url))
        .json(&json!({"email": ADMIN, "password": ADMIN_PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=12).contains(&retry), "{retry}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "too_many_attempts");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Too many sign-in attempts. Wait "),
        "{body}"
    );
}

async fn a_patient_signs_up_sees_and_edits_their_profile(b: Backend) {
    let s = TestServer::start(b).await;
    let (status, grant) = s.sign_up("rahima@example.com", "রহিমা খাতুন").await;
    assert_eq!(status, StatusCode::CREATED, "{grant}");
    assert_eq!(grant["account"]["role"], "patient");
    let token = grant["token"].as_str().unwrap();
    let (status, me) = s.get("/api/v1/me", Some(token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["patient_profile"]["full_name"], "রহিমা খাতুন");
    assert_eq!(me["patient_profile"]["date_of_birth"], "1990-04-14");
    let (status, updated) = s
        .send(
            reqwest::Method::PUT,
            "/api/v1/me/profile",
            Some(token),
            Some(
                json!({"full_name": "Rahima Khatun", "address": "House 4, Road 2, Mirpur, Dhaka"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let (_, me) = s.get("/api/v1/me", Some(token)).await;
    assert_eq!(
        me["patient_profile"]["address"],
        "House 4, Road 2, Mirpur, Dhaka"
    );
    assert_eq!(
        me["patient_profile"]["phone"],
        Value::Null,
        "a full replace: fields left empty are cleared"
    );
    assert_eq!(me["account"]["display_name"], "Rahima Khatun");
    let (status, body) = s.sign_up("RAHIMA@example.com", "Someone Else").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["fields"][0],
        json!({"field": "email", "problem": "already_registered"})
    );
}

async fn a_short_password_at_sign_up_is_a_field_message(b: Backend) {
    let s = TestServer::start(b).await;
    let (status, body) = s
        .post(
            "/api/v1/patients",
            None,
            json!({"email": "a@b.co", "password": "short", "full_name": "Karim"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "validation");
    assert_eq!(
        body["fields"],
        json!([{"field": "password", "problem": "too_short", "min": 10}])
    );
    assert_eq!(s.count_accounts().await, 0);
}

async fn malformed_and_oversized_bodies_are_refused_and_write_nothing(b: Backend) {
    let s = TestServer::start(b).await;
    let raw = |body: String, content_type: &'static str| {
        s.http
            .post(format!("{}/api/v1/patients", s.url))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let res = raw(
        "{\"email\": \"a@b.co\", \"password\": ".into(),
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "bad_request");
    assert!(
        body["message"].as_str().unwrap().contains("not valid JSON"),
        "{body}"
    );

    let res = raw("{\"email\": 5}".into(), "application/json")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("expected fields"),
        "{body}"
    );

    let res = raw("email=a".into(), "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    let huge = format!(
        "{{\"email\": \"big@b.co\", \"password\": \"a long patient password\", \"full_name\": \"{}\"}}",
        "x".repeat(200 * 1024)
    );
    let res = raw(huge, "application/json").await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "payload_too_large");
    assert!(
        body["message"].as_str().unwrap().contains("64 KiB"),
        "{body}"
    );
    assert_eq!(s.count_accounts().await, 0, "nothing was written");
    // The server closes a connection whose body it refused to read; a new one is served normally.
    let fresh = reqwest::Client::new();
    let health = fresh.get(format!("{}/health", s.url)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "the server is unaffected");
}

async fn a_patient_calling_a_staff_endpoint_gets_403_and_nothing_else(b: Backend) {
    let s = TestServer::start(b).await;
    s.admin(ADMIN, ADMIN_PW).await;
    let (_, grant) = s.sign_up("p@example.com", "Patient One").await;
    let token = grant["token"].as_str().unwrap();
    let (status, body) = s.get("/api/v1/accounts", Some(token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({"code": "forbidden", "message": "Your account is not allowed to do this."})
    );
    let (status, _) = s
        .post("/api/v1/accounts", Some(token),
              json!({"email": "x@clinic.test", "display_name": "X", "role": "admin", "password": "long enough pass"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(s.count_accounts().await, 2);
    let (status, body) = s.get("/api/v1/accounts", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "not_signed_in");
}

async fn an_admin_creates_staff_and_unknown_roles_are_refused(b: Backend) {
    let s = TestServer::start(b).await;
    s.admin(ADMIN, ADMIN_PW).await;
    let token = s.sign_in(ADMIN, ADMIN_PW).await;
    let (status, body) = s
        .post("/api/v1/accounts", Some(&token),
              json!({"email": "boss@clinic.test", "display_name": "Boss", "role": "superuser", "password": "long enough pass"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["fields"],
        json!([{"field": "role", "problem": "unknown_role"}])
    );
    let (status, body) = s
        .post("/api/v1/accounts", Some(&token),
              json!({"email": "desk@clinic.test", "display_name": "Shirin Sultana", "role": "front_desk", "password": "desk password 1"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let desk = s.sign_in("desk@clinic.test", "desk password 1").await;
    let (_, me) = s.get("/api/v1/me", Some(&desk)).await;
    assert_eq!(me["account"]["role"], "front_desk");
    assert_eq!(me["account"]["display_name"], "Shirin Sultana");
    let (status, list) = s.get("/api/v1/accounts", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(
        list.to_string().find("password").is_none(),
        "no hashes leave the server"
    );
}

async fn an_account_with_an_unknown_role_is_refused(b: Backend) {
    let s = TestServer::start(b).await;
    s.admin(ADMIN, ADMIN_PW).await;
    let token = s.sign_in(ADMIN, ADMIN_PW).await;
    s.exec("UPDATE account SET role = 'superuser'").await;
    let (status, body) = s.get("/api/v1/me", Some(&token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "forbidden");
    let (status, _) = s.get("/api/v1/accounts", Some(&token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = s
        .post(
            "/api/v1/sessions",
            None,
            json!({"email": ADMIN, "password": ADMIN_PW}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.get("token").is_none());
}

async fn an_expired_session_asks_to_sign_in_again(b: Backend) {
    let s = TestServer::start(b).await;
    s.admin(ADMIN, ADMIN_PW).await;
    let token = s.sign_in(ADMIN, ADMIN_PW).await;
    s.exec("UPDATE session SET expires_at = 1000").await;
    let (status, body) = s.get("/api/v1/me", Some(&token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["message"],
        "Your session has ended. Please sign in again."
    );
    let (status, _) = s.get("/api/v1/me", Some("made-up-token")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn the_demo_clinic_is_seeded_once(b: Backend) {
    let s = TestServer::start(b).await;
    let dir = tempfile::tempdir().unwrap();
    let (credentials, file) = s
        .seed_demo(dir.path())
        .await
        .unwrap()
        .expect("an empty clinic is seeded");
    assert_eq!(credentials.len(), 60);
    let count = |role| credentials.iter().filter(|c| c.role == role).count();
    use clinic_core::Role::*;
    assert_eq!(
        (
            count(Admin),
            count(Doctor),
            count(FrontDesk),
            count(Patient)
        ),
        (1, 7, 2, 50)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 60);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let desk = credentials.iter().find(|c| c.role == FrontDesk).unwrap();
    let token = s.sign_in(&desk.email, &desk.password).await;
    let (status, doctors) = s.get("/api/v1/doctors", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doctors.as_array().unwrap().len(), 7);
    assert!(!doctors[0]["weekly_hours"].as_array().unwrap().is_empty());
    assert!(
        s.seed_demo(dir.path()).await.unwrap().is_none(),
        "a clinic with accounts is left alone"
    );
    assert_eq!(s.count_accounts().await, 60);
}

async fn a_duplicate_email_is_a_storage_error_not_a_crash(b: Backend) {
    let s = TestServer::start(b).await;
    s.admin(ADMIN, ADMIN_PW).await;
    let again = match &s.storage {
        AnyStorage::Sqlite(st) => accounts::create_admin(st, ADMIN, "Again", ADMIN_PW).await,
        AnyStorage::Postgres(st) => accounts::create_admin(st, ADMIN, "Again", ADMIN_PW).await,
    };
    let err = again.unwrap_err().to_string();
    assert!(err.contains("already registered"), "{err}");
}

async fn unknown_paths_and_wrong_methods_answer_in_json(b: Backend) {
    let s = TestServer::start(b).await;
    let (status, body) = s.get("/api/v1/nothing-here", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "not_found");
    let (status, body) = s.get("/api/v1/patients", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["code"], "bad_request");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("does not accept"),
        "{body}"
    );
}

async fn sign_ups_from_one_address_are_limited(b: Backend) {
    let settings = Settings {
        sign_in_attempts_per_minute_per_address: 3,
        ..Settings::default()
    };
    let s = TestServer::start_with(b, settings).await;
    for n in 0..3 {
        let (status, body) = s.sign_up(&format!("p{n}@example.com"), "Patient").await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = s.sign_up("p9@example.com", "Patient").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "too_many_attempts");
    assert_eq!(
        s.count_accounts().await,
        3,
        "the refused sign-up wrote nothing"
    );
}

on_both_backends!(
    health_answers_with_the_backend,
    sign_in_me_and_sign_out,
    a_wrong_password_and_an_unknown_account_look_the_same,
    sign_in_attempts_are_limited_with_a_human_message,
    a_patient_signs_up_sees_and_edits_their_profile,
    a_short_password_at_sign_up_is_a_field_message,
    malformed_and_oversized_bodies_are_refused_and_write_nothing,
    a_patient_calling_a_staff_endpoint_gets_403_and_nothing_else,
    an_admin_creates_staff_and_unknown_roles_are_refused,
    an_account_with_an_unknown_role_is_refused,
    an_expired_session_asks_to_sign_in_again,
    the_demo_clinic_is_seeded_once,
    a_duplicate_email_is_a_storage_error_not_a_crash,
    unknown_paths_and_wrong_methods_answer_in_json,
    sign_ups_from_one_address_are_limited,
);
