//! Push, pull and events, in-process on a real loopback port, on SQLite and on PostgreSQL.

use std::collections::BTreeSet;

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const DESK_PW: &str = "front desk password";

/// An admin, a front-desk account, and a signed-in desk on device `device`.
async fn desk(s: &TestServer, email: &str, device: &str) -> (String, u64) {
    if s.count_accounts().await == 0 {
        s.admin(ADMIN, ADMIN_PW).await;
    }
    let admin = s.sign_in(ADMIN, ADMIN_PW).await;
    let _ = s
        .post(
            "/api/v1/accounts",
            Some(&admin),
            json!({"email": email, "display_name": "Reception", "role": "front_desk",
                   "password": DESK_PW}),
        )
        .await;
    let (status, grant) = s
        .post(
            "/api/v1/sessions",
            None,
            json!({"email": email, "password": DESK_PW, "device_id": device}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{grant}");
    assert_eq!(
        grant["lock_after_seconds"], 600,
        "the clinic's idle-lock rule travels"
    );
    (
        grant["token"].as_str().unwrap().to_owned(),
        grant["desk_code"]
            .as_u64()
            .expect("a desk gets a desk code"),
    )
}

fn command_id(n: u32) -> String {
    format!("0193a0c4-5c1e-7000-8000-{n:012}")
}

fn patient_id(n: u32) -> String {
    format!("0193a0c4-5c1e-7000-9000-{n:012}")
}

fn register(n: u32, patient: u32, number: &str, name: &str) -> Value {
    json!({"version": 1, "id": command_id(n), "issued_at": "2026-11-23T09:30:00Z",
           "issued_by": "0193a0c4-5c1e-7000-8000-ffffffffffff",
           "command": {"kind": "register_patient", "patient": patient_id(patient),
                       "patient_number": number,
                       "demographics": {"full_name": name, "sex": "female",
                                        "date_of_birth": "1990-04-14", "phone": "01712345678",
                                        "address": null, "emergency_contact": null}}})
}

fn update(n: u32, patient: &str, name: &str) -> Value {
    json!({"version": 1, "id": command_id(n), "issued_at": "2026-11-23T09:31:00Z",
           "issued_by": "0193a0c4-5c1e-7000-8000-ffffffffffff",
           "command": {"kind": "update_patient", "patient": patient,
                       "demographics": {"full_name": name, "sex": null, "date_of_birth": null,
                                        "phone": null, "address": null,
                                        "emergency_contact": null}}})
}

async fn push(s: &TestServer, token: &str, commands: Vec<Value>) -> (StatusCode, Value) {
    s.post(
        "/api/v1/sync/push",
        Some(token),
        json!({ "commands": commands }),
    )
    .await
}

async fn pull(s: &TestServer, token: &str, after: u64, limit: u32) -> Value {
    let (status, body) = s
        .get(
            &format!("/api/v1/sync/pull?after={after}&limit={limit}"),
            Some(token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn names(changes: &Value) -> Vec<String> {
    changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["demographics"]["full_name"].as_str().unwrap().to_owned())
        .collect()
}

async fn desks_get_their_own_codes_and_a_push_is_applied_once(b: Backend) {
    let s = TestServer::start(b).await;
    let device_a = "0193a0c4-5c1e-7000-a000-00000000000a";
    let (token, code_a) = desk(&s, "desk1@clinic.test", device_a).await;
    let (_, code_b) = desk(
        &s,
        "desk2@clinic.test",
        "0193a0c4-5c1e-7000-a000-00000000000b",
    )
    .await;
    let (_, again) = desk(&s, "desk1@clinic.test", device_a).await;
    assert!(code_a >= 2, "code 1 is the server's own");
    assert_ne!(code_a, code_b);
    assert_eq!(again, code_a, "a device keeps its code");

    let batch = vec![
        register(1, 1, &format!("{code_a}-0001"), "Rahima Khatun"),
        register(2, 2, &format!("{code_a}-0002"), "করিম উদ্দিন"),
        update(3, &patient_id(1), "Rahima Begum"),
    ];
    let (status, first) = push(&s, &token, batch.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let outcomes = first["outcomes"].as_array().unwrap();
    assert!(
        outcomes.iter().all(|o| o["outcome"] == "applied"),
        "{first}"
    );
    let seqs: Vec<u64> = outcomes
        .iter()
        .map(|o| o["seq"].as_u64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order: {seqs:?}");

    // The same batch again (an answer lost on the way): the same answers, nothing new.
    let (_, second) = push(&s, &token, batch).await;
    assert_eq!(second, first);
    let all = pull(&s, &token, 0, 100).await;
    assert_eq!(
        names(&all),
        vec!["Rahima Khatun", "করিম উদ্দিন", "Rahima Begum"]
    );
    assert_eq!(all["more"], false);
    assert_eq!(all["cursor"], seqs[2]);
    assert_eq!(
        all["changes"][2]["patient_number"],
        format!("{code_a}-0001"),
        "an update keeps the number"
    );

    // A full batch from a desk that was offline all morning fits in one push.
    let morning: Vec<Value> = (0..500)
        .map(|i| {
            register(
                100 + i,
                100 + i,
                &format!("{code_a}-{:04}", 100 + i),
                "Morning Walk-in",
            )
        })
        .collect();
    let (status, body) = push(&s, &token, morning).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["outcomes"].as_array().unwrap().len(), 500);

    // Pages: one at a time, each page says whether more wait.
    let page = pull(&s, &token, 0, 1).await;
    assert_eq!(names(&page), vec!["Rahima Khatun"]);
    assert_eq!(page["more"], true);
    let next = pull(&s, &token, page["cursor"].as_u64().unwrap(), 1).await;
    assert_eq!(names(&next), vec!["করিম উদ্দিন"]);
    let rest = pull(&s, &token, all["cursor"].as_u64().unwrap(), 1000).await;
    assert_eq!(rest["changes"].as_array().unwrap().len(), 500);
    let caught_up = pull(&s, &token, rest["cursor"].as_u64().unwrap(), 100).await;
    assert!(caught_up["changes"].as_array().unwrap().is_empty());
    assert_eq!(
        caught_up["restarted"],
        Value::Null,
        "a normal page says nothing of it"
    );

    // A device whose cursor is beyond this server's log (the server came back from an older
    // backup) is told, and gets the log from its start.
    let ahead = pull(&s, &token, 1_000_000, 2).await;
    assert_eq!(ahead["restarted"], true);
    assert_eq!(names(&ahead), vec!["Rahima Khatun", "করিম উদ্দিন"]);
}

async fn bad_commands_are_refused_one_by_one_and_the_rest_applied(b: Backend) {
    let s = TestServer::start(b).await;
    let (token, code) = desk(
        &s,
        "desk@clinic.test",
        "0193a0c4-5c1e-7000-a000-00000000000a",
    )
    .await;
    let (_, _) = push(
        &s,
        &token,
        vec![register(1, 1, &format!("{code}-0001"), "Ayesha")],
    )
    .await;
    let mut invalid = register(4, 4, &format!("{code}-0004"), "");
    invalid["command"]["demographics"]["date_of_birth"] = json!("2999-01-01");
    let batch = vec![
        json!({"version": 1, "id": command_id(2), "command": {"kind": "teleport_patient"}}),
        json!({"version": 9, "id": command_id(3), "command": {"kind": "from_the_future"}}),
        invalid,
        register(5, 5, &format!("{code}-0001"), "Number Thief"),
        register(6, 1, &format!("{code}-0006"), "Same Patient Again"),
        update(7, &patient_id(99), "Nobody"),
        json!(42),
        register(8, 8, &format!("{code}-0008"), "Valid Among Bad"),
        register(9, 9, "1-0042", "Server Number"),
    ];
    let (status, body) = push(&s, &token, batch).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let o = body["outcomes"].as_array().unwrap();
    let reason = |i: usize| {
        (
            o[i]["reason"].as_str().unwrap_or("-"),
            o[i]["status"].as_u64(),
        )
    };
    assert_eq!(reason(0), ("malformed", Some(400)));
    assert_eq!(o[0]["id"], command_id(2));
    assert_eq!(reason(1), ("unsupported_version", Some(400)));
    assert!(o[1]["message"].as_str().unwrap().contains("newer version"));
    assert_eq!(reason(2), ("invalid", Some(422)));
    let fields: BTreeSet<&str> = o[2]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, BTreeSet::from(["full_name", "date_of_birth"]));
    assert_eq!(reason(3), ("patient_number_taken", Some(409)));
    assert_eq!(reason(4), ("already_registered", Some(409)));
    assert_eq!(reason(5), ("unknown_patient", Some(409)));
    assert_eq!(reason(6), ("malformed", Some(400)));
    assert_eq!(o[6]["id"], Value::Null);
    assert_eq!(o[7]["outcome"], "applied");
    assert_eq!(
        reason(8),
        ("invalid", Some(422)),
        "code 1 is the server's own"
    );
    assert_eq!(o[8]["fields"][0]["field"], "patient_number");
    assert_eq!(
        names(&pull(&s, &token, 0, 100).await),
        vec!["Ayesha", "Valid Among Bad"],
        "only the valid commands changed the registry"
    );

    // Whole-request mistakes: not JSON, not the shape, too many commands, no session.
    let (status, body) = s
        .send(
            reqwest::Method::POST,
            "/api/v1/sync/push",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = s
        .post("/api/v1/sync/push", Some(&token), json!({"changes": []}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("commands"),
        "{body}"
    );
    let many: Vec<Value> = (0..1001).map(|i| json!({"n": i})).collect();
    let (status, body) = push(&s, &token, many).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("at most 1000"),
        "{body}"
    );
    let (status, _) = s
        .post("/api/v1/sync/push", None, json!({"commands": []}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = s
        .get("/api/v1/sync/pull?after=minus-one", Some(&token))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("“after”"),
        "{body}"
    );
}

async fn a_patient_receives_and_may_change_only_their_own_record(b: Backend) {
    let s = TestServer::start(b).await;
    let (desk_token, code) = desk(
        &s,
        "desk@clinic.test",
        "0193a0c4-5c1e-7000-a000-00000000000a",
    )
    .await;
    let (_, _) = push(
        &s,
        &desk_token,
        vec![register(1, 1, &format!("{code}-0001"), "Walk In")],
    )
    .await;
    let (status, _) = s.sign_up("rahima@example.com", "রহিমা খাতুন").await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = s.sign_up("karim@example.com", "Karim Uddin").await;
    assert_eq!(status, StatusCode::CREATED);
    let rahima = s
        .sign_in("rahima@example.com", "a long patient password")
        .await;
    let karim = s
        .sign_in("karim@example.com", "a long patient password")
        .await;

    let mine = pull(&s, &rahima, 0, 100).await;
    assert_eq!(names(&mine), vec!["রহিমা খাতুন"]);
    let own_id = mine["changes"][0]["id"].as_str().unwrap().to_owned();
    assert!(mine["changes"][0]["patient_number"]
        .as_str()
        .unwrap()
        .starts_with("1-"));
    let staff_view = pull(&s, &desk_token, 0, 100).await;
    assert_eq!(
        names(&staff_view),
        vec!["Walk In", "রহিমা খাতুন", "Karim Uddin"]
    );
    let karim_id = staff_view["changes"][2]["id"].as_str().unwrap().to_owned();

    // Karim may not change Rahima's record, nor a walk-in's, nor register anyone.
    let (_, body) = push(
        &s,
        &karim,
        vec![
            update(2, &own_id, "Hijacked"),
            update(3, &patient_id(1), "Hijacked"),
            update(4, &patient_id(77), "Probe"),
            register(5, 5, "1-0099", "Self Made"),
            update(6, &karim_id, "Karim Uddin Ahmed"),
        ],
    )
    .await;
    let o = body["outcomes"].as_array().unwrap();
    for refused in &o[..4] {
        assert_eq!(refused["status"], 403, "{refused}");
        assert_eq!(refused["reason"], "forbidden");
    }
    assert_eq!(o[4]["outcome"], "applied");
    let after = pull(&s, &rahima, 0, 100).await;
    assert_eq!(names(&after), vec!["রহিমা খাতুন"], "Rahima sees only herself");
    let (_, me) = s.get("/api/v1/me", Some(&karim)).await;
    assert_eq!(me["account"]["display_name"], "Karim Uddin Ahmed");
}

/// Many pushes commit concurrently while pullers advance their cursors; every puller must end
/// with every change exactly once. A change log numbered by a plain sequence on PostgreSQL fails
/// this: a later number can commit first, a puller moves past the earlier one, and never sees it.
async fn pull_never_skips_a_change_that_commits_late(b: Backend) {
    let s = std::sync::Arc::new(TestServer::start(b).await);
    let (token, code) = desk(
        &s,
        "desk@clinic.test",
        "0193a0c4-5c1e-7000-a000-00000000000a",
    )
    .await;
    let pushers = 6;
    let batches = 8;
    let per_batch = 4;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut pullers = Vec::new();
    for _ in 0..3 {
        let (s, token, done) = (s.clone(), token.clone(), done.clone());
        pullers.push(tokio::spawn(async move {
            let mut cursor = 0;
            let mut seen = Vec::new();
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let page = pull(&s, &token, cursor, 7).await;
                for c in page["changes"].as_array().unwrap() {
                    seen.push(c["seq"].as_u64().unwrap());
                }
                cursor = page["cursor"].as_u64().unwrap();
                if finished && page["more"] == false {
                    return seen;
                }
            }
        }));
    }
    let mut tasks = Vec::new();
    for p in 0..pushers {
        let (s, token) = (s.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            for b in 0..batches {
                let batch = (0..per_batch)
                    .map(|i| {
                        let n = (p * 1000 + b * 10 + i) as u32 + 10;
                        register(n, n, &format!("{code}-{n:04}"), "Concurrent Patient")
                    })
                    .collect();
                let (status, body) = push(&s, &token, batch).await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let total = pushers * batches * per_batch;
    for puller in pullers {
        let seen = puller.await.unwrap();
        let unique: BTreeSet<u64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "no change twice");
        assert_eq!(
            unique,
            (1..=total as u64).collect::<BTreeSet<_>>(),
            "every change, none skipped"
        );
    }
}

async fn events_announce_each_move_of_the_change_log(b: Backend) {
    let s = TestServer::start(b).await;
    let (token, code) = desk(
        &s,
        "desk@clinic.test",
        "0193a0c4-5c1e-7000-a000-00000000000a",
    )
    .await;
    let client = clinic_sync_client::SyncClient::new(&s.url);
    let mut events = client.events(&token).await.unwrap();
    let first = events.next_head().await.unwrap();
    assert_eq!(first, Some(0), "an event at once, with the head");
    let (_, _) = push(
        &s,
        &token,
        vec![register(1, 1, &format!("{code}-0001"), "Poked")],
    )
    .await;
    let next = tokio::time::timeout(std::time::Duration::from_secs(5), events.next_head())
        .await
        .expect("an event within seconds")
        .unwrap();
    assert_eq!(next, Some(1));
    let (status, _) = s.get("/api/v1/sync/events", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

on_both_backends!(
    desks_get_their_own_codes_and_a_push_is_applied_once,
    bad_commands_are_refused_one_by_one_and_the_rest_applied,
    a_patient_receives_and_may_change_only_their_own_record,
    pull_never_skips_a_change_that_commits_late,
    events_announce_each_move_of_the_change_log,
);
