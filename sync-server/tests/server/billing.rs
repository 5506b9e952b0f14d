//! The clinic's books through the sync engine: invoices numbered by the desk's series, cash
//! taken once however often it is pushed, every refusal with its reason, and the books pulled
//! only by the desk, the admins and the patient whose bill it is.

use crate::common::clinic::*;
use crate::common::*;
use clinic_core::billing::{BillingProblem, BillingRefusal, InvoiceRecord, Standing};
use clinic_core::money::{Currency, Money};
use clinic_core::sync::{ChangeBody, CommandResult, PullResponse};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn bill(n: u32, change: Value) -> Value {
    envelope(n, json!({"kind": "bill", "change": change}))
}

fn taka(amount: i64) -> Value {
    json!({"minor": amount * 100, "currency": "BDT"})
}

fn invoice_id(n: u32) -> String {
    uuid(0xb000, n)
}

/// Save invoice `n` numbered `number` for `patient`: one consultation line of `fee` taka.
fn save(
    n: u32,
    invoice: u32,
    number: &str,
    patient: &str,
    appointment: Option<u32>,
    fee: i64,
) -> Value {
    bill(
        n,
        json!({"kind": "save_invoice", "invoice": invoice_id(invoice), "number": number,
               "patient": patient, "appointment": appointment.map(|a| uuid(0xa000, a)),
               "lines": [{"kind": {"kind": "other"}, "description": "Consultation",
                          "quantity": 1, "unit_price": taka(fee)}],
               "issue": true}),
    )
}

fn pay(n: u32, invoice: u32, payment: u32, amount: Value, method: &str) -> Value {
    bill(
        n,
        json!({"kind": "take_payment", "invoice": invoice_id(invoice),
               "payment": uuid(0xc000, payment), "amount": amount, "method": method}),
    )
}

fn refund(n: u32, invoice: u32, refund: u32, amount: Value) -> Value {
    bill(
        n,
        json!({"kind": "refund_payment", "invoice": invoice_id(invoice),
               "refund": uuid(0xc100, refund), "amount": amount, "method": "cash",
               "reason": "The doctor was called away"}),
    )
}

fn void(n: u32, invoice: u32) -> Value {
    bill(
        n,
        json!({"kind": "void_invoice", "invoice": invoice_id(invoice),
               "reason": "Made for the wrong patient"}),
    )
}

/// The billing judge's refusal of a pushed change.
fn billing_refusal(outcome: &CommandOutcome) -> BillingRefusal {
    refusal(outcome)
        .billing
        .as_deref()
        .cloned()
        .unwrap_or_else(|| panic!("a billing refusal: {outcome:?}"))
}

/// The invoices a caller receives by pulling, by id (the latest of each).
async fn pulled_invoices(s: &TestServer, token: &str) -> Vec<InvoiceRecord> {
    let (status, page) = s
        .get("/api/v1/sync/pull?after=0&limit=5000", Some(token))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let page: PullResponse = serde_json::from_value(page).unwrap();
    let mut by_id = std::collections::BTreeMap::new();
    for change in page.changes {
        if let ChangeBody::Invoice(record) = change.body {
            by_id.insert(record.id, *record);
        }
    }
    by_id.into_values().collect()
}

