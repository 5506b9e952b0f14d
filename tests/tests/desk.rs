//! The staff build end to end: sign in by keyboard, see who is signed in, switch to Bangla,
//! sign out; wrong password; server unreachable; a wrong store key.

use std::time::{Duration, Instant};

use clinic_tests::{Build, SyncServer, Workstation, ENTER, TAB};

fn is_bangla(text: &str) -> bool {
    text.chars().any(|c| ('\u{0980}'..='\u{09FF}').contains(&c))
}

#[tokio::test]
async fn front_desk_signs_in_switches_to_bangla_and_signs_out() -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let desk = server.login("front_desk")?;
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Staff).await?;
    app.wait_for("#sign-in").await?;
    assert_eq!(app.text("#sign-in h1").await?, "Sign in");
    app.wait_for_text("#connection", |t| t == "Online").await?;
    // Keyboard only: the email field has the focus, Tab moves to the password, Enter submits.
    app.wait_for_focus("email").await?;
    app.type_keys(&desk.email).await?;
    app.type_keys(TAB).await?;
    assert_eq!(app.focused_id().await?, "password");
    app.type_keys(&desk.password).await?;
    app.screenshot("01-desk-sign-in").await?;
    app.type_keys(ENTER).await?;

    let welcome = app
        .wait_for_text("#welcome", |t| t.starts_with("Welcome"))
        .await?;
    assert_eq!(welcome, format!("Welcome, {}", desk.name));
    assert_eq!(app.text("#who-name").await?, desk.name);
    assert_eq!(app.text("#who-role").await?, "Front desk");
    app.wait_for_text("#doctors tbody", |t| t.contains("Dr. Mizanur Rahman"))
        .await?;
    app.screenshot("02-desk-home-english").await?;

    app.wait_for("#language-switch").await?.click().await?;
    let welcome = app.wait_for_text("#welcome", is_bangla).await?;
    assert_eq!(welcome, format!("স্বাগতম, {}", desk.name));
    assert_eq!(app.text("#who-role").await?, "ফ্রন্ট ডেস্ক");
    assert_eq!(app.text("#sign-out").await?, "সাইন আউট");
    assert_eq!(app.text("#doctors th:first-child").await?, "নাম");
    assert_eq!(app.text("#connection").await?, "অনলাইন");
    // Bangla is drawn with the bundled Noto Sans Bengali (ui/static/fonts), not a system font.
    let bundled = app
        .client()
        .execute(
            "return [...document.fonts].filter(f => f.family.includes('Noto Sans Bengali') && f.status === 'loaded').length;",
            vec![],
        )
        .await?;
    assert!(
        bundled.as_u64().unwrap_or(0) >= 1,
        "the bundled Bengali font is loaded: {bundled}"
    );
    app.screenshot("03-desk-home-bangla").await?;

    app.wait_for("#theme-switch").await?.click().await?;
    app.screenshot("04-desk-home-bangla-dark").await?;

    app.wait_for("#sign-out").await?.click().await?;
    app.wait_for("#sign-in").await?;
    assert_eq!(
        app.text("#sign-in h1").await?,
        "সাইন ইন",
        "the language stays after sign-out"
    );
    assert!(
        app.client()
            .find(fantoccini::Locator::Css("#who"))
            .await
            .is_err(),
        "nobody shown as signed in"
    );
    app.screenshot("05-desk-signed-out-bangla").await?;
    app.close().await?;

    // The language and the theme were saved in the encrypted store: a restart keeps them.
    let app = station.launch(Build::Staff).await?;
    app.wait_for("#sign-in").await?;
    assert_eq!(app.text("#sign-in h1").await?, "সাইন ইন");
    let theme = app
        .client()
        .find(fantoccini::Locator::Css("html"))
        .await?
        .attr("data-theme")
        .await?;
    assert_eq!(theme.as_deref(), Some("dark"));
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_wrong_password_gets_one_message_and_the_form_stays() -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let desk = server.login("front_desk")?;
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Staff).await?;
    app.sign_in_by_keyboard(&desk.email, "not the password")
        .await?;
    let message = app.text("#form-error").await?;
    assert_eq!(
        message,
        "The email or password is not right. Check both and try again."
    );
    let email = app.wait_for("#email").await?.prop("value").await?;
    assert_eq!(
        email.as_deref(),
        Some(desk.email.as_str()),
        "the email is kept to correct"
    );
    app.screenshot("06-desk-wrong-password").await?;
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn an_unreachable_server_is_explained_and_shown_offline() -> anyhow::Result<()> {
    let mut server = SyncServer::start_demo()?;
    let desk = server.login("front_desk")?;
    server.stop();
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Staff).await?;
    app.wait_for("#sign-in").await?;
    app.wait_for_text("#connection", |t| t == "Offline").await?;
    app.sign_in_by_keyboard(&desk.email, &desk.password).await?;
    let message = app.text("#form-error").await?;
    assert!(
        message.starts_with("Cannot reach the clinic server."),
        "{message}"
    );
    app.screenshot("07-desk-server-unreachable").await?;

    // The server comes back: the status follows and sign-in works.
    server.resume()?;
    app.wait_for_text("#connection", |t| t == "Online").await?;
    app.wait_for("#password").await?.click().await?;
    app.type_keys(&desk.password).await?;
    app.type_keys(ENTER).await?;
    app.wait_for_text("#welcome", |t| t.contains(&desk.name))
        .await?;
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_store_with_the_wrong_key_is_refused_and_kept() -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Staff).await?;
    app.wait_for("#sign-in").await?;
    app.close().await?;
    let before = station.settled_store_files().await?;
    // Someone restores the wrong key file.
    std::fs::write(station.key_file(), "11".repeat(32))?;
    let app = station.launch(Build::Staff).await?;
    let message = app.text("#store-problem p.detail").await?;
    assert!(app
        .text("#store-problem p.intro")
        .await?
        .starts_with("Nothing was changed."));
    assert!(
        message.contains("cannot be opened with this workstation's key"),
        "{message}"
    );
    assert!(message.contains("Nothing was changed"), "{message}");
    assert!(app
        .client()
        .find(fantoccini::Locator::Css("#sign-in"))
        .await
        .is_err());
    app.screenshot("08-desk-wrong-key").await?;
    app.close().await?;
    let after = station.settled_store_files().await?;
    let names = |files: &[(String, Vec<u8>)]| {
        files
            .iter()
            .map(|(n, b)| format!("{n}:{}", b.len()))
            .collect::<Vec<_>>()
    };
    assert!(
        after == before,
        "the store files are untouched: {:?} -> {:?}",
        names(&before),
        names(&after)
    );
    Ok(())
}

