//! Booking end to end: two real desks and a doctor's workstation against one real server. A desk
//! books a walk-in and an appointment by keyboard; a second desk, offline, books the same slot,
//! comes back, sees the conflict and rebooks in one click; the waiting room orders everyone; the
//! doctor sees their waiting room.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use clinic_tests::{App, Build, Login, Relay, SyncServer, Workstation, ENTER};
use fantoccini::Locator;

const DUTY_DOCTOR: &str = "Dr. Shafiq Hasan";
const ALT_W: &str = "\u{E00A}w\u{E000}";

async fn signed_in(station: &Workstation, login: &Login, ready: &str) -> anyhow::Result<App> {
    let app = station.launch(Build::Staff).await?;
    app.wait_for("#sign-in").await?;
    app.sign_in_by_keyboard(&login.email, &login.password)
        .await?;
    app.wait_for(ready).await?;
    Ok(app)
}

/// Choose the emergency doctor (every day, around the clock) in the booking form.
async fn choose_duty_doctor(app: &App) -> anyhow::Result<()> {
    app.wait_for_text("#booking-doctor", |t| t.contains(DUTY_DOCTOR))
        .await?;
    app.client()
        .find(Locator::XPath(&format!(
            "//select[@id='booking-doctor']/option[contains(., '{DUTY_DOCTOR}')]"
        )))
        .await?
        .click()
        .await?;
    app.wait_for("#slot-0").await?;
    Ok(())
}

/// Type a patient number into the booking form and take the first match with Enter; returns the
/// patient's name. The focus moves to the first free slot.
async fn pick_patient(app: &App, number: &str) -> anyhow::Result<String> {
    app.click("#booking-patient").await?;
    app.type_keys(number).await?;
    app.wait_for_text("#booking-matches", |t| t.contains(number))
        .await?;
    app.type_keys(ENTER).await?;
    let chosen = app
        .wait_for_text("#booking-chosen", |t| t.contains(number))
        .await?;
    app.wait_for_focus("slot-0").await?;
    Ok(chosen
        .split(" · ")
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned())
}

async fn first_slot(app: &App) -> anyhow::Result<String> {
    app.wait_for("#slot-0")
        .await?
        .attr("data-start")
        .await?
        .context("a slot says when it starts")
}

/// The waiting room's rows as (patient, status), top to bottom.
async fn day_rows(app: &App) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for row in app
        .client()
        .find_all(Locator::Css("#waiting-room tr.appointment-row"))
        .await?
    {
        out.push((
            row.attr("data-patient").await?.unwrap_or_default(),
            row.attr("data-status").await?.unwrap_or_default(),
        ));
    }
    Ok(out)
}

