//! The desk service against a real server (in-process, embedded SQLite, loopback port) and a
//! real SQLCipher store: online, offline and back — no window, no browser.

use std::path::PathBuf;
use std::time::Instant;

use clinic_core::account::{DemographicsForm, FieldError, FieldProblem};
use clinic_core::availability::{ConsultationType, Slot};
use clinic_core::ipc::{BookArgs, Edition, FreeSlotsArgs, IpcError};
use clinic_core::sync::{Command, CommandEnvelope, CommandResult, Rejection, RejectionReason};
use clinic_core::wire::ErrorCode;
use clinic_core::{AppointmentId, CommandId, Role, UserId};
use clinic_desk::{Desk, DeskConfig};
use clinic_sync::testing::{self, Spawned};
use clinic_sync::Settings;

/// A clinic: its server, the folder its data and the desks' stores live in, who works there.
struct Clinic {
    server: Option<Spawned>,
    url: String,
    dir: tempfile::TempDir,
    staff: Vec<clinic_sync::accounts::Credential>,
}

impl Clinic {
    async fn open() -> Clinic {
        let dir = tempfile::tempdir().unwrap();
        let server = testing::spawn(Clinic::settings(&dir)).await.unwrap();
        let staff = server.seed_demo(&dir.path().join("server")).await.unwrap();
        Clinic {
            url: server.url.clone(),
            server: Some(server),
            dir,
            staff,
        }
    }

    fn settings(dir: &tempfile::TempDir) -> Settings {
        Settings {
            data_dir: dir.path().join("server"),
            ..Settings::default()
        }
    }

    /// The server goes away (the clinic's network is down).
    fn go_offline(&mut self) {
        self.server = None;
    }

    /// The server is back where it was, with everything it had.
    async fn come_back(&mut self) {
        let server = testing::spawn_at(Clinic::settings(&self.dir), &self.url)
            .await
            .unwrap();
        self.server = Some(server);
    }

    fn server(&self) -> &Spawned {
        self.server.as_ref().expect("the server is up")
    }

    fn credential(&self, role: Role) -> (&str, &str) {
        let c = self
            .staff
            .iter()
            .find(|c| c.role == role)
            .expect("the demo clinic has this role");
        (&c.email, &c.password)
    }

    /// A desk at this clinic: its own encrypted store, its key in a file (no keyring here).
    fn desk(&self, name: &str) -> Desk {
        self.desk_of(Edition::Staff, name)
    }

    /// A desk of either build (the staff app or the patient app).
    fn desk_of(&self, edition: Edition, name: &str) -> Desk {
        let folder: PathBuf = self.dir.path().join(name);
        Desk::open(
            edition,
            &folder,
            DeskConfig {
                server_url: self.url.clone(),
                key_file: Some(self.dir.path().join(format!("{name}.key"))),
                device_name: Some(name.to_owned()),
                lock_after_seconds: None,
                jitsi_url: None,
                allow_plain_http: false,
            },
            Instant::now(),
        )
    }

    async fn signed_in_desk(&self, name: &str, role: Role) -> Desk {
        let desk = self.desk(name);
        let (email, password) = self.credential(role);
        desk.sign_in(email, password).await.unwrap();
        desk.sync_now().await.unwrap();
        desk
    }

    async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.server().storage.pool)
            .await
            .unwrap()
    }
}

fn patient_form(name: &str) -> DemographicsForm {
    DemographicsForm {
        full_name: name.into(),
        phone: Some("01711 000 111".into()),
        ..Default::default()
    }
}

/// The first doctor the desk knows and their next free in-person slot.
fn doctor_and_free_slot(desk: &Desk) -> (UserId, Slot) {
    let doctors = desk.clinic_doctors().unwrap();
    for doctor in doctors {
        let slots = desk
            .free_slots(&FreeSlotsArgs {
                doctor: Some(doctor.id),
                specialty: None,
                consultation: ConsultationType::InPerson,
                from: None,
                days: 14,
                limit: 1,
            })
            .unwrap();
        if let Some(slot) = slots.into_iter().next() {
            return (doctor.id, slot);
        }
    }
    panic!("no doctor of the demo clinic has a free slot in two weeks");
}

