use super::*;

fn next_id() -> uuid::Uuid {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(100);
    uuid::Uuid::from_u128(u128::from(
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
    ))
}

fn taka(whole: i64) -> Money {
    Money::from_major(whole, Currency::BDT).unwrap()
}

fn user(n: u128) -> UserId {
    UserId::from_uuid(uuid::Uuid::from_u128(n))
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn line(price: i64, quantity: u32) -> InvoiceLine {
    InvoiceLine {
        kind: LineKind::Service { code: "ecg".into() },
        description: "ECG".into(),
        quantity,
        unit_price: taka(price),
        discount: None,
        tax_basis_points: 0,
    }
}

fn invoice(lines: Vec<InvoiceLine>) -> InvoiceRecord {
    InvoiceRecord {
        id: uuid::Uuid::from_u128(1),
        number: invoice_number(3, 42),
        patient: PatientId::from_uuid(uuid::Uuid::from_u128(2)),
        appointment: None,
        currency: Currency::BDT,
        lines,
        state: InvoiceState::Draft,
        void_reason: None,
        payments: vec![],
        refunds: vec![],
        created_by: user(1),
        created_at: at("2026-12-04T04:00:00Z"),
    }
}

fn payment(amount: Money, method: PaymentMethod, reference: Option<&str>) -> PaymentRecord {
    PaymentRecord {
        id: next_id(),
        amount,
        method,
        reference: reference.map(str::to_owned),
        received_by: user(1),
        at: at("2026-12-04T05:00:00Z"),
    }
}

fn refund(amount: Money, reason: &str) -> RefundRecord {
    RefundRecord {
        id: next_id(),
        amount,
        method: PaymentMethod::Cash,
        reason: reason.into(),
        by: user(1),
        at: at("2026-12-04T06:00:00Z"),
    }
}

#[test]
fn a_line_takes_its_discount_then_its_tax() {
    let mut l = line(500, 2);
    l.discount = Some(Discount {
        off: DiscountOff::Percent(1_000),
        granted_by: user(1),
        reason: "Staff family".into(),
    });
    l.tax_basis_points = 500;
    let t = l.totals(1).unwrap();
    assert_eq!(
        (t.gross, t.discount, t.net, t.tax, t.total),
        (taka(1000), taka(100), taka(900), taka(45), taka(945))
    );
    assert_eq!(invoice_number(3, 42), "INV-3-00042");
}

#[test]
fn each_bad_line_gets_its_own_problem() {
    let with = |f: &dyn Fn(&mut InvoiceLine)| {
        let mut l = line(500, 1);
        f(&mut l);
        l.totals(2).unwrap_err()
    };
    assert_eq!(
        with(&|l| l.quantity = 0),
        BillingProblem::BadQuantity { line: 2 }
    );
    assert_eq!(
        with(&|l| l.quantity = MAX_QUANTITY + 1),
        BillingProblem::BadQuantity { line: 2 }
    );
    assert_eq!(
        with(&|l| l.unit_price = taka(0)),
        BillingProblem::BadPrice { line: 2 }
    );
    assert_eq!(
        with(&|l| l.unit_price = Money::new(-5, Currency::BDT)),
        BillingProblem::BadPrice { line: 2 }
    );
    assert_eq!(
        with(&|l| l.description = "  ".into()),
        BillingProblem::BadDescription { line: 2 }
    );
    assert_eq!(
        with(&|l| l.description = "ECG\u{7}".into()),
        BillingProblem::BadDescription { line: 2 }
    );
    assert_eq!(
        with(&|l| l.tax_basis_points = 10_001),
        BillingProblem::BadTax { line: 2 }
    );
    let discount = |off, reason: &str| {
        Some(Discount {
            off,
            granted_by: user(1),
            reason: reason.into(),
        })
    };
    assert_eq!(
        with(&|l| l.discount = discount(DiscountOff::Amount(taka(501)), "Too kind")),
        BillingProblem::DiscountAboveLine { line: 2 }
    );
    assert_eq!(
        with(&|l| l.discount = discount(DiscountOff::Percent(10_001), "Too kind")),
        BillingProblem::DiscountAboveLine { line: 2 }
    );
    assert_eq!(
        with(&|l| l.discount = discount(DiscountOff::Amount(taka(50)), "")),
        BillingProblem::DiscountWithoutReason { line: 2 }
    );
    let usd = Currency::new("USD").unwrap();
    assert_eq!(
        with(&|l| l.discount = discount(DiscountOff::Amount(Money::new(1, usd)), "Coupon")),
        BillingProblem::WrongCurrency {
            expected: Currency::BDT
        }
    );
    let mut huge = line(1, 3);
    huge.unit_price = Money::new(i64::MAX / 2, Currency::BDT);
    assert_eq!(huge.totals(1), Err(BillingProblem::TooLarge));
    assert_eq!(
        invoice_totals(&[], Currency::BDT),
        Err(BillingProblem::NoLines)
    );
    assert_eq!(
        invoice_totals(&vec![line(1, 1); MAX_LINES + 1], Currency::BDT),
        Err(BillingProblem::TooManyLines)
    );
    assert_eq!(
        invoice_totals(&[line(1, 1)], usd),
        Err(BillingProblem::WrongCurrency { expected: usd })
    );
}

#[test]
fn an_invoice_goes_from_draft_to_paid_to_refunded_and_says_where_it_stands() {
    let draft = invoice(vec![line(500, 1), line(300, 1)]);
    assert_eq!(draft.standing(), Ok(Standing::Draft));
    let cash = |whole| payment(taka(whole), PaymentMethod::Cash, None);
    assert_eq!(draft.pay(cash(100)), Err(BillingProblem::NotIssued));
    let issued = draft.issue().unwrap();
    assert_eq!(issued.standing(), Ok(Standing::Issued));
    assert_eq!(issued.issue(), Err(BillingProblem::NotADraft));
    assert_eq!(issued.due(), Ok(taka(800)));

    let part = issued.pay(cash(300)).unwrap();
    assert_eq!(part.standing(), Ok(Standing::PartlyPaid));
    assert_eq!(
        part.pay(cash(501)),
        Err(BillingProblem::MoreThanDue { due: taka(500) })
    );
    assert_eq!(
        part.pay(payment(taka(500), PaymentMethod::Card, None)),
        Err(BillingProblem::ReferenceRequired)
    );
    assert_eq!(part.pay(cash(0)), Err(BillingProblem::NotPositive));
    let paid = part
        .pay(payment(taka(500), PaymentMethod::Card, Some("SLIP 0042")))
        .unwrap();
    assert_eq!(paid.standing(), Ok(Standing::Paid));
    assert_eq!(paid.pay(cash(1)), Err(BillingProblem::NothingDue));

    assert_eq!(
        paid.refund(refund(taka(801), "Doctor away")),
        Err(BillingProblem::MoreThanPaid {
            refundable: taka(800)
        })
    );
    assert_eq!(
        paid.refund(refund(taka(100), "")),
        Err(BillingProblem::ReasonRequired)
    );
    assert_eq!(
        paid.void("Booked twice"),
        Err(BillingProblem::PaidInvoiceCannotBeVoided)
    );
    let some_back = paid.refund(refund(taka(300), "Doctor away")).unwrap();
    assert_eq!(some_back.standing(), Ok(Standing::PartlyRefunded));
    let all_back = some_back.refund(refund(taka(500), "Doctor away")).unwrap();
    assert_eq!(all_back.standing(), Ok(Standing::Refunded));
    assert_eq!(
        all_back.refund(refund(taka(1), "Doctor away")),
        Err(BillingProblem::MoreThanPaid {
            refundable: taka(0)
        })
    );

    let void = all_back.void("  Doctor away all week ").unwrap();
    assert_eq!(void.standing(), Ok(Standing::Void));
    assert_eq!(
        void.number, "INV-3-00042",
        "a void invoice keeps its number"
    );
    assert_eq!(void.void_reason.as_deref(), Some("Doctor away all week"));
    assert_eq!(void.pay(cash(1)), Err(BillingProblem::InvoiceVoid));
    assert_eq!(void.void("Again"), Err(BillingProblem::InvoiceVoid));
    assert_eq!(issued.void("x"), Err(BillingProblem::ReasonRequired));
    let usd = Currency::new("USD").unwrap();
    assert_eq!(
        issued.pay(payment(Money::new(100, usd), PaymentMethod::Online, None)),
        Err(BillingProblem::WrongCurrency {
            expected: Currency::BDT
        })
    );
}

#[test]
fn the_refund_policy_gives_back_by_who_called_off_and_when() {
    let policy = RefundPolicy::default();
    let starts = at("2026-12-05T04:00:00Z");
    let early = at("2026-12-03T04:00:00Z");
    let late = at("2026-12-05T00:00:00Z");
    let paid = taka(800);
    assert_eq!(
        policy.refund_due(paid, CalledOffBy::Clinic, starts, late),
        paid
    );
    assert_eq!(
        policy.refund_due(paid, CalledOffBy::Patient, starts, early),
        paid
    );
    assert_eq!(
        policy.refund_due(paid, CalledOffBy::Patient, starts, late),
        taka(400)
    );
    assert_eq!(
        policy.refund_due(paid, CalledOffBy::NoShow, starts, late),
        taka(0)
    );
}

#[test]
fn every_problem_has_a_stable_code() {
    assert_eq!(
        BillingProblem::MoreThanDue { due: taka(1) }.code(),
        "more_than_due"
    );
    assert_eq!(BillingProblem::InvoiceVoid.code(), "invoice_void");
    assert_eq!(
        BillingProblem::MoreThanDue { due: taka(500) }.to_string(),
        "That is more than is due: ৳500.00."
    );
    assert_eq!(
        BillingProblem::BadQuantity { line: 1 }.code(),
        "bad_quantity"
    );
}

#[test]
fn the_billing_judge_names_the_first_thing_in_the_way() {
    use crate::{Actor, Role};
    let staff = |role| Actor::User { id: user(1), role };
    let desk = staff(Role::FrontDesk);
    let patient = PatientId::from_uuid(uuid::Uuid::from_u128(2));
    let save = |number: &str, issue: bool| BillingCommand::SaveInvoice {
        invoice: uuid::Uuid::from_u128(1),
        number: number.into(),
        patient,
        appointment: None,
        lines: vec![line(500, 1)],
        issue,
    };
    let facts = |invoice, patient_known, number_owner| BillingFacts {
        invoice,
        patient_known,
        number_owner,
        appointment_patient: None,
        currency: Currency::BDT,
    };
    let now = at("2026-12-04T05:00:00Z");
    let judge = |actor, command: &BillingCommand, facts: &BillingFacts<'_>| {
        judge_billing(actor, Some(3), command, facts, now)
    };
    let new = facts(None, true, None);
    for who in [staff(Role::Doctor), staff(Role::Patient), Actor::Anonymous] {
        assert_eq!(
            judge(who, &save("INV-3-00001", true), &new),
            Err(BillingRefusal::Forbidden)
        );
    }
    assert_eq!(
        judge(desk, &save("INV-4-00001", true), &new),
        Err(BillingRefusal::NotThisDesksSeries)
    );
    assert_eq!(
        judge(desk, &save("3-0001", true), &new),
        Err(BillingRefusal::NotThisDesksSeries)
    );
    assert_eq!(
        judge(
            desk,
            &save("INV-3-00001", true),
            &facts(None, true, Some(next_id()))
        ),
        Err(BillingRefusal::NumberTaken)
    );
    assert_eq!(
        judge(desk, &save("INV-3-00001", true), &facts(None, false, None)),
        Err(BillingRefusal::UnknownPatient)
    );
    let draft = judge(desk, &save("INV-3-00001", false), &new).unwrap();
    assert_eq!(
        (draft.standing(), draft.created_by),
        (Ok(Standing::Draft), user(1))
    );
    assert_eq!(
        judge(
            desk,
            &save("INV-3-00002", false),
            &facts(Some(&draft), true, None)
        ),
        Err(BillingRefusal::InvoiceChanged)
    );
    let issued = judge(
        desk,
        &save("INV-3-00001", true),
        &facts(Some(&draft), true, None),
    )
    .unwrap();
    assert_eq!(issued.standing(), Ok(Standing::Issued));
    assert_eq!(
        judge(
            desk,
            &save("INV-3-00001", true),
            &facts(Some(&issued), true, None)
        ),
        Err(BillingRefusal::Problem(BillingProblem::NotADraft))
    );
    let pay = BillingCommand::TakePayment {
        invoice: issued.id,
        payment: next_id(),
        amount: taka(500),
        method: PaymentMethod::Cash,
        reference: None,
    };
    assert_eq!(judge(desk, &pay, &new), Err(BillingRefusal::UnknownInvoice));
    let paid = judge(desk, &pay, &facts(Some(&issued), true, None)).unwrap();
    assert_eq!(paid.standing(), Ok(Standing::Paid));
    // The same payment twice (a desk that lost the answer and made it again) is refused.
    let mut part = issued.clone();
    part.lines[0].quantity = 2;
    let once = judge(desk, &pay, &facts(Some(&part), true, None)).unwrap();
    assert_eq!(
        judge(desk, &pay, &facts(Some(&once), true, None)),
        Err(BillingRefusal::Problem(BillingProblem::AlreadyRecorded))
    );
    let void = BillingCommand::VoidInvoice {
        invoice: paid.id,
        reason: "Booked twice".into(),
    };
    assert_eq!(
        judge(desk, &void, &facts(Some(&paid), true, None)),
        Err(BillingRefusal::Problem(
            BillingProblem::PaidInvoiceCannotBeVoided
        ))
    );
    let refund = BillingCommand::RefundPayment {
        invoice: paid.id,
        refund: next_id(),
        amount: taka(500),
        method: PaymentMethod::Cash,
        reason: " Booked twice ".into(),
    };
    assert_eq!(
        judge(
            staff(Role::Doctor),
            &refund,
            &facts(Some(&paid), true, None)
        ),
        Err(BillingRefusal::Forbidden)
    );
    let back = judge(staff(Role::Admin), &refund, &facts(Some(&paid), true, None)).unwrap();
    assert_eq!(back.refunds[0].reason, "Booked twice");
    let voided = judge(desk, &void, &facts(Some(&back), true, None)).unwrap();
    assert_eq!(voided.standing(), Ok(Standing::Void));
    assert_eq!(invoice_number_desk("INV-12-00007"), Some(12));

    // An invoice for an appointment: the appointment must exist and be the patient's.
    let for_visit = BillingCommand::SaveInvoice {
        invoice: next_id(),
        number: "INV-3-00009".into(),
        patient,
        appointment: Some(crate::AppointmentId::from_uuid(next_id())),
        lines: vec![line(500, 1)],
        issue: true,
    };
    assert_eq!(
        judge(desk, &for_visit, &new),
        Err(BillingRefusal::UnknownAppointment)
    );
    let someone_else = PatientId::from_uuid(next_id());
    let of = |p| BillingFacts {
        appointment_patient: Some(p),
        ..new
    };
    assert_eq!(
        judge(desk, &for_visit, &of(someone_else)),
        Err(BillingRefusal::AppointmentOfAnotherPatient)
    );
    assert!(judge(desk, &for_visit, &of(patient)).is_ok());
    assert_eq!(invoice_number_desk("INV-x-1"), None);
}