async fn wait_for_rows(
    app: &App,
    want: impl Fn(&[(String, String)]) -> bool,
) -> anyhow::Result<Vec<(String, String)>> {
    let start = Instant::now();
    loop {
        let rows = day_rows(app).await.unwrap_or_default();
        if want(&rows) {
            return Ok(rows);
        }
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(30),
            "the waiting room never showed what was expected: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn is_today_in_dhaka(start: &str) -> bool {
    let tz = chrono_tz::Asia::Dhaka;
    let start: DateTime<Utc> = start.parse().expect("an RFC 3339 slot start");
    start.with_timezone(&tz).date_naive() == Utc::now().with_timezone(&tz).date_naive()
}

#[tokio::test]
async fn desks_book_by_keyboard_and_an_offline_desk_rebooks_the_slot_it_lost() -> anyhow::Result<()>
{
    let server = SyncServer::start_demo()?;
    let logins = server.logins()?;
    let desks: Vec<&Login> = logins.iter().filter(|l| l.role == "front_desk").collect();
    let duty = logins
        .iter()
        .find(|l| l.name == DUTY_DOCTOR)
        .context("the demo clinic has a duty doctor")?;
    // Desk B reaches the server through a path that can be cut.
    let relay = Relay::start(server.port).await?;
    let (station_a, station_b) = (
        Workstation::new(&server.url)?,
        Workstation::new(&relay.url)?,
    );
    let a = signed_in(&station_a, desks[0], "#appointments").await?;
    let b = signed_in(&station_b, desks[1], "#appointments").await?;
    choose_duty_doctor(&a).await?;
    choose_duty_doctor(&b).await?;
    // Three of the demo clinic's patients, by the numbers the registry shows.
    let mut numbers = Vec::new();
    for cell in a
        .client()
        .find_all(Locator::Css("#patients tr.patient-row td.number"))
        .await?
        .into_iter()
        .take(4)
    {
        numbers.push(cell.text().await?);
    }
    anyhow::ensure!(
        numbers.len() == 4,
        "the demo clinic has patients: {numbers:?}"
    );

    // Desk B loses the network; desk A stays online.
    relay.cut();
    b.wait_for_text("#connection", |t| t == "Offline").await?;

    // A books a patient into the first free slot: number, Enter, Enter.
    let first = pick_patient(&a, &numbers[0]).await?;
    let slot = first_slot(&a).await?;
    a.type_keys(ENTER).await?;
    a.wait_for_text("#booking-saved", |t| {
        t.contains(&first) && t.contains(DUTY_DOCTOR)
    })
    .await
    .context("desk A books the first free slot")?;
    a.wait_for_text("#sync-state", |t| t.contains("All changes synced"))
        .await?;

    // B, offline, does not know: it offers the same slot and books it for another patient.
    let second = pick_patient(&b, &numbers[1]).await?;
    assert_eq!(
        first_slot(&b).await?,
        slot,
        "the offline desk offers the same slot"
    );
    b.type_keys(ENTER).await?;
    b.wait_for_text("#booking-saved", |t| t.contains(&second))
        .await
        .context("offline desk B books the same slot")?;
    b.wait_for_text("#sync-state", |t| t.contains("1 change waiting"))
        .await?;
    b.screenshot("30-offline-desk-books-a-slot").await?;

    // B comes back: the server gave the slot to A, so B shows the conflict with a rebook.
    relay.restore();
    b.wait_for_text("#connection", |t| t == "Online").await?;
    let conflict = b
        .wait_for_text("#booking-conflicts", |t| {
            t.contains(&second) && t.contains("was taken by another desk")
        })
        .await?;
    assert!(conflict.contains(DUTY_DOCTOR), "{conflict}");
    assert!(conflict.contains("Rebook at"), "{conflict}");
    b.screenshot("31-conflict-with-one-click-rebook").await?;
    b.click("#rebook-0").await?;
    let start = Instant::now();
    while b
        .client()
        .find(Locator::Css("#booking-conflicts"))
        .await
        .is_ok()
    {
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(20),
            "the conflict stayed after rebooking"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    b.wait_for_text("#sync-state", |t| t.contains("All changes synced"))
        .await?;

    // A walk-in at desk A: number, Enter, Alt+W. The server gives the day's token.
    let walk_in = pick_patient(&a, &numbers[2]).await?;
    a.type_keys(ALT_W).await?;
    a.wait_for_text("#booking-saved", |t| {
        t.contains(&walk_in) && t.contains("queue")
    })
    .await
    .context("desk A queues a walk-in")?;
    a.wait_for_text("#waiting-room tr.checked_in .token", |t| t == "1")
        .await?;

    if is_today_in_dhaka(&slot) {
        // A checks in the booked patient: the waiting room orders the walk-in (token 1) and
        // the booked patient (token 2), then B's rebooked patient still to come.
        a.click(&format!(
            "#waiting-room tr[data-patient='{first}'] button.check_in"
        ))
        .await?;
        let rows = wait_for_rows(&a, |rows| {
            rows.len() >= 3 && rows.iter().filter(|r| r.1 == "checked_in").count() == 2
        })
        .await?;
        let order: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(
            &order[..3],
            [walk_in.as_str(), first.as_str(), second.as_str()]
        );
        a.wait_for_text(
            &format!("#waiting-room tr[data-patient='{first}'] .token"),
            |t| t == "2",
        )
        .await?;
    } else {
        eprintln!(
            "the first free slot is tomorrow (the clinic's day is ending): order not checked"
        );
    }
    a.screenshot("32-waiting-room").await?;

    // A first visit with follow-ups every two weeks: four visits, each its own appointment.
    let follow_up = pick_patient(&a, &numbers[3]).await?;
    a.client()
        .find(Locator::Css("#booking-repeat option[value='2']"))
        .await?
        .click()
        .await?;
    a.wait_for("#booking-visits").await?;
    a.click("#slot-0").await?;
    let series = a
        .wait_for_text("#series-saved", |t| t.contains("Booked 4 visits"))
        .await?;
    anyhow::ensure!(
        series.matches(", ").count() == 3,
        "four times listed: {series}"
    );
    a.screenshot("34-follow-ups").await?;

    // The week: this week holds the first booking; two weeks on, the second follow-up visit.
    a.click("#view-week").await?;
    a.wait_for_text("#week-view", |t| {
        t.contains(&first) && t.contains(&follow_up)
    })
    .await?;
    a.screenshot("35-week").await?;
    a.click("#week-next").await?;
    a.wait_for_text("#week-view", |t| !t.contains(&first))
        .await?;
    a.click("#week-next").await?;
    a.wait_for_text("#week-view", |t| t.contains(&follow_up))
        .await?;
    // That visit moves to the next day: the week shows it there, and the server takes the move.
    let day_of = |who: String| {
        let a = &a;
        async move {
            a.client()
                .find(Locator::XPath(&format!(
                    "//section[contains(@class,'week-day')][.//li[contains(., '{who}')]]"
                )))
                .await?
                .attr("data-day")
                .await?
                .context("a week day says which day it is")
        }
    };
    let before: chrono::NaiveDate = day_of(follow_up.clone()).await?.parse()?;
    a.client()
        .find(Locator::XPath(&format!(
            "//li[contains(@class,'week-entry')][contains(., '{follow_up}')]//button[contains(@class,'move')]"
        )))
        .await?
        .click()
        .await?;
    a.wait_for_text("#move-title", |t| t.contains(&follow_up))
        .await?;
    a.click("#move-later").await?;
    let target = a
        .wait_for("#move-slot-0")
        .await?
        .attr("data-start")
        .await?
        .context("a slot says when it starts")?;
    let target: DateTime<Utc> = target.parse()?;
    anyhow::ensure!(
        target.with_timezone(&chrono_tz::Asia::Dhaka).date_naive() == before.succ_opt().unwrap(),
        "the slots offered are the next day's: {target}"
    );
    a.screenshot("36-move-an-appointment").await?;
    a.click("#move-slot-0").await?;
    a.wait_for_text("#moved-message", |t| {
        t.contains(&follow_up) && t.contains("Moved")
    })
    .await?;
    a.wait_for_text("#sync-state", |t| t.contains("All changes synced"))
        .await?;
    let start = Instant::now();
    while day_of(follow_up.clone())
        .await?
        .parse::<chrono::NaiveDate>()?
        != before.succ_opt().unwrap()
    {
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(20),
            "the week never showed the visit on its new day"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    a.click("#view-day").await?;
    a.wait_for("#waiting-room").await?;

    // The day list prints as a PDF whose text is the day's patients.
    a.click("#print-day-list").await?;
    let saved = a
        .wait_for_text("#printed-path", |t| t.contains(".pdf"))
        .await?;
    let path = saved
        .split_once(": ")
        .map(|(_, p)| p.trim().to_owned())
        .context("the message names the file")?;
    let text = std::process::Command::new("pdftotext")
        .args(["-layout", &path, "-"])
        .output()
        .context("pdftotext (poppler-utils)")?;
    let text = String::from_utf8_lossy(&text.stdout);
    for want in [
        "Day list",
        "All doctors",
        walk_in.as_str(),
        first.as_str(),
        DUTY_DOCTOR,
    ] {
        anyhow::ensure!(
            text.contains(want),
            "{want:?} is not in the day list:\n{text}"
        );
    }

    // The doctor sees the walk-in waiting, and starts the consultation.
    let station_d = Workstation::new(&server.url)?;
    let doctor = signed_in(&station_d, duty, "#doctor-day").await?;
    doctor
        .wait_for_text("#doctor-day", |t| t.contains(&walk_in))
        .await?;
    doctor
        .click(&format!(
            "#waiting-room tr[data-patient='{walk_in}'] button.start"
        ))
        .await?;
    doctor
        .wait_for_text(
            &format!("#waiting-room tr[data-patient='{walk_in}'] .status"),
            |t| t.contains("With the doctor"),
        )
        .await?;
    doctor.screenshot("33-doctor-waiting-room").await?;
    // The doctor exports their calendar: an event for each booked slot, the patients named.
    doctor.click("#export-calendar").await?;
    let saved = doctor
        .wait_for_text("#printed-path", |t| t.contains(".ics"))
        .await?;
    let path = saved
        .split_once(": ")
        .map(|(_, p)| p.trim().to_owned())
        .context("the message names the file")?;
    let calendar = std::fs::read_to_string(&path)?.replace("\r\n ", "");
    anyhow::ensure!(
        calendar.starts_with("BEGIN:VCALENDAR") && calendar.matches("BEGIN:VEVENT").count() >= 2,
        "{calendar}"
    );
    for who in [&first, &second] {
        anyhow::ensure!(
            calendar.contains(who.as_str()),
            "{who} is not in:\n{calendar}"
        );
    }
    // And the desk sees it too.
    a.wait_for_text(
        &format!("#waiting-room tr[data-patient='{walk_in}'] .status"),
        |t| t.contains("With the doctor"),
    )
    .await?;

    for app in [a, b, doctor] {
        app.close().await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_patient_requests_a_slot_the_doctor_accepts_and_the_patient_cancels() -> anyhow::Result<()>
{
    let server = SyncServer::start_demo()?;
    let patient = server.login("patient")?;
    let logins = server.logins()?;
    let duty = logins
        .iter()
        .find(|l| l.name == DUTY_DOCTOR)
        .context("the demo clinic has a duty doctor")?;
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Patient).await?;
    app.wait_for("#sign-in").await?;
    app.sign_in_by_keyboard(&patient.email, &patient.password)
        .await?;
    app.wait_for("#patient-appointments").await?;
    app.wait_for("#no-appointments").await?;

    // Find the duty doctor: verified, with their next free time.
    app.click("#doctor-search").await?;
    app.type_keys("hasan").await?;
    let found = app
        .wait_for_text("#doctor-results", |t| {
            t.contains(DUTY_DOCTOR) && !t.contains("Mizanur")
        })
        .await?;
    assert!(found.contains("Verified"), "{found}");
    assert!(found.contains("Next free"), "{found}");
    app.click("#doctor-results li[data-name='Dr. Shafiq Hasan'] button.choose")
        .await?;
    app.wait_for("#patient-slot-0").await?;
    app.click("#request-reason").await?;
    app.type_keys("Chest pain since morning").await?;
    app.screenshot("40-patient-finds-a-doctor").await?;
    app.click("#patient-slot-0").await?;
    app.wait_for_text("#my-appointments", |t| {
        t.contains(DUTY_DOCTOR) && t.contains("Requested")
    })
    .await?;

    // The doctor accepts it from their day (if the slot is today) — or the request is theirs
    // to accept all the same: it is in their list of the day it is for.
    let doctor_station = Workstation::new(&server.url)?;
    let doctor = doctor_station.launch(Build::Staff).await?;
    doctor.wait_for("#sign-in").await?;
    doctor
        .sign_in_by_keyboard(&duty.email, &duty.password)
        .await?;
    doctor.wait_for("#doctor-day").await?;
    let accept = "#waiting-room tr[data-status='requested'] button.confirm";
    if doctor
        .client()
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(accept))
        .await
        .is_ok()
    {
        doctor.click(accept).await?;
        app.wait_for_text("#my-appointments", |t| t.contains("Booked"))
            .await?;
    } else {
        eprintln!(
            "the first free slot is tomorrow (the clinic's day is ending): not accepted here"
        );
    }
    app.screenshot("41-patient-sees-the-appointment").await?;

    // The patient cancels; the slot is free again.
    app.click("#my-appointments button.cancel").await?;
    app.wait_for_text("#my-appointments", |t| t.contains("Cancelled"))
        .await?;
    for a in [app, doctor] {
        a.close().await?;
    }
    Ok(())
}

#[tokio::test]
async fn an_admin_rejects_a_doctors_credentials_with_a_reason_then_verifies_them(
) -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let admin = server.login("admin")?;
    let station = Workstation::new(&server.url)?;
    let app = signed_in(&station, &admin, "#doctor-verification").await?;
    let row = "#doctors-to-verify tr[data-name='Dr. Ananya Das']";
    app.wait_for_text(&format!("{row} .verification"), |t| t == "✓ Verified")
        .await?;
    app.click(&format!("{row} button.reject")).await?;
    app.wait_for("#reject-reason").await?;
    // No reason: refused, and the field says so.
    app.click(&format!("{row} button.confirm-reject")).await?;
    app.wait_for("#reject-reason-error").await?;
    app.click("#reject-reason").await?;
    app.type_keys("Registration number not found at BMDC")
        .await?;
    app.click(&format!("{row} button.confirm-reject")).await?;
    app.wait_for_text(&format!("{row} .verification"), |t| {
        t == "Rejected: Registration number not found at BMDC"
    })
    .await?;
    app.screenshot("50-admin-rejects-credentials").await?;
    app.click(&format!("{row} button.verify")).await?;
    app.wait_for_text(&format!("{row} .verification"), |t| t == "✓ Verified")
        .await?;
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn the_front_desk_finds_a_doctor_in_its_own_copy_of_the_directory() -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let desk = server.login("front_desk")?;
    let station = Workstation::new(&server.url)?;
    let app = signed_in(&station, &desk, "#doctor-directory").await?;
    app.wait_for_text("#directory-page", |t| t.contains("(7 doctors)"))
        .await?;
    // Filters narrow it; the order puts the soonest free first.
    app.client()
        .find(Locator::Css(
            "#directory-specialty option[value='Cardiology']",
        ))
        .await?
        .click()
        .await?;
    app.wait_for_text("#directory-page", |t| t.contains("(1 doctor)"))
        .await?;
    app.wait_for_text("#directory tbody", |t| t.contains("Dr. Rafiqul Islam"))
        .await?;
    app.client()
        .find(Locator::Css("#directory-specialty option[value='']"))
        .await?
        .click()
        .await?;
    app.click("#directory-text").await?;
    app.type_keys("hasan").await?;
    app.wait_for_text("#directory tbody", |t| {
        t.contains(DUTY_DOCTOR) && !t.contains("Rafiqul")
    })
    .await?;
    // The profile shows the doctor's next free slots, from this desk's copy of the book.
    app.click(&format!(
        "#directory tr[data-name='{DUTY_DOCTOR}'] button.open-doctor"
    ))
    .await?;
    let profile = app
        .wait_for_text("#doctor-profile", |t| {
            t.contains("Next free slots:") && t.contains(":")
        })
        .await?;
    anyhow::ensure!(profile.contains("Emergency medicine"), "{profile}");
    // Times are on the clinic's clock (Dhaka): the duty doctor's next free slot is the next
    // quarter hour there, not six hours off.
    let next = app
        .text(&format!("#directory tr[data-name='{DUTY_DOCTOR}'] td.next"))
        .await?;
    let minutes = |hhmm: &str| -> Option<i64> {
        let (h, m) = hhmm.split_once(':')?;
        Some(h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?)
    };
    let shown = next
        .rsplit(' ')
        .next()
        .and_then(minutes)
        .context("a time")?;
    let dhaka = Utc::now().with_timezone(&chrono_tz::Asia::Dhaka);
    let now = minutes(&dhaka.format("%H:%M").to_string()).context("now")?;
    let ahead = (shown - now).rem_euclid(24 * 60);
    anyhow::ensure!(
        ahead <= 16,
        "the next free time {next:?} is not the next quarter hour in Dhaka ({})",
        dhaka.format("%H:%M")
    );
    app.screenshot("36-directory").await?;
    app.close().await?;
    Ok(())
}
