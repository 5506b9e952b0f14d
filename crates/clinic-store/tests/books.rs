//! The clinic's books on a real SQLCipher file: a change to an invoice is judged here by the
//! core's billing judge, shown and queued in one transaction (offline too), and the shown
//! invoice is always what the server confirmed with this desk's pending changes on top.

use chrono::{DateTime, TimeZone, Utc};
use clinic_core::account::PatientDemographics;
use clinic_core::billing::{
    BillingCommand, BillingProblem, BillingRefusal, InvoiceLine, LineKind, PaymentMethod, Standing,
};
use clinic_core::money::{Currency, Money};
use clinic_core::sync::{
    Change, ChangeBody, Command, CommandEnvelope, CommandOutcome, CommandResult, PullResponse,
    Rejection,
};
use clinic_core::{Actor, CommandId, PatientId, Role};
use clinic_store::registry::RecordError;
use clinic_store::{DatabaseKey, Store};

fn id<T: std::str::FromStr>(n: u128) -> T
where
    T::Err: std::fmt::Debug,
{
    uuid::Uuid::from_u128(n).to_string().parse().unwrap()
}

fn at(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, h, 0, 0).unwrap()
}

fn desk() -> Actor {
    Actor::User {
        id: id(7),
        role: Role::FrontDesk,
    }
}

fn taka(amount: i64) -> Money {
    Money::new(amount * 100, Currency::BDT)
}

const PATIENT: u128 = 100;
const INVOICE: u128 = 500;

/// A desk with code 3, the clinic's currency known, and one registered patient.
fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("desk.db"), &DatabaseKey::generate()).unwrap();
    store.set_desk_code(3).unwrap();
    store.set_clinic_currency("BDT").unwrap();
    store
        .record(&CommandEnvelope::new(
            id::<CommandId>(1),
            at(8),
            id(7),
            Command::RegisterPatient {
                patient: id(PATIENT),
                patient_number: "3-0001".into(),
                demographics: PatientDemographics {
                    full_name: "রহিমা খাতুন".into(),
                    sex: None,
                    date_of_birth: None,
                    phone: None,
                    email: None,
                    address: None,
                    emergency_contact: None,
                },
            },
        ))
        .unwrap();
    (dir, store)
}

fn new_invoice(number: &str, fee: i64) -> BillingCommand {
    BillingCommand::SaveInvoice {
        invoice: id(INVOICE),
        number: number.into(),
        patient: id(PATIENT),
        appointment: None,
        lines: vec![InvoiceLine {
            kind: LineKind::Other,
            description: "Dressing".into(),
            quantity: 1,
            unit_price: taka(fee),
            discount: None,
            tax_basis_points: 0,
        }],
        issue: true,
    }
}

fn cash(payment: u128, amount: i64) -> BillingCommand {
    BillingCommand::TakePayment {
        invoice: id(INVOICE),
        payment: id(payment),
        amount: taka(amount),
        method: PaymentMethod::Cash,
        reference: None,
    }
}

fn pending_bills(store: &Store) -> Vec<CommandEnvelope> {
    store
        .pending_commands(100)
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.command, Command::Bill { .. }))
        .collect()
}

