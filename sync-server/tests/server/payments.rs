//! Paying online through SSLCommerz, against a loopback stand-in that checks the exact requests
//! (paths, form fields, credentials) and a test that signs notices the way SSLCommerz does:
//! duplicates, a failure before the success and one after it, a wrong signature, a wrong amount.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::routing::{get, post};
use clinic_core::billing::{PaymentMethod, Standing};
use clinic_sync::settings::Settings;
use md5::{Digest, Md5};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::clinic::*;
use crate::common::*;

const STORE_ID: &str = "clinic0test";
const STORE_PASSWORD: &str = "clinic0test@ssl";

/// What the stand-in was asked, and what its validation service says of each `val_id`.
#[derive(Default)]
struct Seen {
    sessions: Vec<HashMap<String, String>>,
    validations: Vec<HashMap<String, String>>,
    /// val_id → (tran_id, amount, currency, risk_level)
    payments: HashMap<String, (String, String, String, String)>,
}

type StandIn = Arc<Mutex<Seen>>;

async fn session(
    State(seen): State<StandIn>,
    Form(form): Form<HashMap<String, String>>,
) -> axum::Json<Value> {
    let tran_id = form.get("tran_id").cloned().unwrap_or_default();
    seen.lock().unwrap().sessions.push(form);
    axum::Json(json!({"status": "SUCCESS", "sessionkey": "SESSION1",
                      "GatewayPageURL": format!("https://sandbox.example/pay/{tran_id}")}))
}

async fn validation(
    State(seen): State<StandIn>,
    Query(query): Query<HashMap<String, String>>,
) -> axum::Json<Value> {
    let mut seen = seen.lock().unwrap();
    let found = seen
        .payments
        .get(query.get("val_id").map_or("", String::as_str))
        .cloned();
    seen.validations.push(query);
    axum::Json(match found {
        Some((tran_id, amount, currency, risk)) => json!({
            "status": "VALID", "tran_id": tran_id, "val_id": "VAL-1", "amount": amount,
            "currency": currency, "bank_tran_id": "BANK-77", "risk_level": risk}),
        None => json!({"status": "INVALID_TRANSACTION"}),
    })
}