async fn cash_at_the_desk_is_taken_once_and_only_the_desk_the_admins_and_the_patient_see_it(
    b: Backend,
) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    let (patient_token, own) = patient_booked(&c).await;
    let (desk, code) = signed_in_desk(s, "desk1@clinic.test", 1).await;
    let number = format!("INV-{code}-00001");
    let saved = push_one(s, &desk, save(10, 1, &number, &own, Some(1), 800)).await;
    assert_eq!(saved.answer(), Applied, "{saved:?}");
    // Cash, pushed three times (a desk that lost the answers): taken once, answered alike.
    let cash = pay(11, 1, 1, taka(800), "cash");
    let first = push_one(s, &desk, cash.clone()).await;
    let again = push(s, &desk, vec![cash.clone(), cash]).await;
    assert_eq!(first.answer(), Applied, "{first:?}");
    assert_eq!(again, vec![first.clone(), first.clone()]);
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM money_movement".into()).await,
        1
    );
    assert_eq!(
        s.scalar("SELECT paid_minor FROM invoice".into()).await,
        80_000
    );

    for (who, token) in [("the other desk", &c.desk_b), ("the admin", &c.admin)] {
        let books = pulled_invoices(s, token).await;
        assert_eq!(books.len(), 1, "{who} sees the invoice");
        assert_eq!(books[0].number, number);
        assert_eq!(books[0].standing(), Ok(Standing::Paid), "{who}");
    }
    let own_books = pulled_invoices(s, &patient_token).await;
    assert_eq!(own_books.len(), 1, "the patient sees their own bill");
    assert_eq!(own_books[0].payments.len(), 1);
    assert!(
        pulled_invoices(s, &c.doctor_token).await.is_empty(),
        "doctors see fees, not bills"
    );
    // Another patient sees nothing of Rahima's bill.
    s.sign_up("karim@example.com", "Karim Uddin").await;
    let karim = s
        .sign_in("karim@example.com", "a long patient password")
        .await;
    assert!(pulled_invoices(s, &karim).await.is_empty());

    // Refund it all, then void it: the number stays taken.
    let back = push_one(s, &desk, refund(12, 1, 1, taka(800))).await;
    assert_eq!(back.answer(), Applied, "{back:?}");
    assert_eq!(push_one(s, &desk, void(13, 1)).await.answer(), Applied);
    let books = pulled_invoices(s, &c.admin).await;
    assert_eq!(books[0].standing(), Ok(Standing::Void));
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM money_movement WHERE direction = 'out'".into())
            .await,
        1
    );
    let reused = push_one(s, &desk, save(14, 2, &number, &own, None, 100)).await;
    assert_eq!(
        reused.answer(),
        Refused(RejectionReason::InvoiceNumberTaken)
    );
}

