//! The books end to end: the front desk bills a walk-in and takes the cash with the clinic's
//! server down, prints the receipt in Bangla from the desk alone (read back through poppler),
//! and the payment reaches the server when it returns.

use clinic_tests::{Build, SyncServer, Workstation};

#[tokio::test]
async fn the_desk_takes_a_walk_ins_cash_offline_prints_a_bangla_receipt_and_syncs_it(
) -> anyhow::Result<()> {
    let mut server = SyncServer::start_demo()?;
    let desk = server.login("front_desk")?;
    let station = Workstation::new(&server.url)?;
    let app = station.launch(Build::Staff).await?;
    app.wait_for("#sign-in").await?;
    app.sign_in_by_keyboard(&desk.email, &desk.password).await?;
    app.wait_for("#registry").await?;
    app.wait_for("#patients tr.patient-row").await?;

    server.stop();
    app.wait_for_text("#connection", |t| t == "Offline").await?;
    app.click("#patients tr.patient-row .patient-open").await?;
    app.wait_for("#bills").await?;
    app.wait_for_text("#bills", |t| t.contains("No bills yet"))
        .await?;
    // A price that is not an amount is named, and nothing is billed.
    app.click("#bill-price").await?;
    app.type_keys("five hundred").await?;
    app.click("#bill-save").await?;
    app.wait_for_text("#bill-price-error", |t| t.contains("Write the amount"))
        .await?;
    app.click("#bill-price").await?;
    app.type_keys("\u{E009}a\u{E000}\u{E003}").await?;
    // Typed after the field has emptied (a controlled field re-renders between the two).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.type_keys("500").await?;
    app.click("#bill-save").await?;
    let bill = app
        .wait_for_text("#bills li.bill", |t| {
            t.contains("INV-") && t.contains("Issued")
        })
        .await?;
    anyhow::ensure!(bill.contains("৳500.00"), "{bill}");
    // Cash: the amount due, taken with the server down.
    app.click("#payment-save").await?;
    app.wait_for_text("#bills li.bill", |t| {
        t.contains("Paid ৳500.00") && t.contains("waiting for the server")
    })
    .await?;
    app.screenshot("60-desk-bill-paid-offline").await?;
    app.click("#bills li.bill button[data-language='bn']")
        .await?;
    let saved = app
        .wait_for_text("#bill-printed", |t| t.contains(".pdf"))
        .await?;
    let pdf = SyncServer::saved_path(&saved);
    anyhow::ensure!(pdf.ends_with("-bn.pdf"), "{saved}");
    let text = std::process::Command::new("pdftotext")
        .args([pdf.as_str(), "-"])
        .output()?;
    let text = String::from_utf8_lossy(&text.stdout);
    anyhow::ensure!(
        text.contains("৫০০"),
        "the receipt's amounts in Bangla digits: {text}"
    );
    let shots = clinic_tests::workspace_root().join("e2e-screenshots");
    std::fs::create_dir_all(&shots)?;
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "80", "-png", "-singlefile", pdf.as_str()])
        .arg(shots.join("61-receipt-bn"))
        .status()?;
    anyhow::ensure!(status.success(), "pdftoppm {pdf}");

    // The server returns: the payment is pushed, and the bill is the server's.
    server.resume()?;
    app.wait_for_text("#connection", |t| t == "Online").await?;
    app.wait_for_text("#sync-state", |t| t.contains("All changes synced"))
        .await?;
    let synced = app
        .wait_for_text("#bills li.bill", |t| {
            t.contains("Paid") && !t.contains("waiting")
        })
        .await?;
    anyhow::ensure!(synced.contains("INV-"), "{synced}");
    // Part of it given back in cash, with the reason: the bill says so.
    app.click("#refund-amount").await?;
    app.type_keys("100").await?;
    app.click("#give-back-reason").await?;
    app.type_keys("Dressing not needed").await?;
    app.click("#refund-save").await?;
    app.wait_for_text("#bills li.bill", |t| {
        t.contains("Partly refunded") && t.contains("Given back ৳100.00")
    })
    .await?;
    app.screenshot("62-desk-bill-partly-refunded").await?;
    app.wait_for_text("#sync-state", |t| t.contains("All changes synced"))
        .await?;
    app.close().await?;

    // The admin's takings: ৳500 in cash, ৳100 given back — in Bangla too.
    let admin = server.login("admin")?;
    let office = Workstation::new(&server.url)?;
    let app = office.launch(Build::Staff).await?;
    app.wait_for("#sign-in").await?;
    app.sign_in_by_keyboard(&admin.email, &admin.password)
        .await?;
    app.wait_for_text("#takings-net", |t| t == "৳400.00")
        .await?;
    app.click("#language-switch").await?;
    app.wait_for_text("#takings-net", |t| t == "৳৪০০.০০")
        .await?;
    app.screenshot("63-admin-takings-bn").await?;
    app.close().await?;
    Ok(())
}