#[tokio::test]
async fn an_admin_creates_a_front_desk_account_who_then_signs_in() -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let admin = server.login("admin")?;
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Staff).await?;
    app.sign_in_by_keyboard(&admin.email, &admin.password)
        .await?;
    app.wait_for_text("#accounts tbody", |t| t.contains("desk2@demo.clinic"))
        .await?;
    assert_eq!(app.text("#who-role").await?, "Admin");

    // A mistake first: the password is too short, the message sits under the field.
    app.wait_for("#new-staff #display_name")
        .await?
        .send_keys("Kulsum Akter")
        .await?;
    app.wait_for("#new-staff #email")
        .await?
        .send_keys("kulsum@demo.clinic")
        .await?;
    app.wait_for("#new-staff #password")
        .await?
        .send_keys(&format!("short{ENTER}"))
        .await?;
    assert_eq!(
        app.text("#new-staff #password-error").await?,
        "Use at least 10 characters."
    );
    let password = app.wait_for("#new-staff #password").await?;
    password.clear().await?;
    password
        .send_keys(&format!("kulsum's first password{ENTER}"))
        .await?;
    app.wait_for_text("#staff-created", |t| {
        t == "Account created for Kulsum Akter."
    })
    .await?;
    app.wait_for_text("#accounts tbody", |t| t.contains("kulsum@demo.clinic"))
        .await?;
    app.screenshot("09-admin-created-staff").await?;
    app.wait_for("#sign-out").await?.click().await?;

    app.wait_for("#sign-in #email")
        .await?
        .send_keys("kulsum@demo.clinic")
        .await?;
    app.wait_for("#sign-in #password")
        .await?
        .send_keys(&format!("kulsum's first password{ENTER}"))
        .await?;
    app.wait_for_text("#welcome", |t| t == "Welcome, Kulsum Akter")
        .await?;
    assert_eq!(app.text("#who-role").await?, "Front desk");
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_desk_signs_in_offline_and_reconnects_when_the_server_returns() -> anyhow::Result<()> {
    let mut server = SyncServer::start_demo()?;
    let logins = server.logins()?;
    let mut desks = logins.iter().filter(|l| l.role == "front_desk");
    let (desk, colleague) = (desks.next().unwrap().clone(), desks.next().unwrap().clone());
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Staff).await?;
    app.sign_in_by_keyboard(&desk.email, &desk.password).await?;
    app.wait_for_text("#welcome", |t| t.contains(&desk.name))
        .await?;
    app.wait_for("#sign-out").await?.click().await?;
    app.wait_for("#sign-in").await?;

    server.stop();
    app.wait_for_text("#connection", |t| t == "Offline").await?;
    // A wrong password is refused offline too, with the same words as online.
    app.fill_sign_in(&desk.email, "not the password").await?;
    let message = app.wait_for_text("#form-error", |t| !t.is_empty()).await?;
    assert_eq!(
        message,
        "The email or password is not right. Check both and try again."
    );
    // A colleague who never signed in at this workstation cannot be checked here.
    app.fill_sign_in(&colleague.email, &colleague.password)
        .await?;
    app.wait_for_text("#form-error", |t| {
        t.starts_with("Cannot reach the clinic server.")
    })
    .await?;
    // The desk that signed in here before gets in.
    app.fill_sign_in(&desk.email, &desk.password).await?;
    app.wait_for_text("#welcome", |t| t == format!("Welcome, {}", desk.name))
        .await?;
    assert_eq!(app.text("#who-role").await?, "Front desk");
    app.wait_for_text("#form-error", |t| {
        t.starts_with("Cannot reach the clinic server.")
    })
    .await?;
    app.screenshot("13-desk-signed-in-offline").await?;

    // The server returns: the session reconnects by itself and the doctors appear.
    server.resume()?;
    app.wait_for_text("#connection", |t| t == "Online").await?;
    app.wait_for_text("#doctors tbody", |t| t.contains("Dr. Mizanur Rahman"))
        .await?;
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn an_idle_desk_locks_and_only_the_password_unlocks_it() -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let desk = server.login("front_desk")?;
    let station = Workstation::new(&server.url)?;
    let app = station
        .launch_with(Build::Staff, &[("CLINIC_DESK_LOCK_AFTER_SECONDS", "3")])
        .await?;
    app.sign_in_by_keyboard(&desk.email, &desk.password).await?;
    app.wait_for_text("#doctors tbody", |t| t.contains("Dr. Mizanur Rahman"))
        .await?;

    // Nobody touches the keyboard or the mouse: the screen locks and hides the clinic's data.
    app.wait_for("#locked").await?;
    let intro = app.text("#locked .intro").await?;
    assert!(intro.starts_with(&desk.name), "{intro}");
    assert!(app
        .client()
        .find(fantoccini::Locator::Css("#doctors"))
        .await
        .is_err());
    let refused = app.invoke_from_page("doctors").await?.unwrap_err();
    assert!(
        refused.contains("locked"),
        "no data while locked: {refused}"
    );
    app.screenshot("14-desk-locked").await?;

    app.wait_for_focus("password").await?;
    app.type_keys(&format!("not the password{ENTER}")).await?;
    let message = app.wait_for_text("#form-error", |t| !t.is_empty()).await?;
    assert_eq!(
        message,
        "The password is not right. Try again, or sign out."
    );
    app.wait_for("#password")
        .await?
        .send_keys(&format!("{}{ENTER}", desk.password))
        .await?;
    app.wait_for_text("#doctors tbody", |t| t.contains("Dr. Mizanur Rahman"))
        .await?;
    app.close().await?;

    // A restart while locked opens locked.
    let app = station
        .launch_with(Build::Staff, &[("CLINIC_DESK_LOCK_AFTER_SECONDS", "3")])
        .await?;
    app.wait_for("#doctors").await?;
    app.wait_for("#locked").await?;
    app.close().await?;
    let app = station.launch(Build::Staff).await?;
    app.wait_for("#locked").await?;
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_doctor_edits_their_profile_and_working_hours() -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let doctor = server.login("doctor")?;
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Staff).await?;
    app.sign_in_by_keyboard(&doctor.email, &doctor.password)
        .await?;
    app.wait_for_text("#welcome", |t| t == format!("Welcome, {}", doctor.name))
        .await?;
    assert_eq!(app.text("#who-role").await?, "Doctor");
    app.click("#edit-my-profile").await?;
    let value = |css: &'static str| {
        let app = &app;
        async move {
            anyhow::Ok(
                app.wait_for(css)
                    .await?
                    .prop("value")
                    .await?
                    .unwrap_or_default(),
            )
        }
    };
    // The editor opens on the doctor's own record, from this desk's copy.
    let start = Instant::now();
    while value("#display_name").await? != doctor.name {
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(20),
            "the editor never showed the doctor"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(app.text("#my-verification").await?.contains("Verified"));
    anyhow::ensure!(
        !value("#weekly-0").await?.is_empty(),
        "the demo doctor works on Mondays"
    );

    // Hours that cannot be read are named under the day, and nothing is saved.
    let monday = app.wait_for("#weekly-0").await?;
    monday.clear().await?;
    monday.send_keys("9 to 5").await?;
    app.click("#my-profile-save").await?;
    let message = app
        .wait_for_text("#weekly-0-error", |t| !t.is_empty())
        .await?;
    assert!(
        message.starts_with("Write the hours like 09:00-13:00"),
        "{message}"
    );
    app.screenshot("16-doctor-hours-error").await?;

    // Monday mornings with a break, Fridays off, and a week of leave.
    monday.clear().await?;
    monday.send_keys("09:00-12:00 break 10:00-10:15").await?;
    app.wait_for("#weekly-4").await?.clear().await?;
    for (id, day) in [("leave-from", "2027-01-04"), ("leave-to", "2027-01-08")] {
        app.client()
            .execute(
                "const e = document.getElementById(arguments[0]); e.value = arguments[1];
                 e.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![id.into(), day.into()],
            )
            .await?;
    }
    app.click("#add-leave").await?;
    app.wait_for_text("#leave-list", |t| t.contains("04.01.2027 – 08.01.2027"))
        .await?;
    app.click("#my-profile-save").await?;
    app.wait_for("#my-profile-saved").await?;
    app.screenshot("17-doctor-profile-saved").await?;

    // What the editor shows again is the record as the server sent it back to this desk.
    app.click("#edit-my-profile").await?;
    app.click("#edit-my-profile").await?;
    let start = Instant::now();
    while value("#weekly-0").await? != "09:00-12:00 break 10:00-10:15" {
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(20),
            "the new hours never came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(value("#weekly-4").await?, "", "Fridays off");
    app.wait_for_text("#leave-list", |t| t.contains("04.01.2027 – 08.01.2027"))
        .await?;
    assert!(
        app.text("#my-verification").await?.contains("Verified"),
        "the registration number did not change"
    );

    // Credentials and a photo. A zip archive named like a PDF is refused for what it is.
    let pick = |input: &'static str, name: &'static str, bytes: Vec<u8>| {
        let app = &app;
        async move { app.choose_file(input, name, &bytes).await }
    };
    app.wait_for_text("#credentials-list", |t| t.contains("No credentials"))
        .await?;
    pick(
        "upload-credential",
        "degree.pdf",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00an archive".to_vec(),
    )
    .await?;
    let refused = app
        .wait_for_text("#upload-credential-error", |t| !t.is_empty())
        .await?;
    assert!(
        refused.contains("not a PDF, JPEG or PNG") && refused.contains("application/zip"),
        "{refused}"
    );
    pick("upload-credential", "degree.pdf", CREDENTIAL.to_vec()).await?;
    app.wait_for_text("#file-uploaded", |t| t.contains("credential-"))
        .await?;
    app.wait_for_text("#credentials-list", |t| t.contains(".pdf"))
        .await?;
    pick(
        "upload-photo",
        "me.png",
        std::fs::read(clinic_tests::workspace_root().join("tests/fixtures/doctor-photo.png"))?,
    )
    .await?;
    app.wait_for("#doctor-photo").await?;
    app.screenshot("18-doctor-credentials-and-photo").await?;
    app.close().await?;

    // An admin opens the credential from the verification list: the same bytes, saved here.
    let admin = server.login("admin")?;
    let admin_station = Workstation::new(&server.url)?;
    let desk = admin_station.launch(Build::Staff).await?;
    desk.sign_in_by_keyboard(&admin.email, &admin.password)
        .await?;
    desk.click(&format!(
        "#doctors-to-verify tr[data-name='{}'] button.show-files",
        doctor.name
    ))
    .await?;
    desk.click("button.open-credential").await?;
    let saved = desk
        .wait_for_text("#file-opened", |t| t.contains(".pdf"))
        .await?;
    let path = saved
        .split_once(": ")
        .map(|(_, p)| p.trim().to_owned())
        .unwrap_or_default();
    assert_eq!(std::fs::read(&path)?, CREDENTIAL, "{path}");
    desk.wait_for("#doctor-photo").await?;
    desk.screenshot("19-admin-reads-credentials").await?;
    desk.close().await?;
    Ok(())
}

const CREDENTIAL: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

#[tokio::test]
async fn a_desk_pins_a_self_signed_server_certificate_and_refuses_a_changed_one(
) -> anyhow::Result<()> {
    let mut server = SyncServer::start_demo_tls()?;
    let desk = server.login("front_desk")?;
    let fingerprint = server.certificate_fingerprint()?;
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Staff).await?;
    // First contact: the desk pins what the server presents and shows its fingerprint, the one
    // the server printed when it started.
    let shown = app
        .wait_for_text("#server-certificate", |t| t.contains(&fingerprint))
        .await?;
    assert!(shown.contains("SHA-256"), "{shown}");
    app.wait_for_text("#connection", |t| t == "Online").await?;
    app.wait_for_text("#server-certificate", |t| t.contains(&fingerprint))
        .await?;
    app.screenshot("08-desk-pins-the-server-certificate")
        .await?;
    // In Bangla too.
    app.click("#language-switch").await?;
    app.wait_for_text("#server-certificate", |t| {
        t.contains("সার্টিফিকেট") && t.contains(&fingerprint)
    })
    .await?;
    app.screenshot("08-desk-pins-the-server-certificate-bn")
        .await?;
    app.click("#language-switch").await?;
    app.click("#email").await?;
    app.sign_in_by_keyboard(&desk.email, &desk.password).await?;
    app.wait_for_text("#welcome", |t| t.contains(&desk.name))
        .await?;

    // The server comes back with another certificate: the desk trusts it not, says both
    // fingerprints, and sends nothing.
    server.replace_certificate()?;
    let replaced = server.certificate_fingerprint()?;
    anyhow::ensure!(replaced != fingerprint, "a new certificate");
    let warning = app
        .wait_for_text("#certificate-changed", |t| t.contains(&replaced))
        .await?;
    assert!(warning.contains(&fingerprint), "{warning}");
    app.wait_for_text("#connection", |t| t == "Offline").await?;
    app.screenshot("09-desk-refuses-a-changed-certificate")
        .await?;
    app.close().await?;
    Ok(())
}