async fn every_wrong_change_to_the_books_is_refused_with_its_reason_and_changes_nothing(
    b: Backend,
) {
    let c = clinic(b, 2).await;
    let s = &c.s;
    let (_, own) = patient_booked(&c).await;
    let (desk, code) = signed_in_desk(s, "desk1@clinic.test", 1).await;
    let (_, other_code) = signed_in_desk(s, "desk2@clinic.test", 2).await;
    let n = |serial: u32| format!("INV-{code}-{serial:05}");

    let doctor_bills = push_one(s, &c.doctor_token, save(20, 1, &n(1), &own, None, 500)).await;
    assert_eq!(doctor_bills.answer(), Refused(RejectionReason::Forbidden));
    let foreign = format!("INV-{other_code}-00001");
    let outcome = push_one(s, &desk, save(21, 1, &foreign, &own, None, 500)).await;
    assert_eq!(
        billing_refusal(&outcome),
        BillingRefusal::NotThisDesksSeries
    );
    let outcome = push_one(s, &desk, save(22, 1, &n(1), &uuid(0x9000, 77), None, 500)).await;
    assert_eq!(outcome.answer(), Refused(RejectionReason::UnknownPatient));
    // Appointment 1 is Rahima's, not the registered patient's.
    let outcome = push_one(s, &desk, save(23, 1, &n(1), &c.patients[0], Some(1), 500)).await;
    assert_eq!(
        billing_refusal(&outcome),
        BillingRefusal::AppointmentOfAnotherPatient
    );
    let outcome = push_one(s, &desk, save(24, 1, &n(1), &own, Some(99), 500)).await;
    assert_eq!(
        outcome.answer(),
        Refused(RejectionReason::UnknownAppointment)
    );
    let outcome = push_one(s, &desk, save(25, 1, &n(1), &own, None, 0)).await;
    assert_eq!(
        billing_refusal(&outcome),
        BillingRefusal::Problem(BillingProblem::BadPrice { line: 1 })
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM invoice".into()).await, 0);

    assert_eq!(
        push_one(s, &desk, save(26, 1, &n(1), &own, Some(1), 500))
            .await
            .answer(),
        Applied
    );
    let outcome = push_one(s, &desk, pay(27, 9, 1, taka(500), "cash")).await;
    assert_eq!(outcome.answer(), Refused(RejectionReason::UnknownInvoice));
    let outcome = push_one(s, &desk, pay(28, 1, 1, taka(501), "cash")).await;
    assert_eq!(
        billing_refusal(&outcome),
        BillingRefusal::Problem(BillingProblem::MoreThanDue {
            due: Money::new(50_000, Currency::BDT)
        })
    );
    assert_eq!(refusal(&outcome).status, 422);
    for (n, amount) in [(29, taka(0)), (30, taka(-5))] {
        let outcome = push_one(s, &desk, pay(n, 1, 1, amount, "cash")).await;
        assert_eq!(
            billing_refusal(&outcome),
            BillingRefusal::Problem(BillingProblem::NotPositive)
        );
    }
    let dollars = json!({"minor": 500, "currency": "USD"});
    let outcome = push_one(s, &desk, pay(31, 1, 1, dollars, "cash")).await;
    assert_eq!(
        billing_refusal(&outcome),
        BillingRefusal::Problem(BillingProblem::WrongCurrency {
            expected: Currency::BDT
        })
    );
    let outcome = push_one(s, &desk, pay(32, 1, 1, taka(200), "card")).await;
    assert_eq!(
        billing_refusal(&outcome),
        BillingRefusal::Problem(BillingProblem::ReferenceRequired)
    );
    // An amount too large to hold is refused as malformed, never wrapped.
    let huge = json!({"minor": u64::MAX, "currency": "BDT"});
    let outcome = push_one(s, &desk, pay(33, 1, 1, huge, "cash")).await;
    assert_eq!(outcome.answer(), Refused(RejectionReason::Malformed));
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM money_movement".into()).await,
        0
    );

    // Part of it in cash, then a refund above what was paid, then voiding a paid invoice.
    assert_eq!(
        push_one(s, &desk, pay(34, 1, 2, taka(200), "cash"))
            .await
            .answer(),
        Applied
    );
    let outcome = push_one(s, &desk, refund(35, 1, 1, taka(300))).await;
    assert_eq!(
        billing_refusal(&outcome),
        BillingRefusal::Problem(BillingProblem::MoreThanPaid {
            refundable: Money::new(20_000, Currency::BDT)
        })
    );
    let outcome = push_one(s, &desk, void(36, 1)).await;
    assert_eq!(
        billing_refusal(&outcome),
        BillingRefusal::Problem(BillingProblem::PaidInvoiceCannotBeVoided)
    );
    let outcome = push_one(s, &c.doctor_token, refund(37, 1, 2, taka(100))).await;
    assert_eq!(outcome.answer(), Refused(RejectionReason::Forbidden));
    let books = pulled_invoices(s, &c.admin).await;
    assert_eq!(books[0].standing(), Ok(Standing::PartlyPaid));
    assert_eq!(books[0].due(), Ok(Money::new(30_000, Currency::BDT)));
    // A refused command's answer is kept too: pushed again, refused again, nothing taken.
    let again = push_one(s, &desk, pay(28, 1, 1, taka(501), "cash")).await;
    assert!(matches!(again.result, CommandResult::Rejected(_)));
}

async fn two_desks_paying_one_invoice_in_one_group_never_take_more_than_is_due(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    let (_, own) = patient_booked(&c).await;
    let (desk, code) = signed_in_desk(s, "desk1@clinic.test", 1).await;
    let number = format!("INV-{code}-00001");
    assert_eq!(
        push_one(s, &desk, save(40, 1, &number, &own, None, 600))
            .await
            .answer(),
        Applied
    );
    // Both desks take the whole fee at once (offline, then both come back): the first push
    // the server orders is taken, the other is refused — nothing is due any more.
    let (a, b2) = tokio::join!(
        push_one(s, &desk, pay(41, 1, 1, taka(600), "cash")),
        push_one(s, &c.desk_b, pay(42, 1, 2, taka(600), "cash")),
    );
    let answers = [a.answer(), b2.answer()];
    assert!(answers.contains(&Applied), "{answers:?}");
    let refused = if a.answer() == Applied { &b2 } else { &a };
    assert_eq!(
        billing_refusal(refused),
        BillingRefusal::Problem(BillingProblem::NothingDue)
    );
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM money_movement".into()).await,
        1
    );
}

