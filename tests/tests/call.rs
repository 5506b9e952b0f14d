//! A video call end to end: the server is set to a self-hosted Jitsi with tokens — a stand-in
//! page on the loopback. The doctor's desk joins a video appointment (first noting the patient's
//! spoken consent, without which no call opens); the real call window loads
//! the stand-in, which reports the room and token it was opened with (the test checks both
//! against the server's secret), that the app's commands do not answer there, and that it could
//! neither open a window nor go elsewhere.

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clinic_tests::{Build, JitsiStandIn, ServerApi, SyncServer, Workstation};
use serde_json::{json, Value};

const DUTY_DOCTOR: &str = "Dr. Shafiq Hasan";
const APP_ID: &str = "clinic-desk-test";
const SECRET: &str = "a stand-in secret of at least thirty-two characters";

fn is_today_in_dhaka(start: &DateTime<Utc>) -> bool {
    let tz = chrono_tz::Asia::Dhaka;
    start.with_timezone(&tz).date_naive() == Utc::now().with_timezone(&tz).date_naive()
}

#[tokio::test]
async fn the_doctor_joins_a_video_call_in_a_window_that_holds_only_the_call() -> anyhow::Result<()>
{
    let stand_in = JitsiStandIn::start().await?;
    let server = SyncServer::start_demo_with(&[
        ("CLINIC_SYNC_JITSI_URL", stand_in.url.as_str()),
        ("CLINIC_SYNC_JITSI_APP_ID", APP_ID),
        ("CLINIC_SYNC_JITSI_APP_SECRET", SECRET),
    ])?;
    let logins = server.logins()?;
    let desk = logins
        .iter()
        .find(|l| l.role == "front_desk")
        .context("a front desk")?;
    let duty = logins
        .iter()
        .find(|l| l.name == DUTY_DOCTOR)
        .context("the demo clinic has a duty doctor")?;

    // A video appointment with the duty doctor in the next free slot (a video walk-in when the
    // next slot is already tomorrow in Dhaka, so the doctor's day shows it either way).
    let api = ServerApi::sign_in(&server.url, desk).await?;
    let doctor = api.doctor_id(DUTY_DOCTOR).await?;
    let slots = api
        .get(&format!("/api/v1/doctors/{doctor}/slots?kind=video&days=1"))
        .await?;
    let start: DateTime<Utc> = slots[0]["start"]
        .as_str()
        .context("a free video slot")?
        .parse()?;
    let patient = api
        .patients()
        .await?
        .into_iter()
        .next()
        .context("a demo patient")?;
    let walk_in = !is_today_in_dhaka(&start);
    let outcome = api
        .push(
            json!({"kind": "book_appointment", "appointment": uuid::Uuid::now_v7(),
                     "patient": patient["id"], "doctor": doctor, "consultation": "video",
                     "origin": if walk_in { "walk_in" } else { "booked" },
                     "start": if walk_in { Value::Null } else { json!(start) }}),
        )
        .await?;
    anyhow::ensure!(outcome["outcome"] == "applied", "{outcome}");
    let name = patient["demographics"]["full_name"]
        .as_str()
        .context("the patient's name")?
        .to_owned();

    // The doctor joins from their day.
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Staff).await?;
    app.sign_in_by_keyboard(&duty.email, &duty.password).await?;
    let row = format!("#waiting-room tr[data-patient='{name}']");
    app.wait_for(&format!("{row} button.join-call")).await?;
    app.click(&format!("{row} button.join-call")).await?;
    // No call without the patient's consent: the doctor notes how the patient agreed (a note is
    // required), and the call opens.
    app.wait_for_text(&format!("{row} .call-consent"), |t| {
        t.contains("has not agreed to video consultations")
    })
    .await?;
    anyhow::ensure!(stand_in.reports() == 0, "no call before consent");
    app.click(&format!("{row} button.record-consent")).await?;
    app.wait_for_text(&format!("{row} .call-consent .field-error"), |t| {
        !t.is_empty()
    })
    .await?;
    app.screenshot("39-consent-before-the-call").await?;
    app.click(&format!("{row} input.consent-note")).await?;
    app.type_keys("By phone this morning").await?;
    app.click(&format!("{row} button.record-consent")).await?;
    // The first call on this computer asks to give the camera and microphone to the clinic's
    // video server, and names it; nothing opens before.
    let host = stand_in.url.trim_start_matches("http://").to_owned();
    app.wait_for_text(&format!("{row} .call-media"), |t| {
        t.contains("camera and microphone") && t.contains(&host)
    })
    .await?;
    anyhow::ensure!(
        stand_in.reports() == 0,
        "no call before the camera is allowed"
    );
    app.screenshot("39-camera-and-microphone-asked").await?;
    app.click(&format!("{row} button.allow-media")).await?;
    app.wait_for_text(&format!("{row} .call-state"), |t| {
        t.contains("open in its own window")
    })
    .await?;

    // The call window loaded the stand-in with the room and the doctor's token.
    let report = stand_in.report(Duration::from_secs(30)).await?;
    let room = report["path"]
        .as_str()
        .context("the page's path")?
        .trim_start_matches('/')
        .to_owned();
    anyhow::ensure!(
        clinic_core::meeting::is_room_name(&room),
        "a room name: {report}"
    );
    let token = report["search"]
        .as_str()
        .and_then(|s| s.strip_prefix("?jwt="))
        .context("the token in the address")?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&["jitsi"]);
    validation.set_issuer(&[APP_ID]);
    let claims = jsonwebtoken::decode::<clinic_core::meeting::JitsiClaims>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()),
        &validation,
    )
    .context("a token signed with the clinic's secret")?
    .claims;
    assert_eq!(claims.room, room);
    assert_eq!(claims.sub, "127.0.0.1");
    assert_eq!(claims.context.user.name, DUTY_DOCTOR);
    assert!(claims.moderator, "the doctor moderates");
    assert_eq!(claims.context.user.affiliation, "owner");
    let hash = report["hash"].as_str().unwrap_or_default();
    assert!(
        hash.contains("config.prejoinConfig.enabled=false") && hash.contains(DUTY_DOCTOR),
        "{hash}"
    );
    // No app commands from the call page.
    let invoke = report["invoke"].as_str().unwrap_or_default();
    assert_ne!(
        invoke, "allowed",
        "the call page reached the app's commands: {report}"
    );
    eprintln!("call window: {report}");

    // The page tried to open a window and to leave: neither got anywhere.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        stand_in.elsewhere_hits(),
        0,
        "the call window left the call"
    );

    // Without WebRTC in this webview, the app offers the browser; with it, it does not.
    if report["rtc"] == true && report["media"] == true {
        assert!(app
            .client()
            .find(fantoccini::Locator::Css(&format!(
                "{row} .call-without-video"
            )))
            .await
            .is_err());
    } else {
        app.wait_for_text(&format!("{row} .call-without-video"), |t| {
            t.contains("cannot show video")
        })
        .await?;
        app.wait_for(&format!("{row} button.open-in-browser"))
            .await?;
    }
    app.screenshot("40-doctor-joined-a-call").await?;
    // The call window as the doctor sees it (WebDriver lists it as a second window).
    let main = app.client().window().await?;
    let windows = app.client().windows().await?;
    anyhow::ensure!(
        windows.len() == 2,
        "the app and its call window: {windows:?}"
    );
    for handle in windows.into_iter().filter(|w| *w != main) {
        app.client().switch_to_window(handle).await?;
        let title = app.client().title().await?;
        assert_eq!(title, "Stand-in Jitsi", "the call window shows the call");
        app.screenshot("41-call-window").await?;
    }
    app.client().switch_to_window(main).await?;

    // Joining again brings the same window forward: the page is not loaded twice.
    let loads = stand_in.reports();
    app.click(&format!("{row} button.join-call")).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(stand_in.reports(), loads, "one window per call");
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn the_patient_agrees_and_joins_from_the_patient_app() -> anyhow::Result<()> {
    let stand_in = JitsiStandIn::start().await?;
    let server = SyncServer::start_demo_with(&[
        ("CLINIC_SYNC_JITSI_URL", stand_in.url.as_str()),
        ("CLINIC_SYNC_JITSI_APP_ID", APP_ID),
        ("CLINIC_SYNC_JITSI_APP_SECRET", SECRET),
    ])?;
    let patient = server.login("patient")?;
    let own = ServerApi::sign_in(&server.url, &patient)
        .await?
        .patients()
        .await?;
    let own_id = own
        .first()
        .and_then(|p| p["id"].as_str())
        .context("the patient's own record")?;
    let desk = ServerApi::sign_in(&server.url, &server.login("front_desk")?).await?;
    let doctor = desk.doctor_id(DUTY_DOCTOR).await?;
    desk.walk_in(own_id, &doctor, "video").await?;

    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Patient).await?;
    app.sign_in_by_keyboard(&patient.email, &patient.password)
        .await?;
    // The patient's own consultations (none yet) are read from the server.
    app.wait_for_text("#my-consultations", |t| {
        t.contains("No earlier consultations")
    })
    .await?;
    // The patient agrees to a video consultation themself, and the call opens.
    app.click("#my-appointments button.join-call").await?;
    app.wait_for_text("#my-appointments .call-consent", |t| {
        t.contains("do you agree")
    })
    .await?;
    anyhow::ensure!(stand_in.reports() == 0, "no call before consent");
    app.click("#my-appointments button.give-consent").await?;
    app.wait_for_text("#my-appointments .call-media", |t| {
        t.contains("camera and microphone")
    })
    .await?;
    anyhow::ensure!(
        stand_in.reports() == 0,
        "no call before the camera is allowed"
    );
    app.click("#my-appointments button.allow-media").await?;
    app.wait_for_text("#my-appointments .call-state", |t| {
        t.contains("open in its own window")
    })
    .await?;
    let report = stand_in.report(Duration::from_secs(30)).await?;
    let token = report["search"]
        .as_str()
        .and_then(|s| s.strip_prefix("?jwt="))
        .context("the token in the address")?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&["jitsi"]);
    validation.set_issuer(&[APP_ID]);
    let claims = jsonwebtoken::decode::<clinic_core::meeting::JitsiClaims>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()),
        &validation,
    )
    .context("a token signed with the clinic's secret")?
    .claims;
    assert_eq!(claims.context.user.name, patient.name);
    assert!(!claims.moderator, "the patient waits to be admitted");
    assert_eq!(claims.context.user.affiliation, "member");
    assert_ne!(report["invoke"], "allowed", "{report}");
    app.screenshot("48-patient-joins-a-call").await?;
    app.close().await?;
    Ok(())
}
