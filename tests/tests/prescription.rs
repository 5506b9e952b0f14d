//! A prescription end to end: the duty doctor records the patient's penicillin allergy, writes
//! and saves a prescription, is warned about amoxicillin, issues it only after acknowledging,
//! prints it in English and Bangla (read back and rendered); the patient build lists it and
//! downloads it; the code on it checks out on the server, and an altered one does not.

use anyhow::Context;
use clinic_tests::{Build, SyncServer, Workstation};

const DUTY_DOCTOR: &str = "Dr. Shafiq Hasan";

/// What poppler reads from a PDF file: pages and text.
fn read_pdf(path: &str) -> anyhow::Result<(usize, String)> {
    let info = std::process::Command::new("pdfinfo").arg(path).output()?;
    let pages = String::from_utf8_lossy(&info.stdout)
        .lines()
        .find_map(|l| {
            l.strip_prefix("Pages:")
                .map(|n| n.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    let text = std::process::Command::new("pdftotext")
        .args([path, "-"])
        .output()?;
    Ok((pages, String::from_utf8_lossy(&text.stdout).into_owned()))
}

fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[tokio::test]
async fn a_doctor_issues_a_prescription_the_patient_downloads_and_anyone_verifies(
) -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let logins = server.logins()?;
    let duty = logins
        .iter()
        .find(|l| l.name == DUTY_DOCTOR)
        .context("the duty doctor")?;
    let patient = server.login("patient")?;
    server.walk_in_demo_patient(DUTY_DOCTOR).await?;

    // The doctor starts the consultation and opens its screen.
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Staff).await?;
    app.sign_in_by_keyboard(&duty.email, &duty.password).await?;
    let row = format!("#waiting-room tr[data-patient='{}']", patient.name);
    app.click(&format!("{row} button.start")).await?;
    app.click(&format!("{row} button.open-consultation"))
        .await?;
    app.wait_for("#prescription").await?;

    // The allergy first.
    app.click("#rx-allergies").await?;
    app.type_keys("Penicillin — rash").await?;
    app.click("#save-allergies").await?;
    app.wait_for("#allergies-saved").await?;

    // A row with a missing dose is named under the field; nothing is saved.
    for (field, typed) in [
        ("#rx-0-medicine", "Amoxicillin"),
        ("#rx-0-strength", "500 mg"),
        ("#rx-0-frequency", "1+1+1"),
        ("#rx-0-days", "7"),
    ] {
        app.click(field).await?;
        app.type_keys(typed).await?;
    }
    app.click("#rx-save").await?;
    app.wait_for_text("#rx-items .field-error", |t| !t.is_empty())
        .await?;
    app.wait_for_text("#rx-status", |t| t.contains("No prescription"))
        .await?;
    app.click("#rx-0-dose").await?;
    app.type_keys("1 capsule").await?;
    app.click("#rx-0-instructions").await?;
    app.type_keys("খাবারের পরে").await?;
    app.click("#rx-add").await?;
    for (field, typed) in [
        ("#rx-1-medicine", "Paracetamol"),
        ("#rx-1-strength", "500 mg"),
        ("#rx-1-dose", "1 tablet"),
        ("#rx-1-frequency", "1+0+1"),
        ("#rx-1-days", "5"),
        (
            "#rx-advice",
            "Drink plenty of water. Come back if the fever lasts.",
        ),
    ] {
        app.click(field).await?;
        app.type_keys(typed).await?;
    }
    app.click("#rx-save").await?;
    app.wait_for_text("#rx-status", |t| t.contains("Draft, version 1"))
        .await?;
    // Amoxicillin meets the penicillin allergy: issuing waits for the doctor to acknowledge it.
    let warned = app
        .wait_for_text("#rx-warnings", |t| t.contains("Amoxicillin"))
        .await?;
    assert!(warned.contains("Penicillin"), "{warned}");
    app.screenshot("60-prescription-warning").await?;
    app.click("#rx-issue").await?;
    let refused = app
        .wait_for_text("#prescription p.banner.error", |t| !t.is_empty())
        .await?;
    assert!(refused.contains("warning"), "{refused}");
    app.click("#rx-acknowledge").await?;
    app.click("#rx-issue").await?;
    let issued = app
        .wait_for_text("#rx-status", |t| t.contains("Issued"))
        .await?;
    let code = issued
        .rsplit("code ")
        .next()
        .map(str::trim)
        .context("a code")?
        .to_owned();
    assert_eq!(
        clinic_core::prescription::read_code(&code),
        Ok(code.clone())
    );

    // Printed in both languages: everything a pharmacist checks is on it.
    app.click("#rx-print-en").await?;
    let english = SyncServer::saved_path(
        &app.wait_for_text("#rx-printed", |t| t.contains("-en.pdf"))
            .await?,
    );
    let (pages, text) = read_pdf(&english)?;
    assert_eq!(pages, 1);
    for want in [
        DUTY_DOCTOR,
        &patient.name,
        "Amoxicillin 500 mg (tablet)",
        "1 capsule · 1+1+1 · 7 days",
        "Paracetamol 500 mg (tablet)",
        "Drink plenty of water.",
        &code,
        &format!("/verify/{code}"),
    ] {
        assert!(
            squeezed(&text).contains(&squeezed(want)),
            "{want:?} missing from:\n{text}"
        );
    }
    app.click("#rx-print-bn").await?;
    let bangla = SyncServer::saved_path(
        &app.wait_for_text("#rx-printed", |t| t.contains("-bn.pdf"))
            .await?,
    );
    let (_, text) = read_pdf(&bangla)?;
    for want in ["ব্যবস্থাপত্র", "৭ দিন", "খাবারের পরে", "যাচাই কোড", &code]
    {
        assert!(
            squeezed(&text).contains(&squeezed(want)),
            "{want:?} missing from:\n{text}"
        );
    }
    let shots = clinic_tests::workspace_root().join("e2e-screenshots");
    std::fs::create_dir_all(&shots)?;
    for (pdf, name) in [
        (&english, "61-prescription-en"),
        (&bangla, "62-prescription-bn"),
    ] {
        let status = std::process::Command::new("pdftoppm")
            .args(["-r", "80", "-png", "-singlefile", pdf])
            .arg(shots.join(name))
            .status()?;
        anyhow::ensure!(status.success(), "pdftoppm {pdf}");
    }
    app.screenshot("63-prescription-issued").await?;
    app.close().await?;

    // The patient build lists it and downloads it.
    let patient_station = Workstation::new(&server.url)?;
    let patient_app = patient_station.launch(Build::Patient).await?;
    patient_app
        .sign_in_by_keyboard(&patient.email, &patient.password)
        .await?;
    let listed = format!("#my-prescriptions tr[data-code='{code}']");
    patient_app
        .wait_for_text(&listed, |t| t.contains("Amoxicillin"))
        .await?;
    patient_app
        .click(&format!("{listed} button.download-en"))
        .await?;
    let downloaded = SyncServer::saved_path(
        &patient_app
            .wait_for_text("#rx-downloaded", |t| t.contains(".pdf"))
            .await?,
    );
    let (_, text) = read_pdf(&downloaded)?;
    assert!(squeezed(&text).contains(&squeezed(&code)), "{text}");
    patient_app.screenshot("64-patient-prescriptions").await?;
    patient_app.close().await?;

    // Anyone checks the code on the server; an altered code is refused as not valid.
    let http = reqwest::Client::new();
    let answer: serde_json::Value = http
        .get(format!("{}/api/v1/verify/{code}", server.url))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    assert_eq!(answer["doctor_name"], DUTY_DOCTOR);
    assert_eq!(answer["superseded"], false);
    let mut altered: Vec<char> = code.chars().collect();
    altered[1] = if altered[1] == 'A' { 'B' } else { 'A' };
    let altered: String = altered.into_iter().collect();
    let status = http
        .get(format!("{}/api/v1/verify/{altered}", server.url))
        .send()
        .await?
        .status();
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    Ok(())
}