async fn stand_in() -> (String, StandIn) {
    let seen = StandIn::default();
    let app = axum::Router::new()
        .route("/gwprocess/v4/api.php", post(session))
        .route("/validator/api/validationserverAPI.php", get(validation))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

/// A notice as SSLCommerz posts it, signed with `password` over the fields it names.
fn notice(tran_id: &str, status: &str, val_id: &str, password: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        ("amount", "800.00"),
        ("bank_tran_id", "BANK-77"),
        ("currency", "BDT"),
        ("status", status),
        ("store_id", STORE_ID),
        ("tran_id", tran_id),
        ("val_id", val_id),
        ("value_a", ""),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let keys: Vec<String> = fields.iter().map(|(k, _)| k.clone()).collect();
    let mut signed = fields.clone();
    signed.push(("store_passwd".into(), md5_hex(password)));
    signed.sort();
    let text: Vec<String> = signed.iter().map(|(k, v)| format!("{k}={v}")).collect();
    fields.push(("verify_sign".into(), md5_hex(&text.join("&"))));
    fields.push(("verify_key".into(), keys.join(",")));
    fields
}

async fn post_notice(s: &TestServer, fields: &[(String, String)]) -> StatusCode {
    reqwest::Client::new()
        .post(format!("{}/api/v1/payments/sslcommerz/notice", s.url))
        .form(fields)
        .send()
        .await
        .unwrap()
        .status()
}

/// A clinic that takes payments online, Rahima's bill of ৳800 issued by desk A, and the
/// stand-in provider.
async fn billed(b: Backend) -> (Clinic, String, String, StandIn) {
    let (url, seen) = stand_in().await;
    let settings = Settings {
        sslcommerz_url: url,
        sslcommerz_store_id: Some(STORE_ID.into()),
        sslcommerz_store_password: Some(STORE_PASSWORD.into()),
        sign_in_attempts_per_minute_per_account: 10_000,
        sign_in_attempts_per_minute_per_address: 10_000,
        ..Settings::default()
    };
    let c = clinic_with_settings(b, 0, settings).await;
    let (patient, own) = patient_booked(&c).await;
    let (desk, code) = signed_in_desk(&c.s, "desk1@clinic.test", 1).await;
    let invoice = uuid(0xb000, 1);
    let bill = envelope(
        50,
        json!({"kind": "bill", "change": {"kind": "save_invoice", "invoice": invoice,
               "number": format!("INV-{code}-00001"), "patient": own,
               "lines": [{"kind": {"kind": "other"}, "description": "Video consultation",
                          "quantity": 1, "unit_price": {"minor": 80_000, "currency": "BDT"}}],
               "issue": true}}),
    );
    assert_eq!(push_one(&c.s, &desk, bill).await.answer(), Applied);
    (c, patient, invoice, seen)
}

async fn admin_sees(c: &Clinic, invoice: &str) -> clinic_core::billing::InvoiceRecord {
    let (status, page) =
        c.s.get("/api/v1/sync/pull?after=0&limit=5000", Some(&c.admin))
            .await;
    assert_eq!(status, StatusCode::OK);
    let page: clinic_core::sync::PullResponse = serde_json::from_value(page).unwrap();
    page.changes
        .into_iter()
        .rev()
        .filter_map(|c| match c.body {
            clinic_core::sync::ChangeBody::Invoice(r) if r.id.to_string() == invoice => Some(*r),
            _ => None,
        })
        .next()
        .expect("the admin pulls the invoice")
}

async fn a_patient_pays_online_once_however_the_provider_repeats_itself(b: Backend) {
    let (c, patient, invoice, seen) = billed(b).await;
    let s = &c.s;
    let checkout = format!("/api/v1/invoices/{invoice}/checkout");
    let (status, view) = s.post(&checkout, Some(&patient), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let tran_id = view["tran_id"].as_str().unwrap().to_owned();
    assert!(tran_id.len() <= 30);
    assert_eq!(
        view["gateway_url"],
        format!("https://sandbox.example/pay/{tran_id}")
    );
    {
        let seen = seen.lock().unwrap();
        let asked = &seen.sessions[0];
        for (field, want) in [
            ("store_id", STORE_ID),
            ("store_passwd", STORE_PASSWORD),
            ("total_amount", "800.00"),
            ("currency", "BDT"),
            ("tran_id", tran_id.as_str()),
            ("cus_email", "rahima@example.com"),
            ("cus_name", "Rahima Khatun"),
            ("product_profile", "non-physical-goods"),
            ("shipping_method", "NO"),
        ] {
            assert_eq!(asked.get(field).map(String::as_str), Some(want), "{field}");
        }
        assert!(asked["ipn_url"].ends_with("/api/v1/payments/sslcommerz/notice"));
        assert!(asked["product_name"].contains("INV-"));
    }
    seen.lock().unwrap().payments.insert(
        "VAL-1".into(),
        (tran_id.clone(), "800.00".into(), "BDT".into(), "0".into()),
    );

    // A failure first (out of order), then the success three times at once, then a late
    // failure: the payment is taken once.
    let failed = notice(&tran_id, "FAILED", "", STORE_PASSWORD);
    assert_eq!(post_notice(s, &failed).await, StatusCode::OK);
    let valid = notice(&tran_id, "VALID", "VAL-1", STORE_PASSWORD);
    let (a, b2, c3) = tokio::join!(
        post_notice(s, &valid),
        post_notice(s, &valid),
        post_notice(s, &valid)
    );
    assert_eq!([a, b2, c3], [StatusCode::OK; 3]);
    assert_eq!(post_notice(s, &failed).await, StatusCode::OK);
    // Once paid, a repeated notice is not validated again.
    let asked = seen.lock().unwrap().validations.len();
    assert_eq!(post_notice(s, &valid).await, StatusCode::OK);
    assert_eq!(seen.lock().unwrap().validations.len(), asked);
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM money_movement".into()).await,
        1
    );
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM online_payment WHERE state = 'paid'".into())
            .await,
        1,
        "the attempt stands paid, whatever order the notices were handled in"
    );
    let paid = admin_sees(&c, &invoice).await;
    assert_eq!(paid.standing(), Ok(Standing::Paid));
    assert_eq!(paid.payments.len(), 1);
    assert_eq!(paid.payments[0].method, PaymentMethod::Online);
    assert_eq!(paid.payments[0].reference.as_deref(), Some("BANK-77"));
    {
        let seen = seen.lock().unwrap();
        let asked = &seen.validations[0];
        for (field, want) in [
            ("val_id", "VAL-1"),
            ("store_id", STORE_ID),
            ("store_passwd", STORE_PASSWORD),
            ("v", "1"),
            ("format", "json"),
        ] {
            assert_eq!(asked.get(field).map(String::as_str), Some(want), "{field}");
        }
    }
    // The patient sees their bill paid on their own device.
    let (_, own) = s
        .get("/api/v1/sync/pull?after=0&limit=5000", Some(&patient))
        .await;
    assert!(own.to_string().contains("BANK-77"));

    // A notice with a wrong signature is refused, kept in the log, and changes nothing.
    let forged = notice(&tran_id, "VALID", "VAL-1", "not the store's password");
    assert_eq!(post_notice(s, &forged).await, StatusCode::BAD_REQUEST);
    let mut tampered = valid.clone();
    tampered[0].1 = "8.00".into();
    assert_eq!(post_notice(s, &tampered).await, StatusCode::BAD_REQUEST);
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM money_movement".into()).await,
        1
    );
    let verdicts = s
        .scalar(format!(
            "SELECT COUNT(*) FROM provider_notice WHERE tran_id = '{tran_id}' AND verdict = 'bad_signature'"
        ))
        .await;
    assert_eq!(verdicts, 2);
    assert_eq!(
        s.scalar(format!(
            "SELECT COUNT(*) FROM provider_notice WHERE tran_id = '{tran_id}' AND verdict = 'recorded'"
        ))
        .await,
        1
    );
    // Nothing is due any more: no second checkout.
    let (status, _) = s.post(&checkout, Some(&patient), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

async fn a_payment_that_is_not_the_invoices_is_held_and_nobody_elses_bill_is_paid(b: Backend) {
    let (c, patient, invoice, seen) = billed(b).await;
    let s = &c.s;
    let checkout = format!("/api/v1/invoices/{invoice}/checkout");
    // Someone else may not pay (nor learn of) Rahima's bill.
    s.sign_up("karim@example.com", "Karim Uddin").await;
    let karim = s
        .sign_in("karim@example.com", "a long patient password")
        .await;
    let (status, _) = s.post(&checkout, Some(&karim), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, view) = s.post(&checkout, Some(&patient), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let tran_id = view["tran_id"].as_str().unwrap().to_owned();
    seen.lock().unwrap().payments.insert(
        "VAL-1".into(),
        (tran_id.clone(), "700.00".into(), "BDT".into(), "0".into()),
    );
    let valid = notice(&tran_id, "VALID", "VAL-1", STORE_PASSWORD);
    assert_eq!(post_notice(s, &valid).await, StatusCode::OK);
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM money_movement".into()).await,
        0
    );
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM online_payment WHERE state = 'held'".into())
            .await,
        1
    );
    assert_eq!(
        admin_sees(&c, &invoice).await.standing(),
        Ok(Standing::Issued)
    );
    // A notice for a transaction the clinic never started is not believed.
    let stranger = notice("NOT-OURS", "VALID", "VAL-1", STORE_PASSWORD);
    assert_eq!(post_notice(s, &stranger).await, StatusCode::NOT_FOUND);
}

async fn a_clinic_without_online_payments_says_so(b: Backend) {
    let c = clinic(b, 0).await;
    let (patient, _) = patient_booked(&c).await;
    let (status, body) =
        c.s.post(
            &format!("/api/v1/invoices/{}/checkout", uuid(0xb000, 1)),
            Some(&patient),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("pay at the desk"));
    let status = post_notice(&c.s, &notice("T", "VALID", "V", STORE_PASSWORD)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    a_patient_pays_online_once_however_the_provider_repeats_itself,
    a_payment_that_is_not_the_invoices_is_held_and_nobody_elses_bill_is_paid,
    a_clinic_without_online_payments_says_so,
);