fn line(kind: Value, description: &str, fee: i64) -> Value {
    json!({"kind": kind, "description": description, "quantity": 1, "unit_price": taka(fee)})
}

async fn the_admin_sees_the_days_takings_by_method_doctor_and_service(b: Backend) {
    let c = clinic(b, 1).await;
    let s = &c.s;
    let (desk, code) = signed_in_desk(s, "desk1@clinic.test", 1).await;
    let patient = &c.patients[0];
    let invoice = |n: u32, serial: u32, lines: Vec<Value>| {
        bill(
            n,
            json!({"kind": "save_invoice", "invoice": invoice_id(serial),
                   "number": format!("INV-{code}-{serial:05}"), "patient": patient,
                   "lines": lines, "issue": true}),
        )
    };
    let consultation =
        json!({"kind": "consultation", "doctor": c.doctor, "consultation": "in_person"});
    let ecg = json!({"kind": "service", "code": "ECG"});
    let card = bill(
        64,
        json!({"kind": "take_payment", "invoice": invoice_id(2), "payment": uuid(0xc000, 2),
               "amount": taka(500), "method": "card", "reference": "SLIP-0042"}),
    );
    let pushes = vec![
        invoice(60, 1, vec![line(consultation, "Consultation", 800)]),
        invoice(61, 2, vec![line(ecg, "ECG", 500)]),
        invoice(62, 3, vec![line(json!({"kind": "other"}), "Dressing", 300)]),
        pay(63, 1, 1, taka(800), "cash"),
        card,
        refund(65, 1, 1, taka(100)),
    ];
    for outcome in push(s, &desk, pushes).await {
        assert_eq!(outcome.answer(), Applied, "{outcome:?}");
    }
    let (status, body) = s.get("/api/v1/takings", Some(&desk)).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the desk does not read the takings: {body}"
    );
    let (status, t) = s.get("/api/v1/takings", Some(&c.admin)).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let t: clinic_core::billing::takings::Takings = serde_json::from_value(t).unwrap();
    let m = |n: i64| Money::new(n * 100, Currency::BDT);
    let by_method: Vec<(&str, Money, u64)> = t
        .received
        .iter()
        .map(|r| (r.method.as_str(), r.amount, r.payments))
        .collect();
    assert_eq!(by_method, vec![("card", m(500), 1), ("cash", m(800), 1)]);
    assert_eq!((t.refunded, t.net), (m(100), m(1200)));
    assert_eq!(t.billed_by_doctor.len(), 1);
    assert_eq!(t.billed_by_doctor[0].amount, m(800));
    assert_eq!(t.billed_by_doctor[0].doctor.to_string(), c.doctor);
    assert_eq!(t.billed_by_service[0].code, "ECG");
    assert_eq!(t.billed_by_service[0].amount, m(500));
    assert_eq!(t.billed_other, m(300));
    assert_eq!((t.outstanding_invoices, t.outstanding), (1, m(300)));
    // A period that ends before it starts is named; a void invoice's lines are not billed.
    let (status, body) = s
        .get(
            "/api/v1/takings?from=2026-12-06&to=2026-12-01",
            Some(&c.admin),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][0]["field"], "to");
    assert_eq!(push_one(s, &desk, void(66, 3)).await.answer(), Applied);
    let (_, t) = s.get("/api/v1/takings", Some(&c.admin)).await;
    assert_eq!(t["billed_other"]["minor"], 0);
    assert_eq!(t["outstanding_invoices"], 0);
}

on_both_backends!(
    the_admin_sees_the_days_takings_by_method_doctor_and_service,
    cash_at_the_desk_is_taken_once_and_only_the_desk_the_admins_and_the_patient_see_it,
    every_wrong_change_to_the_books_is_refused_with_its_reason_and_changes_nothing,
    two_desks_paying_one_invoice_in_one_group_never_take_more_than_is_due,
);