#[tokio::test]
async fn a_desk_registers_and_books_offline_and_the_server_takes_both_when_it_is_back() {
    let mut clinic = Clinic::open().await;
    let desk = clinic.signed_in_desk("front-desk", Role::FrontDesk).await;
    let (doctor, slot) = doctor_and_free_slot(&desk);

    clinic.go_offline();
    let patient = desk
        .register_patient(&patient_form("Zarina Qadir"))
        .unwrap();
    let booked = desk
        .book_appointment(&BookArgs {
            patient: patient.id,
            doctor,
            consultation: ConsultationType::InPerson,
            start: Some(slot.start),
            reason: Some("  fever since Monday \n".into()),
        })
        .unwrap();
    assert!(booked.pending, "shown at once, waiting for the server");
    assert_eq!(
        booked.appointment.reason.as_deref(),
        Some("fever since Monday")
    );
    let offline = desk.sync_now().await.unwrap_err();
    assert_eq!(offline.code, ErrorCode::ServerUnreachable, "{offline:?}");
    assert_eq!(desk.search_patients("Zarina").unwrap().len(), 1);

    clinic.come_back().await;
    let round = desk.sync_now().await.unwrap();
    assert_eq!((round.pushed, round.rejected), (2, 0), "{round:?}");
    assert_eq!(
        clinic
            .count("SELECT count(*) FROM patient WHERE full_name = 'Zarina Qadir'")
            .await,
        1
    );
    assert_eq!(
        clinic
            .count(
                "SELECT count(*) FROM appointment a JOIN patient p ON p.id = a.patient_id
                 WHERE p.full_name = 'Zarina Qadir' AND a.status = 'confirmed'"
            )
            .await,
        1
    );
    // A second desk sees both, and the slot is no longer free there.
    let other = clinic.signed_in_desk("desk-2", Role::FrontDesk).await;
    assert_eq!(other.search_patients("Zarina").unwrap().len(), 1);
    let (_, next) = doctor_and_free_slot(&other);
    assert_ne!(
        next.start, slot.start,
        "the booked slot is taken everywhere"
    );
}

/// The same booking the desk would make, sent straight to the server with its own session.
async fn pushed_straight(clinic: &Clinic, role: Role, by: UserId, command: Command) -> Rejection {
    let client = clinic_sync_client::SyncClient::new(&clinic.url);
    let (email, password) = clinic.credential(role);
    let grant = client.sign_in(email, password, None, None).await.unwrap();
    let envelope = CommandEnvelope::new(
        CommandId::from_uuid(uuid::Uuid::now_v7()),
        chrono::Utc::now(),
        by,
        command,
    );
    let answer = client.push(&grant.token, &[envelope]).await.unwrap();
    match &answer.outcomes[0].result {
        CommandResult::Rejected(rejection) => rejection.clone(),
        other => panic!("the server took it: {other:?}"),
    }
}

#[tokio::test]
async fn the_desk_and_the_server_refuse_the_same_malformed_booking_for_the_same_reason() {
    let clinic = Clinic::open().await;
    let desk = clinic.signed_in_desk("front-desk", Role::FrontDesk).await;
    let me = desk.me().await.unwrap().account.id;
    let patient = desk.register_patient(&patient_form("Karim Uddin")).unwrap();
    desk.sync_now().await.unwrap();
    let (doctor, slot) = doctor_and_free_slot(&desk);
    let far = chrono::Utc::now() + chrono::Duration::days(800);
    for (start, reason, field, problem) in [
        (
            slot.start,
            "fever\u{7}",
            "reason",
            FieldProblem::InvalidCharacters,
        ),
        (
            slot.start,
            &*"জ্বর ".repeat(120),
            "reason",
            FieldProblem::TooLong { max: 500 },
        ),
        (
            far,
            "check-up",
            "start",
            FieldProblem::TooFarAhead { max_days: 366 },
        ),
    ] {
        let args = BookArgs {
            patient: patient.id,
            doctor,
            consultation: ConsultationType::InPerson,
            start: Some(start),
            reason: Some(reason.to_owned()),
        };
        let at_the_desk: IpcError = desk.book_appointment(&args).unwrap_err();
        let at_the_server = pushed_straight(
            &clinic,
            Role::FrontDesk,
            me,
            Command::BookAppointment {
                appointment: AppointmentId::from_uuid(uuid::Uuid::now_v7()),
                patient: patient.id,
                doctor,
                consultation: ConsultationType::InPerson,
                origin: clinic_core::appointment::Origin::Booked,
                start: Some(start),
                reason: Some(reason.to_owned()),
                replaces: None,
            },
        )
        .await;
        let expected = vec![FieldError::new(field, problem)];
        assert_eq!(at_the_desk.fields, expected, "{reason}");
        assert_eq!(at_the_server.fields, expected, "{reason}");
        assert_eq!(at_the_server.reason, RejectionReason::Invalid);
        assert_eq!(at_the_desk.refused, Some(at_the_server.reason));
    }
    // Nothing was queued at the desk for any of them.
    assert_eq!(desk.sync_now().await.unwrap().pushed, 0);
}

