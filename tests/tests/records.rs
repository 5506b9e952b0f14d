//! The patient's record end to end: the patient uploads a report from the patient build (asked
//! first for consent to the clinic keeping files); the doctor sees it in the patient's chart
//! during the consultation and opens it (the same bytes); the doctor's report shows as "ready"
//! for the patient until opened; and the doctor's computer, offline, still opens the chart from
//! its encrypted copy and says so.

use anyhow::Context;
use clinic_tests::{Build, Relay, ServerApi, SyncServer, Workstation};

const DUTY_DOCTOR: &str = "Dr. Shafiq Hasan";

#[tokio::test]
async fn a_patients_upload_reaches_the_doctors_chart_which_opens_offline_too() -> anyhow::Result<()>
{
    let server = SyncServer::start_demo()?;
    let logins = server.logins()?;
    let duty = logins
        .iter()
        .find(|l| l.name == DUTY_DOCTOR)
        .context("the duty doctor")?;
    let patient = server.login("patient")?;
    server.walk_in_demo_patient(DUTY_DOCTOR).await?;
    let report =
        std::fs::read(clinic_tests::workspace_root().join("tests/fixtures/blood-report.pdf"))?;

    // The patient uploads a report; the first file asks for consent.
    let patient_station = Workstation::new(&server.url)?;
    let patient_app = patient_station.launch(Build::Patient).await?;
    patient_app
        .sign_in_by_keyboard(&patient.email, &patient.password)
        .await?;
    patient_app.wait_for("#chart #no-documents").await?;
    patient_app.click("#upload-title").await?;
    patient_app.type_keys("Blood count, November").await?;
    // A file named like a PDF that is not one is refused for what it is.
    patient_app
        .choose_file(
            "upload-file",
            "report.pdf",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00an archive",
        )
        .await?;
    let refused = patient_app
        .wait_for_text("#upload-error", |t| !t.is_empty())
        .await?;
    assert!(refused.contains("application/zip"), "{refused}");
    patient_app
        .choose_file("upload-file", "blood-report.pdf", &report)
        .await?;
    patient_app
        .click("#chart .records-consent .give-consent")
        .await?;
    patient_app
        .wait_for_text("#chart-saved", |t| t.contains("Blood count, November"))
        .await?;
    patient_app
        .wait_for("#chart-documents tr[data-title='Blood count, November']")
        .await?;
    patient_app
        .screenshot("70-patient-uploads-a-report")
        .await?;

    // The doctor (through a connection that can be cut) sees it in the chart and opens it.
    let relay = Relay::start(server.port).await?;
    let doctor_station = Workstation::new(&relay.url)?;
    let doctor_app = doctor_station.launch(Build::Staff).await?;
    doctor_app
        .sign_in_by_keyboard(&duty.email, &duty.password)
        .await?;
    let row = format!("#waiting-room tr[data-patient='{}']", patient.name);
    doctor_app.click(&format!("{row} button.start")).await?;
    doctor_app
        .click(&format!("{row} button.open-consultation"))
        .await?;
    doctor_app.click("#open-chart").await?;
    let listed = "#chart-documents tr[data-title='Blood count, November']";
    doctor_app.wait_for(listed).await?;
    doctor_app
        .wait_for("#chart-timeline li[data-kind='document']")
        .await?;
    doctor_app
        .click(&format!("{listed} button.open-document"))
        .await?;
    let saved = doctor_app
        .wait_for_text("#chart-saved", |t| t.contains(".pdf"))
        .await?;
    assert_eq!(std::fs::read(SyncServer::saved_path(&saved))?, report);
    doctor_app.screenshot("71-doctor-chart").await?;

    // The doctor uploads the X-ray report: "ready" for the patient until opened.
    doctor_app.click("#upload-title").await?;
    doctor_app.type_keys("X-ray report").await?;
    doctor_app
        .choose_file("upload-file", "xray.pdf", &report)
        .await?;
    doctor_app
        .wait_for("#chart-documents tr[data-title='X-ray report']")
        .await?;
    patient_app.click("#chart-refresh").await?;
    let ready = "#chart-documents tr[data-title='X-ray report']";
    patient_app
        .wait_for(&format!("{ready} .report-ready"))
        .await?;
    patient_app.screenshot("72-patient-report-ready").await?;
    patient_app
        .click(&format!("{ready} button.open-document"))
        .await?;
    patient_app
        .wait_for_text("#chart-saved", |t| t.contains(".pdf"))
        .await?;
    patient_app
        .wait_for_text(ready, |t| !t.contains("Report ready"))
        .await?;

    // The patient exports their record: a summary to print, and FHIR R4 that validates.
    patient_app.click("#chart-export-pdf").await?;
    let summary = SyncServer::saved_path(
        &patient_app
            .wait_for_text("#chart-saved", |t| {
                t.contains("record-") && t.ends_with(".pdf")
            })
            .await?,
    );
    let text = std::process::Command::new("pdftotext")
        .args([&summary, "-"])
        .output()?;
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&patient.name) && text.contains("X-ray report"),
        "{text}"
    );
    patient_app.click("#chart-export-fhir").await?;
    let fhir = SyncServer::saved_path(
        &patient_app
            .wait_for_text("#chart-saved", |t| t.ends_with(".fhir.json"))
            .await?,
    );
    let root = clinic_tests::workspace_root();
    let checked = std::process::Command::new("python3")
        .arg(root.join("scripts/check-fhir.py"))
        .arg(root.join("tests/fixtures/fhir/fhir.schema.json.gz"))
        .arg(&fhir)
        .output()?;
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&fhir)?)?;
    assert_eq!(
        bundle["entry"].as_array().map(|e| e
            .iter()
            .filter(|e| e["resource"]["resourceType"] == "DocumentReference")
            .count()),
        Some(2),
        "the two reports"
    );

    // Offline, the doctor's computer opens the chart from its encrypted copy, and says so.
    relay.cut();
    doctor_app
        .wait_for_text("#connection", |t| t == "Offline")
        .await?;
    doctor_app.click("#open-chart").await?;
    doctor_app.click("#open-chart").await?;
    doctor_app.wait_for("#chart-offline").await?;
    doctor_app.wait_for(listed).await?;
    doctor_app.screenshot("73-doctor-chart-offline").await?;
    relay.restore();
    for app in [patient_app, doctor_app] {
        app.close().await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_doctor_opens_a_strangers_chart_only_with_a_reason_and_the_admin_sees_it_flagged(
) -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let logins = server.logins()?;
    let other = logins
        .iter()
        .find(|l| l.role == "doctor" && l.name != DUTY_DOCTOR)
        .context("another doctor")?;
    let admin = server.login("admin")?;
    let patient = server.login("patient")?;

    // The doctor finds the patient in the registry; the chart is closed to them.
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Staff).await?;
    app.sign_in_by_keyboard(&other.email, &other.password)
        .await?;
    app.click("#chart-search").await?;
    app.type_keys(&patient.name).await?;
    app.click("#chart-finder li button.open-patient-chart")
        .await?;
    app.wait_for("#break-glass").await?;
    // A reason of one word is not enough, and is said so.
    app.click("#break-glass-reason").await?;
    app.type_keys("urgent").await?;
    app.click("#break-glass-open").await?;
    let said = app
        .wait_for_text("#break-glass-error", |t| !t.is_empty())
        .await?;
    assert!(said.contains("10 characters"), "{said}");
    app.click("#break-glass-reason").await?;
    app.type_keys(" — unconscious in the emergency room, allergies needed")
        .await?;
    app.click("#break-glass-open").await?;
    app.wait_for_text("#chart-who", |t| t.contains(&patient.name))
        .await?;
    app.screenshot("74-break-glass-chart").await?;
    app.close().await?;

    // The admin sees the emergency access flagged, with its reason, and the chain whole.
    let admin_station = Workstation::new(&server.url)?;
    let desk = admin_station.launch(Build::Staff).await?;
    desk.sign_in_by_keyboard(&admin.email, &admin.password)
        .await?;
    desk.click("#audit-break-glass").await?;
    let row = desk
        .wait_for_text("#audit-entries tr[data-action='break_glass']", |t| {
            t.contains("allergies needed")
        })
        .await?;
    assert!(row.contains(&other.name), "{row}");
    assert!(
        desk.text("#audit-chain").await?.contains("whole"),
        "the chain is intact"
    );
    desk.client()
        .execute(
            "document.getElementById('audit-card').scrollIntoView()",
            vec![],
        )
        .await?;
    desk.screenshot("75-admin-audit").await?;
    desk.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_doctors_desk_has_the_days_charts_before_the_connection_drops() -> anyhow::Result<()> {
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
    let admin = server.login("admin")?;
    let api = ServerApi::sign_in(&server.url, desk).await?;
    let doctor = api.doctor_id(DUTY_DOCTOR).await?;
    let patient = api
        .patients()
        .await?
        .into_iter()
        .nth(2)
        .context("a demo patient")?;
    let patient_id = patient["id"].as_str().context("an id")?.to_owned();
    let name = patient["demographics"]["full_name"]
        .as_str()
        .context("a name")?
        .to_owned();
    api.walk_in(&patient_id, &doctor, "in_person").await?;

    // The doctor signs in; the desk fetches the day's charts ahead (audited as a prefetch).
    let relay = Relay::start(server.port).await?;
    let station = Workstation::new(&relay.url)?;
    let app = station.launch(Build::Staff).await?;
    app.sign_in_by_keyboard(&duty.email, &duty.password).await?;
    let audit = ServerApi::sign_in(&server.url, &admin).await?;
    let start = std::time::Instant::now();
    loop {
        let page = audit
            .get(&format!(
                "/api/v1/audit?action=prefetch_chart&patient={patient_id}"
            ))
            .await?;
        if page["entries"].as_array().is_some_and(|e| !e.is_empty()) {
            break;
        }
        anyhow::ensure!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "the day's chart was never fetched ahead: {page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }

    // The connection drops before the doctor ever opened the chart: it opens from this
    // computer's copy, and says so.
    relay.cut();
    app.wait_for_text("#connection", |t| t == "Offline").await?;
    let row = format!("#waiting-room tr[data-patient='{name}']");
    app.click(&format!("{row} button.start")).await?;
    app.click(&format!("{row} button.open-consultation"))
        .await?;
    app.click("#open-chart").await?;
    app.wait_for("#chart-offline").await?;
    app.wait_for_text("#chart-who", |t| t.contains(&name))
        .await?;
    app.screenshot("77-prefetched-chart-offline").await?;
    relay.restore();
    app.close().await?;
    Ok(())
}