#[test]
fn cash_taken_offline_is_shown_and_queued_together_and_numbered_from_the_desks_series() {
    let (_dir, mut store) = store();
    let number = store.next_invoice_number().unwrap();
    assert_eq!(number, "INV-3-00001");
    let (_, issued) = store
        .record_billing(id(10), at(9), desk(), new_invoice(&number, 300))
        .unwrap();
    assert_eq!(issued.standing(), Ok(Standing::Issued));
    assert_eq!(store.next_invoice_number().unwrap(), "INV-3-00002");
    let (_, paid) = store
        .record_billing(id(11), at(9), desk(), cash(600, 300))
        .unwrap();
    assert_eq!(paid.standing(), Ok(Standing::Paid));
    assert_eq!(store.invoice(id(INVOICE)).unwrap(), Some(paid.clone()));
    assert_eq!(store.invoices_of(id(PATIENT)).unwrap(), vec![paid]);
    assert!(store.invoice_pending(id(INVOICE)).unwrap());
    assert_eq!(pending_bills(&store).len(), 2);

    // Refused here, before anything is written: more than is due, a doctor billing, an
    // unknown patient, a number of another desk's series.
    let before = pending_bills(&store).len();
    let err = store
        .record_billing(id(12), at(9), desk(), cash(601, 1))
        .unwrap_err();
    assert!(
        matches!(
            err,
            RecordError::Billing(BillingRefusal::Problem(BillingProblem::NothingDue))
        ),
        "{err:?}"
    );
    let doctor = Actor::User {
        id: id(8),
        role: Role::Doctor,
    };
    let err = store
        .record_billing(id(13), at(9), doctor, new_invoice("INV-3-00002", 10))
        .unwrap_err();
    assert!(matches!(
        err,
        RecordError::Billing(BillingRefusal::Forbidden)
    ));
    let mut stranger = new_invoice("INV-3-00002", 10);
    if let BillingCommand::SaveInvoice {
        patient, invoice, ..
    } = &mut stranger
    {
        *patient = id::<PatientId>(999);
        *invoice = id(501);
    }
    let err = store
        .record_billing(id(14), at(9), desk(), stranger)
        .unwrap_err();
    assert!(matches!(
        err,
        RecordError::Billing(BillingRefusal::UnknownPatient)
    ));
    let mut foreign = new_invoice("INV-4-00001", 10);
    if let BillingCommand::SaveInvoice { invoice, .. } = &mut foreign {
        *invoice = id(502);
    }
    let err = store
        .record_billing(id(15), at(9), desk(), foreign)
        .unwrap_err();
    assert!(matches!(
        err,
        RecordError::Billing(BillingRefusal::NotThisDesksSeries)
    ));
    assert_eq!(pending_bills(&store).len(), before);
}

#[test]
fn a_desk_that_never_heard_the_clinics_currency_says_so_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("desk.db"), &DatabaseKey::generate()).unwrap();
    store.set_desk_code(3).unwrap();
    let err = store
        .record_billing(id(10), at(9), desk(), new_invoice("INV-3-00001", 300))
        .unwrap_err();
    assert!(matches!(err, RecordError::NoClinicCurrency), "{err:?}");
    assert!(err.to_string().contains("currency"));
    assert!(store.pending_commands(10).unwrap().is_empty());
}

#[test]
fn the_servers_books_are_the_base_and_this_desks_pending_payment_stays_on_top() {
    let (_dir, mut store) = store();
    let (saved, issued) = store
        .record_billing(id(10), at(9), desk(), new_invoice("INV-3-00001", 500))
        .unwrap();
    // The server applied the invoice; its record arrives by pull.
    store
        .settle_pushed(
            &[CommandOutcome {
                id: Some(saved.id),
                result: CommandResult::Applied { seq: 4 },
            }],
            at(9),
        )
        .unwrap();
    let pull = |seq: u64, record: &clinic_core::billing::InvoiceRecord| PullResponse {
        changes: vec![Change {
            seq,
            body: ChangeBody::Invoice(Box::new(record.clone())),
        }],
        cursor: seq,
        more: false,
        restarted: false,
    };
    store.apply_pulled(&pull(4, &issued), at(9)).unwrap();
    assert!(!store.invoice_pending(id(INVOICE)).unwrap());

    // Cash taken here while offline; meanwhile another desk took 200 (the server's record).
    let (mine, _) = store
        .record_billing(id(11), at(10), desk(), cash(600, 100))
        .unwrap();
    let other_desk = issued
        .pay(clinic_core::billing::PaymentRecord {
            id: id(700),
            amount: taka(200),
            method: PaymentMethod::Cash,
            reference: None,
            received_by: id(9),
            at: at(10),
        })
        .unwrap();
    store.apply_pulled(&pull(6, &other_desk), at(10)).unwrap();
    let shown = store.invoice(id(INVOICE)).unwrap().unwrap();
    assert_eq!(shown.payments.len(), 2, "the server's payment and mine");
    assert_eq!(shown.due(), Ok(taka(200)));

    // The server refuses mine (say, the invoice was voided elsewhere): it leaves the shown
    // invoice, which is the server's again.
    store
        .settle_pushed(
            &[CommandOutcome {
                id: Some(mine.id),
                result: CommandResult::Rejected(Rejection::from(BillingRefusal::Problem(
                    BillingProblem::InvoiceVoid,
                ))),
            }],
            at(10),
        )
        .unwrap();
    assert_eq!(store.invoice(id(INVOICE)).unwrap(), Some(other_desk));
    let refused = store.rejected_commands().unwrap();
    assert_eq!(refused.len(), 1);
    assert!(pending_bills(&store).is_empty());
}