#[tokio::test]
async fn a_doctor_who_does_not_treat_a_patient_is_refused_at_the_desk_as_at_the_server() {
    let clinic = Clinic::open().await;
    let front = clinic.signed_in_desk("front-desk", Role::FrontDesk).await;
    let patient = front
        .register_patient(&patient_form("Nasrin Akter"))
        .unwrap();
    front.sync_now().await.unwrap();
    let doctor_desk = clinic.signed_in_desk("consulting-room", Role::Doctor).await;
    let me = doctor_desk.me().await.unwrap().account.id;
    let slot = doctor_desk
        .free_slots(&FreeSlotsArgs {
            doctor: Some(me),
            specialty: None,
            consultation: ConsultationType::InPerson,
            from: None,
            days: 14,
            limit: 1,
        })
        .unwrap()
        .pop()
        .expect("the doctor has a free slot");
    let args = BookArgs {
        patient: patient.id,
        doctor: me,
        consultation: ConsultationType::InPerson,
        start: Some(slot.start),
        reason: None,
    };
    let at_the_desk = doctor_desk.book_appointment(&args).unwrap_err();
    let at_the_server = pushed_straight(
        &clinic,
        Role::Doctor,
        me,
        Command::BookAppointment {
            appointment: AppointmentId::from_uuid(uuid::Uuid::now_v7()),
            patient: patient.id,
            doctor: me,
            consultation: ConsultationType::InPerson,
            origin: clinic_core::appointment::Origin::Booked,
            start: Some(slot.start),
            reason: None,
            replaces: None,
        },
    )
    .await;
    assert_eq!(at_the_server.reason, RejectionReason::Forbidden);
    assert_eq!(at_the_desk.code, ErrorCode::Forbidden);
    assert_eq!(at_the_desk.refused, Some(RejectionReason::Forbidden));
}

#[tokio::test]
async fn a_patients_details_changed_offline_reach_the_server_and_bad_ones_are_kept_back() {
    let mut clinic = Clinic::open().await;
    let desk = clinic.signed_in_desk("front-desk", Role::FrontDesk).await;
    let patient = desk
        .register_patient(&patient_form("Selina Parvin"))
        .unwrap();
    desk.sync_now().await.unwrap();

    clinic.go_offline();
    let refused = desk
        .update_patient(
            patient.id,
            &DemographicsForm {
                phone: Some("call me\u{7}".into()),
                ..patient_form("Selina Parvin")
            },
        )
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Validation, "{refused:?}");
    assert_eq!(refused.fields[0].field, "phone");
    let changed = desk
        .update_patient(patient.id, &patient_form("Selina Parvin Chowdhury"))
        .unwrap();
    assert_eq!(changed.demographics.full_name, "Selina Parvin Chowdhury");

    clinic.come_back().await;
    let round = desk.sync_now().await.unwrap();
    assert_eq!(
        (round.pushed, round.rejected),
        (1, 0),
        "only the good change was queued"
    );
    assert_eq!(
        clinic
            .count("SELECT count(*) FROM patient WHERE full_name = 'Selina Parvin Chowdhury'")
            .await,
        1
    );
}

/// On a new computer the patient's own record arrives with the first sync; what they ask for
/// at once after signing up (their prescriptions) waits for it instead of saying "not here yet".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patient_new_to_this_computer_reads_their_prescriptions_at_once() {
    let clinic = Clinic::open().await;
    let desk = clinic.desk_of(Edition::Patient, "rahimas-laptop");
    desk.sign_up(&clinic_core::account::SignUpForm {
        email: "rahima@example.com".into(),
        password: "a long patient password".into(),
        demographics: patient_form("Rahima Khatun"),
    })
    .await
    .unwrap();
    // No sync round yet: the store holds no patient record.
    assert_eq!(desk.my_prescriptions().await.map(|p| p.len()), Ok(0));
}

fn consultation(fee: i64) -> clinic_core::billing::InvoiceLine {
    clinic_core::billing::InvoiceLine {
        kind: clinic_core::billing::LineKind::Other,
        description: "পরামর্শ ফি (Consultation)".into(),
        quantity: 1,
        unit_price: clinic_core::money::Money::new(fee * 100, clinic_core::money::Currency::BDT),
        discount: None,
        tax_basis_points: 0,
    }
}

