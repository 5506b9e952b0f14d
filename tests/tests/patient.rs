//! The patient build end to end: sign up (a short password first), see and edit the profile,
//! switch to Bangla, sign out.

use clinic_tests::{Build, SyncServer, Workstation, TAB};

#[tokio::test]
async fn a_patient_signs_up_edits_their_profile_and_signs_out() -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Patient).await?;
    app.wait_for("#sign-in").await?;
    app.wait_for("#to-sign-up").await?.click().await?;
    app.wait_for("#sign-up").await?;

    app.wait_for("#email").await?.click().await?;
    app.type_keys("nasima.begum@example.com").await?;
    app.type_keys(TAB).await?;
    app.type_keys("short").await?;
    app.wait_for("#full_name")
        .await?
        .send_keys("নাসিমা বেগম")
        .await?;
    app.wait_for("#date_of_birth")
        .await?
        .send_keys("1988-02-29")
        .await?;
    app.wait_for("#phone")
        .await?
        .send_keys("+880 1811-223344")
        .await?;
    app.wait_for("#sign-up-submit").await?.click().await?;
    let message = app.text("#password-error").await?;
    assert_eq!(message, "Use at least 10 characters.");
    app.screenshot("10-patient-sign-up-short-password").await?;

    let password = app.wait_for("#password").await?;
    password.clear().await?;
    password.send_keys("a good long password").await?;
    app.wait_for("#sign-up-submit").await?.click().await?;
    let welcome = app
        .wait_for_text("#welcome", |t| t.starts_with("Welcome"))
        .await?;
    assert_eq!(welcome, "Welcome, নাসিমা বেগম");
    assert_eq!(app.text("#who-role").await?, "Patient");
    let name = app
        .wait_for("#profile #full_name")
        .await?
        .prop("value")
        .await?;
    assert_eq!(name.as_deref(), Some("নাসিমা বেগম"));
    // A patient who signs up joins the clinic's registry with a number the desk can look up.
    let number = app.text("#my-patient-number").await?;
    assert!(number.starts_with("Your patient number: 1-"), "{number}");
    app.screenshot("11-patient-home").await?;

    let address = app.wait_for("#profile #address").await?;
    address.send_keys("বাড়ি ১২, রোড ৪, ধানমন্ডি, ঢাকা").await?;
    app.wait_for("#profile-save").await?.click().await?;
    app.wait_for("#profile-saved").await?;

    app.wait_for("#language-switch").await?.click().await?;
    app.wait_for_text("#welcome", |t| t == "স্বাগতম, নাসিমা বেগম")
        .await?;
    assert_eq!(app.text("#who-role").await?, "রোগী");
    assert_eq!(app.text("#profile h2").await?, "আমার প্রোফাইল");
    app.screenshot("12-patient-profile-bangla").await?;

    app.wait_for("#sign-out").await?.click().await?;
    app.wait_for("#sign-in").await?;
    app.close().await?;

    // Signing in again shows the saved address, from the server.
    let app = station.launch(Build::Patient).await?;
    app.wait_for("#email")
        .await?
        .send_keys("nasima.begum@example.com")
        .await?;
    app.wait_for("#password")
        .await?
        .send_keys("a good long password\u{E007}")
        .await?;
    let address = app.wait_for("#profile #address").await?;
    let value = app
        .client()
        .wait()
        .for_element(fantoccini::Locator::Css("#profile #address"))
        .await?
        .prop("value")
        .await?;
    let _ = address;
    assert_eq!(value.as_deref(), Some("বাড়ি ১২, রোড ৪, ধানমন্ডি, ঢাকা"));
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn staff_and_patients_each_use_their_own_build() -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let desk = server.login("front_desk")?;
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Patient).await?;
    app.wait_for("#email").await?.send_keys(&desk.email).await?;
    app.wait_for("#password")
        .await?
        .send_keys(&format!("{}\u{E007}", desk.password))
        .await?;
    let message = app.wait_for_text("#form-error", |t| !t.is_empty()).await?;
    assert!(message.contains("This is the patient app"), "{message}");
    app.close().await?;

    // And the other way round: a patient cannot sign in at the reception's staff app.
    let patient = server.login("patient")?;
    let app = station.launch(Build::Staff).await?;
    app.wait_for("#email")
        .await?
        .send_keys(&patient.email)
        .await?;
    app.wait_for("#password")
        .await?
        .send_keys(&format!("{}\u{E007}", patient.password))
        .await?;
    let message = app.wait_for_text("#form-error", |t| !t.is_empty()).await?;
    assert_eq!(
        message,
        "This is the clinic's staff app. Patients use the patient app."
    );
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn each_window_may_call_only_its_own_commands() -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let station = Workstation::new(&server.url)?;

    let patient = station.launch(Build::Patient).await?;
    patient.wait_for("#sign-in").await?;
    assert!(
        patient.invoke_from_page("startup").await?.is_ok(),
        "its own commands work"
    );
    let refused = patient.invoke_from_page("accounts").await?.unwrap_err();
    assert!(
        refused.contains("not allowed"),
        "the patient window cannot list accounts: {refused}"
    );
    patient.close().await?;

    let desk = station.launch(Build::Staff).await?;
    desk.wait_for("#sign-in").await?;
    let refused = desk
        .invoke_from_page("update_my_profile")
        .await?
        .unwrap_err();
    assert!(
        refused.contains("not allowed"),
        "the staff window has no patient commands: {refused}"
    );
    let refused = desk.invoke_from_page("sign_up").await?.unwrap_err();
    assert!(refused.contains("not allowed"), "{refused}");
    desk.close().await?;
    Ok(())
}
