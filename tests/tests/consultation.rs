//! The doctor's consultation screen end to end: a walk-in is started, the doctor writes vitals
//! (an implausible pulse is named) and SOAP notes by keyboard, saves, completes; the note locks,
//! and a later change needs a reason and is kept as an amendment beside the original.

use anyhow::Context;
use clinic_tests::{Build, ServerApi, SyncServer, Workstation};

const DUTY_DOCTOR: &str = "Dr. Shafiq Hasan";
const ALT_S: &str = "\u{E00A}s\u{E000}";
const SELECT_ALL: &str = "\u{E009}a\u{E000}";

#[tokio::test]
async fn the_doctor_writes_notes_and_vitals_that_lock_when_the_consultation_completes(
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

    // The front desk queues a walk-in for the duty doctor.
    let api = ServerApi::sign_in(&server.url, desk).await?;
    let doctor = api.doctor_id(DUTY_DOCTOR).await?;
    let patient = api
        .patients()
        .await?
        .into_iter()
        .nth(1)
        .context("a demo patient")?;
    let patient_id = patient["id"].as_str().context("an id")?;
    api.walk_in(patient_id, &doctor, "in_person").await?;
    let name = patient["demographics"]["full_name"]
        .as_str()
        .context("a name")?
        .to_owned();

    // The doctor starts the consultation and opens its screen.
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Staff).await?;
    app.sign_in_by_keyboard(&duty.email, &duty.password).await?;
    let row = format!("#waiting-room tr[data-patient='{name}']");
    app.click(&format!("{row} button.start")).await?;
    app.click(&format!("{row} button.open-consultation"))
        .await?;
    app.wait_for_text("#consultation h3", |t| t.contains(&name))
        .await?;
    app.wait_for("#no-history").await?;

    // An implausible pulse is named under it; nothing is saved.
    app.click("#pulse").await?;
    app.type_keys("700").await?;
    app.type_keys(ALT_S).await?;
    let error = app
        .wait_for_text("#pulse_bpm-error", |t| !t.is_empty())
        .await?;
    assert!(error.contains("20") && error.contains("250"), "{error}");

    // Vitals and notes by keyboard; Alt+S saves.
    // (Typed over: select all, then the new value, as a person would.)
    app.click("#pulse").await?;
    app.type_keys(SELECT_ALL).await?;
    app.type_keys("96").await?;
    for (field, typed) in [
        ("#systolic", "120"),
        ("#diastolic", "80"),
        ("#temperature", "38,4"),
        ("#subjective", "Fever and sore throat for three days"),
        ("#objective", "Throat red, tonsils swollen"),
        ("#assessment", "Acute pharyngitis"),
        ("#plan", "Rest, fluids, paracetamol"),
    ] {
        app.click(field).await?;
        app.type_keys(typed).await?;
    }
    app.type_keys(ALT_S).await?;
    if app
        .wait_for_text("#note-saved", |t| t.contains("saved"))
        .await
        .is_err()
    {
        app.screenshot("debug-note").await?;
        anyhow::bail!("not saved");
    }
    app.screenshot("42-consultation-notes").await?;

    // Completed: the note locks. A change without a reason is refused; with one, it is an
    // amendment and the original stays.
    app.click("#complete-consultation").await?;
    app.wait_for("#note-locked").await?;
    assert_eq!(
        app.wait_for("#temperature")
            .await?
            .prop("value")
            .await?
            .as_deref(),
        Some("38.4"),
        "the saved note is shown again from the server"
    );
    app.click("#plan").await?;
    app.type_keys(SELECT_ALL).await?;
    app.type_keys("Amoxicillin 500 mg three times a day for 7 days")
        .await?;

    app.click("#save-note").await?;
    let error = app
        .wait_for_text("#reason-error", |t| !t.is_empty())
        .await?;
    assert!(!error.is_empty());
    app.click("#amend-reason").await?;
    app.type_keys("Throat swab positive for strep").await?;
    app.click("#save-note").await?;
    app.wait_for_text("#note-saved", |t| t.contains("original is kept"))
        .await?;
    let amendments = app
        .wait_for_text("#amendments", |t| t.contains("Throat swab"))
        .await?;
    assert!(amendments.contains("Plan"), "{amendments}");
    app.screenshot("43-note-amended").await?;
    app.close().await?;
    Ok(())
}