/// The walk-in story of the books: cash taken with the server down, a Bangla receipt printed
/// from this computer alone, and the payment taken by the server once, however often it syncs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_ins_cash_taken_offline_prints_a_bangla_receipt_and_reaches_the_server_once() {
    use clinic_core::billing::{BillingProblem, BillingRefusal, PaymentMethod, Standing};
    use clinic_core::ipc::{BillPatientArgs, Language, PrintInvoiceArgs, TakePaymentArgs};
    use clinic_core::money::{Currency, Money};

    let mut clinic = Clinic::open().await;
    let desk = clinic.signed_in_desk("front-desk", Role::FrontDesk).await;
    let patient = desk.register_patient(&patient_form("রহিমা খাতুন")).unwrap();
    desk.sync_now().await.unwrap();

    clinic.go_offline();
    assert_eq!(
        desk.clinic_currency(),
        Ok(Currency::BDT),
        "known offline, from sign-in"
    );
    let billed = desk
        .bill_patient(&BillPatientArgs {
            patient: patient.id,
            appointment: None,
            lines: vec![consultation(500)],
        })
        .unwrap();
    assert!(billed.record.number.starts_with("INV-"), "{billed:?}");
    assert_eq!(billed.standing, Standing::Issued);
    let taka = |n: i64| Money::new(n * 100, Currency::BDT);
    let paid = desk
        .take_payment(&TakePaymentArgs {
            invoice: billed.record.id,
            amount: taka(500),
            method: PaymentMethod::Cash,
            reference: None,
        })
        .unwrap();
    assert_eq!(
        (paid.standing, paid.due, paid.pending),
        (Standing::Paid, taka(0), true)
    );
    // Bad input is refused here, offline, with the reason the UI words in either language.
    let more = desk
        .take_payment(&TakePaymentArgs {
            invoice: billed.record.id,
            amount: taka(1),
            method: PaymentMethod::Cash,
            reference: None,
        })
        .unwrap_err();
    assert_eq!(
        more.billing.as_deref(),
        Some(&BillingRefusal::Problem(BillingProblem::NothingDue))
    );
    let receipt = desk
        .print_invoice(&PrintInvoiceArgs {
            invoice: billed.record.id,
            receipt: true,
            language: Language::Bangla,
        })
        .unwrap();
    assert!(receipt.path.ends_with("-bn.pdf"), "{receipt:?}");
    let bytes = std::fs::read(&receipt.path).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "a PDF was written");

    clinic.come_back().await;
    let round = desk.sync_now().await.unwrap();
    assert_eq!((round.pushed, round.rejected), (2, 0), "{round:?}");
    for _ in 0..2 {
        desk.sync_now().await.unwrap();
    }
    assert_eq!(clinic.count("SELECT count(*) FROM money_movement").await, 1);
    assert_eq!(
        clinic
            .count("SELECT paid_minor FROM invoice WHERE state = 'issued'")
            .await,
        50_000
    );
    let shown = desk.patient_invoices(patient.id).unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(
        (shown[0].standing, shown[0].pending),
        (Standing::Paid, false)
    );

    // The admin's dashboard counts the cash; the front desk may not read it.
    let today = clinic_core::ipc::TakingsArgs {
        from: None,
        to: None,
    };
    let office = clinic.signed_in_desk("office", Role::Admin).await;
    let takings = office.takings(&today).await.unwrap();
    assert_eq!(takings.net, taka(500));
    assert_eq!(takings.received[0].method, PaymentMethod::Cash);
    let refused = desk.takings(&today).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden, "{refused:?}");

    // Another desk sees the bill; a doctor's desk may not bill.
    let other = clinic.signed_in_desk("desk-2", Role::FrontDesk).await;
    assert_eq!(other.patient_invoices(patient.id).unwrap(), {
        let mut mine = shown.clone();
        mine[0].pending = false;
        mine
    });
    let doctor = clinic.signed_in_desk("consulting-room", Role::Doctor).await;
    let refused = doctor
        .bill_patient(&BillPatientArgs {
            patient: patient.id,
            appointment: None,
            lines: vec![consultation(100)],
        })
        .unwrap_err();
    assert_eq!(refused.billing.as_deref(), Some(&BillingRefusal::Forbidden));
}

