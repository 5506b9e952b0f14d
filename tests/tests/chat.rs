//! A conversation end to end between a doctor's desk and the patient build, the patient offline
//! for a while: the patient's message waits on their computer, the doctor's arrives meanwhile,
//! and when the patient is back both computers show the same two messages, in the same order,
//! none twice.

use std::time::{Duration, Instant};

use anyhow::Context;
use clinic_tests::{App, Build, Relay, SyncServer, Workstation, ENTER};
use fantoccini::Locator;

const DUTY_DOCTOR: &str = "Dr. Shafiq Hasan";

/// The conversation as a screen shows it: (text, waiting to send), top to bottom.
async fn shown(app: &App) -> anyhow::Result<Vec<(String, bool)>> {
    let mut out = Vec::new();
    for item in app
        .client()
        .find_all(Locator::Css("#messages li.message"))
        .await?
    {
        // A message's text, or its file's name.
        let mut body = String::new();
        for part in item.find_all(Locator::Css(".body, .file-name")).await? {
            body.push_str(&part.text().await?);
        }
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
    let duty = logins
        .iter()
        .find(|l| l.name == DUTY_DOCTOR)
        .context("the duty doctor")?;
    let patient = server.login("patient")?;

    // The front desk queues the demo patient as a walk-in for the duty doctor (today, always).
    server.walk_in_demo_patient(DUTY_DOCTOR).await?;

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

    // Files. Offline, a file is not sent and the patient is told why.
    let report =
        std::fs::read(clinic_tests::workspace_root().join("tests/fixtures/blood-report.pdf"))?;
    relay.cut();
    patient_app
        .wait_for_text("#connection", |t| t == "Offline")
        .await?;
    patient_app
        .choose_file("chat-attach", "blood-report.pdf", &report)
        .await?;
    let offline = patient_app
        .wait_for_text("#chat-file-error", |t| {
            t.contains("clinic server can be reached")
        })
        .await?;
    assert!(offline.contains("not sent"), "{offline}");
    relay.restore();
    patient_app
        .wait_for_text("#connection", |t| t != "Offline")
        .await?;
    // An archive named like a PDF is refused for what it is, before it leaves the computer.
    patient_app
        .choose_file(
            "chat-attach",
            "report.pdf",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00an archive",
        )
        .await?;
    let refused = patient_app
        .wait_for_text("#chat-file-error", |t| !t.is_empty())
        .await?;
    assert!(refused.contains("application/zip"), "{refused}");
    // The first real file asks the patient's consent to the clinic keeping files; agreeing
    // sends it.
    patient_app
        .choose_file("chat-attach", "blood-report.pdf", &report)
        .await?;
    patient_app.wait_for("#chat-consent").await?;
    patient_app.screenshot("48-patient-file-consent").await?;
    patient_app.click("#chat-consent .give-consent").await?;
    let with_file = |m: &[(String, bool)]| {
        m.len() == 4 && m[3].0.starts_with("message-") && m[3].0.ends_with(".pdf") && !m[3].1
    };
    let on_patient = wait_for_messages(&patient_app, with_file).await?;
    // The doctor reads it and saves it: the same bytes (read from the server, audited there).
    doctor_app
        .wait_for_text(&button, |t| t.ends_with("(1)"))
        .await?;
    doctor_app.click(&button).await?;
    let on_doctor = wait_for_messages(&doctor_app, with_file).await?;
    assert_eq!(on_patient, on_doctor);
    doctor_app
        .click("#messages li.message .attachment-open")
        .await?;
    let saved = doctor_app
        .wait_for_text("#chat-file-saved", |t| t.contains(".pdf"))
        .await?;
    let path = saved
        .split_once(": ")
        .or_else(|| saved.split_once(" in "))
        .map(|(_, p)| p.trim().to_owned())
        .unwrap_or_default();
    assert_eq!(std::fs::read(&path)?, report, "{path}");
    doctor_app
        .screenshot("49-doctor-saves-the-patients-file")
        .await?;

    // The patient's side counts unread messages too.
    patient_app.click("#chat-close").await?;
    doctor_app.click("#chat-input").await?;
    doctor_app.type_keys("The report looks normal.").await?;
    doctor_app.type_keys(ENTER).await?;
    let patient_button = "#my-appointments button.open-chat";
    patient_app
        .wait_for_text(patient_button, |t| t.ends_with("(1)"))
        .await?;
    patient_app.click(patient_button).await?;
    wait_for_messages(&patient_app, |m| {
        m.len() == 5 && m[4].0 == "The report looks normal."
    })
    .await?;
    for app in [patient_app, doctor_app] {
        app.close().await?;
    }
    Ok(())
}

#[tokio::test]
async fn where_the_clinic_allows_it_the_front_desk_answers_in_a_conversation() -> anyhow::Result<()>
{
    let server = SyncServer::start_demo_with(&[("CLINIC_SYNC_DESK_IN_CONVERSATIONS", "true")])?;
    let logins = server.logins()?;
    let desk = logins
        .iter()
        .find(|l| l.role == "front_desk")
        .context("a desk")?;
    let patient = server.login("patient")?;
    server.walk_in_demo_patient(DUTY_DOCTOR).await?;

    let patient_station = Workstation::new(&server.url)?;
    let patient_app = patient_station.launch(Build::Patient).await?;
    patient_app
        .sign_in_by_keyboard(&patient.email, &patient.password)
        .await?;
    patient_app
        .click("#my-appointments button.open-chat")
        .await?;
    patient_app.click("#chat-input").await?;
    patient_app.type_keys("Is the doctor in today?").await?;
    patient_app.type_keys(ENTER).await?;

    // The front desk sees the conversation on the day's list and answers.
    let desk_station = Workstation::new(&server.url)?;
    let desk_app = desk_station.launch(Build::Staff).await?;
    desk_app
        .sign_in_by_keyboard(&desk.email, &desk.password)
        .await?;
    let button = format!(
        "#waiting-room tr[data-patient='{}'] button.open-chat",
        patient.name
    );
    desk_app
        .wait_for_text(&button, |t| t.ends_with("(1)"))
        .await?;
    desk_app.click(&button).await?;
    wait_for_messages(&desk_app, |m| {
        m.len() == 1 && m[0].0 == "Is the doctor in today?"
    })
    .await?;
    desk_app.click("#chat-input").await?;
    desk_app
        .type_keys("Yes — he is running 20 minutes late.")
        .await?;
    desk_app.type_keys(ENTER).await?;
    // The patient sees the answer, marked as the front desk's.
    patient_app
        .wait_for_text("#messages li.message:last-child", |t| {
            t.contains("Front desk") && t.contains("20 minutes late")
        })
        .await?;
    patient_app.screenshot("76-front-desk-answers").await?;
    for app in [patient_app, desk_app] {
        app.close().await?;
    }
    Ok(())
}
