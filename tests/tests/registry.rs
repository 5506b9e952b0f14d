//! The patient registry end to end, offline first: two real desks against one real server.

use std::time::{Duration, Instant};

use anyhow::Context;
use clinic_tests::{App, Build, Login, SyncServer, Workstation, ENTER};
use fantoccini::Locator;

/// Register a patient through the form, by keyboard after the first click; returns the number
/// the desk gave them.
async fn register(app: &App, name: &str, phone: &str) -> anyhow::Result<String> {
    app.click("#new-patient").await?;
    app.wait_for_focus("full_name").await?;
    app.type_keys(name).await?;
    app.click("#phone").await?;
    app.type_keys(phone).await?;
    app.type_keys(ENTER).await?;
    let saved = app
        .wait_for_text("#patient-saved", |t| t.contains(name))
        .await?;
    let number = saved
        .split_whitespace()
        .find(|w| w.contains('-') && w.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|w| w.trim_end_matches('.').to_owned())
        .unwrap_or_default();
    Ok(number)
}

/// The patient rows the registry lists, as "number name".
async fn listed(app: &App) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for row in app
        .client()
        .find_all(Locator::Css("#patients tr.patient-row"))
        .await?
    {
        out.push(row.text().await?);
    }
    Ok(out)
}

async fn wait_until_listed(
    app: &App,
    want: usize,
    within: Duration,
) -> anyhow::Result<Vec<String>> {
    let start = Instant::now();
    loop {
        let rows = listed(app).await?;
        if rows.len() >= want || start.elapsed() > within {
            return Ok(rows);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn signed_in_desk(station: &Workstation, login: &Login) -> anyhow::Result<App> {
    let app = station.launch(Build::Staff).await?;
    app.wait_for("#sign-in").await?;
    app.sign_in_by_keyboard(&login.email, &login.password)
        .await?;
    app.wait_for("#registry").await?;
    app.wait_for_focus("patient-search").await?;
    Ok(app)
}

#[tokio::test]
async fn two_desks_register_offline_and_both_list_everyone_when_the_server_returns(
) -> anyhow::Result<()> {
    let mut server = SyncServer::start_demo()?;
    let desks: Vec<Login> = server
        .logins()?
        .into_iter()
        .filter(|l| l.role == "front_desk")
        .take(2)
        .collect();
    assert_eq!(
        desks.len(),
        2,
        "the demo clinic has two front-desk accounts"
    );
    let (station_a, station_b) = (
        Workstation::new(&server.url)?,
        Workstation::new(&server.url)?,
    );
    let a = signed_in_desk(&station_a, &desks[0]).await?;
    let b = signed_in_desk(&station_b, &desks[1]).await?;
    // Signed in online: the demo's self-registered patients arrive by pull.
    let before = wait_until_listed(&a, 1, Duration::from_secs(20))
        .await?
        .len();
    assert!(before > 0, "the registry was pulled at sign-in");

    // The clinic's network goes down.
    server.stop();
    a.wait_for_text("#connection", |t| t == "Offline").await?;
    a.wait_for("#offline-banner").await?;
    let n1 = register(&a, "Offline Patient One", "01711000001").await?;
    let n2 = register(&a, "Offline Patient Two", "01711000002").await?;
    let n3 = register(&b, "Desk B Patient", "01811000003").await?;
    assert_ne!(n1, n2);
    let code = |n: &str| n.split('-').next().unwrap_or_default().to_owned();
    assert_eq!(code(&n1), code(&n2), "one desk, one desk code");
    assert_ne!(
        code(&n1),
        code(&n3),
        "each desk numbers with its own code: {n1} {n3}"
    );
    a.wait_for_text("#sync-state", |t| t.contains("2 changes waiting"))
        .await?;
    a.screenshot("20-desk-offline-two-pending").await?;

    // Search works offline too, by number and by phone.
    a.click("#patient-search").await?;
    a.type_keys(&n2).await?;
    a.wait_for_text("#patients", |t| {
        t.contains("Offline Patient Two") && !t.contains("One")
    })
    .await?;

    // The server returns: within seconds both desks hold all three.
    server.resume()?;
    let started = Instant::now();
    for desk in [&a, &b] {
        desk.wait_for_text("#connection", |t| t == "Online").await?;
    }
    // Empty the search as a person would (select all, delete): the whole registry shows.
    a.click("#patient-search").await?;
    a.type_keys("\u{E009}a\u{E000}\u{E003}").await?;
    let deadline = Duration::from_secs(30);
    for (desk, label) in [(&a, "A"), (&b, "B")] {
        let start = Instant::now();
        loop {
            let rows = listed(desk).await?.join("\n");
            if [&n1, &n2, &n3].iter().all(|n| rows.contains(n.as_str())) {
                break;
            }
            anyhow::ensure!(
                start.elapsed() < deadline,
                "desk {label} did not list all three after the server returned: {rows}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    eprintln!(
        "both desks listed all three {:?} after the server returned",
        started.elapsed()
    );
    a.wait_for_text("#sync-state", |t| t.contains("All changes synced"))
        .await?;
    assert!(a
        .client()
        .find(Locator::Css("#offline-banner"))
        .await
        .is_err());
    b.screenshot("21-desk-b-after-sync").await?;

    // Desk B opens desk A's patient and corrects the name; desk A sees it.
    b.click("#patient-search").await?;
    b.type_keys("01711000001").await?;
    b.type_keys(ENTER).await?;
    b.wait_for_focus("full_name").await?;
    b.type_keys(" Begum").await?;
    b.type_keys(ENTER).await?;
    b.wait_for_text("#patient-saved", |t| {
        t.contains("Offline Patient One Begum")
    })
    .await?;
    let start = Instant::now();
    loop {
        let rows = listed(&a).await?.join("\n");
        if rows.contains("Offline Patient One Begum") {
            break;
        }
        anyhow::ensure!(
            start.elapsed() < deadline,
            "desk A never saw B's edit: {rows}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    a.close().await?;
    b.close().await?;
    Ok(())
}

#[tokio::test]
async fn the_registration_form_explains_mistakes_and_warns_of_a_duplicate() -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let desk = server.login("front_desk")?;
    let station = Workstation::new(&server.url)?;
    let app = signed_in_desk(&station, &desk).await?;
    wait_until_listed(&app, 1, Duration::from_secs(20)).await?;
    let known_phone = app.text("#patients tr.patient-row td:nth-child(3)").await?;
    anyhow::ensure!(!known_phone.is_empty(), "the demo patients have phones");
    // Alt+N, as the search hint says, opens a new registration from the keyboard.
    app.type_keys("\u{E00A}n\u{E000}").await?;
    app.wait_for_focus("full_name").await?;
    app.click("#date_of_birth").await?;
    app.type_keys("2999-01-01").await?;
    app.type_keys(ENTER).await?;
    app.wait_for_text("#full_name-error", |t| t == "Please fill this in.")
        .await?;
    app.wait_for_text("#date_of_birth-error", |t| t.contains("future"))
        .await?;
    // The phone of a registered patient: the form says who it may be, and offers to open them.
    app.click("#phone").await?;
    app.type_keys(&known_phone).await?;
    let warning = app
        .wait_for_text("#duplicates", |t| t.contains("same phone"))
        .await?;
    app.screenshot("22-desk-duplicate-warning").await?;
    app.click(".duplicate-open").await?;
    app.wait_for_text("#patient-form-title", |t| t.starts_with("Patient "))
        .await?;
    assert!(warning.contains("already registered"), "{warning}");

    // In Bangla: the registry's words, and a search typed in Bangla script finds Bangla names.
    app.type_keys("\u{E00C}").await?; // Escape: back to the search
    app.wait_for_focus("patient-search").await?;
    app.click("#language-switch").await?;
    app.wait_for_text("#registry h2", |t| t == "রোগী").await?;
    app.click("#patient-search").await?;
    app.type_keys("রহিমা").await?;
    let found = app
        .wait_for_text("#patients", |t| t.contains("রহিমা"))
        .await?;
    assert!(
        found.contains("নম্বর"),
        "the column headings are in Bangla: {found}"
    );
    app.screenshot("23-desk-registry-bangla").await?;
    app.close().await?;
    Ok(())
}

/// A change the server refuses (here: a registration written by an older desk with a birth date
/// in the future, which this version's form would never let through) is listed with its reason,
/// never dropped silently, and can be brought back to the form, corrected and saved.
#[tokio::test]
async fn a_change_the_server_refuses_is_shown_with_its_reason_and_can_be_corrected(
) -> anyhow::Result<()> {
    use clinic_core::account::PatientDemographics;
    use clinic_core::sync::{Command, CommandEnvelope};
    use clinic_core::{CommandId, PatientId, UserId};
    use clinic_store::{FileKeyProvider, Store};

    let server = SyncServer::start_demo()?;
    let desk = server.login("front_desk")?;
    let station = Workstation::new(&server.url)?;
    let app = signed_in_desk(&station, &desk).await?;
    app.close().await?;

    let keys = FileKeyProvider {
        path: station.key_file(),
    };
    let mut store = Store::open_with(&station.data.path().join("desk.db"), &keys)?;
    let user: UserId = store
        .current_session(&server.url, chrono::Utc::now())?
        .context("the desk kept its session")?
        .account
        .id;
    for (name, number) in [("Future Born", "2-0998"), ("Dismissed Later", "2-0999")] {
        let envelope = CommandEnvelope::new(
            CommandId::from_uuid(uuid::Uuid::now_v7()),
            chrono::Utc::now(),
            user,
            Command::RegisterPatient {
                patient: PatientId::from_uuid(uuid::Uuid::now_v7()),
                patient_number: number.into(),
                demographics: PatientDemographics {
                    full_name: name.into(),
                    sex: None,
                    date_of_birth: Some("2999-01-01".parse()?),
                    phone: None,
                    email: None,
                    address: None,
                    emergency_contact: None,
                },
            },
        );
        store.record(&envelope)?;
    }
    drop(store);

    let app = station.launch(Build::Staff).await?;
    app.wait_for("#registry").await?;
    let shown = app
        .wait_for_text("#rejected-changes", |t| t.contains("Future Born"))
        .await?;
    assert!(
        shown.contains("some details break the clinic's rules"),
        "{shown}"
    );
    app.wait_for_text("#sync-rejected", |t| t.contains("2 changes refused"))
        .await?;
    app.screenshot("24-desk-refused-change").await?;

    // One is dismissed: it leaves the list (and only then); the other stays.
    app.click("#rejected-changes li:nth-child(2) .rejected-dismiss")
        .await?;
    app.wait_for_text("#rejected-changes", |t| {
        t.contains("Future Born") && !t.contains("Dismissed Later")
    })
    .await?;
    app.wait_for_text("#sync-rejected", |t| t.contains("1 change refused"))
        .await?;

    // Correct it: the form opens with the refused details and the server's field message.
    app.click("#rejected-changes .rejected-retry").await?;
    app.wait_for_text("#patient-form-title", |t| t == "New patient")
        .await?;
    app.wait_for_text("#date_of_birth-error", |t| t.contains("future"))
        .await?;
    let name = app
        .client()
        .find(Locator::Css("#full_name"))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert_eq!(
        name, "Future Born",
        "the refused details come back to the form"
    );
    app.click("#date_of_birth").await?;
    app.type_keys("\u{E009}a\u{E000}\u{E003}1990-01-01").await?;
    app.type_keys(ENTER).await?;
    app.wait_for_text("#patient-saved", |t| t.contains("Future Born"))
        .await?;
    let start = Instant::now();
    while app
        .client()
        .find(Locator::Css("#rejected-changes"))
        .await
        .is_ok()
    {
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(10),
            "the corrected change still shows as refused"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.wait_for_text("#sync-state", |t| {
        t.contains("All changes synced") && !t.contains("refused")
    })
    .await?;
    app.close().await?;
    Ok(())
}