/// The patient build lists the patient's own bills as the desk issued them, and says plainly
/// when the clinic takes no payments online.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patient_sees_their_own_bill_and_hears_when_the_clinic_takes_no_payment_online() {
    use clinic_core::billing::Standing;
    use clinic_core::ipc::BillPatientArgs;

    let clinic = Clinic::open().await;
    let laptop = clinic.desk_of(Edition::Patient, "rahimas-laptop");
    laptop
        .sign_up(&clinic_core::account::SignUpForm {
            email: "rahima@example.com".into(),
            password: "a long patient password".into(),
            demographics: patient_form("Nusrat Quayum Testbill"),
        })
        .await
        .unwrap();
    laptop.sync_now().await.unwrap();
    let desk = clinic.signed_in_desk("front-desk", Role::FrontDesk).await;
    let found = desk.search_patients("Testbill").unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let rahima = found[0].id;
    let billed = desk
        .bill_patient(&BillPatientArgs {
            patient: rahima,
            appointment: None,
            lines: vec![consultation(700)],
        })
        .unwrap();
    let round = desk.sync_now().await.unwrap();
    assert_eq!((round.pushed, round.rejected), (1, 0), "{round:?}");
    assert_eq!(clinic.count("SELECT count(*) FROM invoice").await, 1);
    laptop.sync_now().await.unwrap();
    let mine = laptop.my_invoices().await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].record.number, billed.record.number);
    assert_eq!(mine[0].standing, Standing::Issued);
    // The patient prints their own invoice on their laptop, in Bangla.
    let printed = laptop
        .print_my_invoice(&clinic_core::ipc::PrintInvoiceArgs {
            invoice: mine[0].record.id,
            receipt: false,
            language: clinic_core::ipc::Language::Bangla,
        })
        .await
        .unwrap();
    assert!(printed.path.ends_with("-bn.pdf"), "{printed:?}");
    assert!(std::fs::read(&printed.path).unwrap().starts_with(b"%PDF"));
    let refused = laptop.pay_online(mine[0].record.id).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Conflict, "{refused:?}");
    assert!(refused.message.contains("pay at the desk"), "{refused:?}");
}

/// Two desks take the same bill's cash while the server is down: the first to reach it is
/// taken, the other is refused — and shown at that desk with why, never silently dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cash_two_desks_took_for_one_bill_offline_is_taken_once_and_the_other_is_shown_refused() {
    use clinic_core::billing::{BillingProblem, BillingRefusal, PaymentMethod, Standing};
    use clinic_core::ipc::{BillPatientArgs, TakePaymentArgs};
    use clinic_core::money::{Currency, Money};

    let mut clinic = Clinic::open().await;
    let a = clinic.signed_in_desk("desk-a", Role::FrontDesk).await;
    let b = clinic.signed_in_desk("desk-b", Role::FrontDesk).await;
    let patient = a
        .register_patient(&patient_form("Shapla Testcash"))
        .unwrap();
    let billed = a
        .bill_patient(&BillPatientArgs {
            patient: patient.id,
            appointment: None,
            lines: vec![consultation(400)],
        })
        .unwrap();
    a.sync_now().await.unwrap();
    b.sync_now().await.unwrap();
    clinic.go_offline();
    let cash = TakePaymentArgs {
        invoice: billed.record.id,
        amount: Money::new(40_000, Currency::BDT),
        method: PaymentMethod::Cash,
        reference: None,
    };
    a.take_payment(&cash).unwrap();
    b.take_payment(&cash).unwrap();
    clinic.come_back().await;
    let first = a.sync_now().await.unwrap();
    assert_eq!((first.pushed, first.rejected), (1, 0), "{first:?}");
    let second = b.sync_now().await.unwrap();
    assert_eq!(second.rejected, 1, "{second:?}");
    assert_eq!(clinic.count("SELECT count(*) FROM money_movement").await, 1);
    let shown = b.patient_invoices(patient.id).unwrap();
    assert_eq!(
        (shown[0].standing, shown[0].record.payments.len()),
        (Standing::Paid, 1)
    );
    let refused = b.refused_bills().unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].patient, Some(patient.id));
    assert_eq!(
        refused[0].invoice_number.as_deref(),
        Some(billed.record.number.as_str())
    );
    assert_eq!(
        refused[0].rejection.billing.as_deref(),
        Some(&BillingRefusal::Problem(BillingProblem::NothingDue))
    );
    b.dismiss_rejected(refused[0].command).unwrap();
    assert!(b.refused_bills().unwrap().is_empty());
}
