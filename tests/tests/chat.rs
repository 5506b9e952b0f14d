//! A conversation end to end between a doctor's desk and the patient build, the patient offline
//! for a while: the patient's message waits on their computer, the doctor's arrives meanwhile,
//! and when the patient is back both computers show the same two messages, in the same order,
//! none twice.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use clinic_tests::{App, Build, Relay, SyncServer, Workstation, ENTER};
use fantoccini::Locator;
use serde_json::{json, Value};

const DUTY_DOCTOR: &str = "Dr. Shafiq Hasan";

async fn api(
    server: &SyncServer,
    email: &str,
    password: &str,
) -> anyhow::Result<(reqwest::Client, String)> {
    let http = reqwest::Client::new();
    let grant: Value = http
        .post(format!("{}/api/v1/sessions", server.url))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await?
        .json()
        .await?;
    Ok((http, grant["token"].as_str().context("a token")?.to_owned()))
}

/// The conversation as a screen shows it: (text, waiting to send), top to bottom.
async fn shown(app: &App) -> anyhow::Result<Vec<(String, bool)>> {
    let mut out = Vec::new();
    for item in app
        .client()
        .find_all(Locator::Css("#messages li.message"))
        .await?
    {
        let body = item.find(Locator::Css(".body")).await?.text().await?;
        let class = item.attr("class").await?.unwrap_or_default();
        out.push((body, class.contains("waiting")));
    }
    Ok(out)
}

async fn wait_for_messages(
    app: &App,
    want: impl Fn(&[(String, bool)]) -> bool,
) -> anyhow::Result<Vec<(String, bool)>> {
    let start = Instant::now();
    loop {
        let now = shown(app).await.unwrap_or_default();
        if want(&now) {
            return Ok(now);
        }
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(30),
            "the conversation never showed what was expected: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_doctor_and_a_patient_converse_while_the_patient_is_offline_for_a_while(
) -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let logins = server.logins()?;
    let desk = logins
        .iter()
        .find(|l| l.role == "front_desk")
        .context("a desk")?;
    let duty = logins
        .iter()
        .find(|l| l.name == DUTY_DOCTOR)
        .context("the duty doctor")?;
    let patient = server.login("patient")?;

    // The front desk queues the demo patient as a walk-in for the duty doctor (today, always).
    let (http, token) = api(&server, &patient.email, &patient.password).await?;
    let own: Value = http
        .get(format!("{}/api/v1/sync/pull?after=0&limit=500", server.url))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let own_id = own["changes"]
        .as_array()
        .context("changes")?
        .iter()
        .find(|c| c["kind"] == "patient")
        .and_then(|c| c["id"].as_str())
        .context("the patient's own record")?
        .to_owned();
    let (http, token) = api(&server, &desk.email, &desk.password).await?;
    let doctors: Value = http
        .get(format!("{}/api/v1/doctors", server.url))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let doctor = doctors
        .as_array()
        .context("doctors")?
        .iter()
        .find(|d| d["display_name"] == DUTY_DOCTOR)
        .and_then(|d| d["id"].as_str())
        .context("the duty doctor")?
        .to_owned();
    let envelope = json!({"version": 1, "id": uuid::Uuid::now_v7(), "issued_at": Utc::now(),
        "issued_by": uuid::Uuid::nil(),
        "command": {"kind": "book_appointment", "appointment": uuid::Uuid::now_v7(),
                    "patient": own_id, "doctor": doctor, "consultation": "in_person",
                    "origin": "walk_in", "start": null}});
    let answer: Value = http
        .post(format!("{}/api/v1/sync/push", server.url))
        .bearer_auth(&token)
        .json(&json!({"commands": [envelope]}))
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(answer["outcomes"][0]["outcome"] == "applied", "{answer}");

    // The patient's computer reaches the server through a path that can be cut.
    let relay = Relay::start(server.port).await?;
    let patient_station = Workstation::new(&relay.url)?;
    let patient_app = patient_station.launch(Build::Patient).await?;
    patient_app
        .sign_in_by_keyboard(&patient.email, &patient.password)
        .await?;
    patient_app
        .click("#my-appointments button.open-chat")
        .await?;
    patient_app.wait_for("#chat").await?;

    let doctor_station = Workstation::new(&server.url)?;
    let doctor_app = doctor_station.launch(Build::Staff).await?;
    doctor_app
        .sign_in_by_keyboard(&duty.email, &duty.password)
        .await?;
    doctor_app
        .click(&format!(
            "#waiting-room tr[data-patient='{}'] button.open-chat",
            patient.name
        ))
        .await?;
    doctor_app.wait_for("#chat").await?;

    // The patient goes offline and writes: the message shows at once, waiting to be sent.
    relay.cut();
    patient_app
        .wait_for_text("#connection", |t| t == "Offline")
        .await?;
    patient_app.click("#chat-input").await?;
    patient_app
        .type_keys("The cough is worse at night. Should I come in?")
        .await?;
    patient_app.type_keys(ENTER).await?;
    wait_for_messages(&patient_app, |m| {
        m == [(
            "The cough is worse at night. Should I come in?".to_owned(),
            true,
        )]
    })
    .await?;
    patient_app.screenshot("44-patient-writes-offline").await?;

    // Meanwhile the doctor writes; it reaches the server (the patient cannot have it yet).
    doctor_app.click("#chat-input").await?;
    doctor_app
        .type_keys("Keep taking the syrup; I will call you at 6.")
        .await?;
    doctor_app.click("#chat-send").await?;
    wait_for_messages(&doctor_app, |m| {
        m == [(
            "Keep taking the syrup; I will call you at 6.".to_owned(),
            false,
        )]
    })
    .await?;
    // An empty message is named, and nothing is sent.
    doctor_app.click("#chat-send").await?;
    doctor_app
        .wait_for_text("#chat-error", |t| !t.is_empty())
        .await?;

    // The patient is back: both computers show both messages, in the server's order, none twice,
    // none waiting.
    relay.restore();
    let expected = |m: &[(String, bool)]| {
        m.len() == 2
            && m.iter().all(|(_, waiting)| !waiting)
            && m[0].0 == "Keep taking the syrup; I will call you at 6."
            && m[1].0 == "The cough is worse at night. Should I come in?"
    };
    let on_patient = wait_for_messages(&patient_app, expected).await?;
    let on_doctor = wait_for_messages(&doctor_app, expected).await?;
    assert_eq!(on_patient, on_doctor);
    patient_app.screenshot("45-patient-back-online").await?;
    doctor_app.screenshot("46-doctor-conversation").await?;

    // The doctor closes the conversation; the patient writes again: the doctor's day shows it
    // unread, and opening it reads it.
    doctor_app.click("#chat-close").await?;
    patient_app.click("#chat-input").await?;
    patient_app.type_keys("Thank you, doctor.").await?;
    patient_app.type_keys(ENTER).await?;
    let button = format!(
        "#waiting-room tr[data-patient='{}'] button.open-chat",
        patient.name
    );
    doctor_app
        .wait_for_text(&button, |t| t.ends_with("(1)"))
        .await?;
    doctor_app.screenshot("47-unread-message").await?;
    doctor_app.click(&button).await?;
    wait_for_messages(&doctor_app, |m| {
        m.len() == 3 && m[2].0 == "Thank you, doctor."
    })
    .await?;
    doctor_app.click("#chat-close").await?;
    doctor_app
        .wait_for_text(&button, |t| !t.contains('('))
        .await?;
    for app in [patient_app, doctor_app] {
        app.close().await?;
    }
    Ok(())
}
