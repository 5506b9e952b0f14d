//! Money's properties: an invoice's totals are the sums of its lines, nothing is lost or made by
//! rounding, and payments and refunds never go past what is owed or was paid.

use chrono::{DateTime, Utc};
use clinic_core::billing::{
    invoice_totals, Discount, DiscountOff, InvoiceLine, InvoiceRecord, InvoiceState, LineKind,
    PaymentMethod, PaymentRecord, RefundRecord,
};
use clinic_core::money::{Currency, Money};
use clinic_core::{PatientId, UserId};
use proptest::prelude::*;

fn line() -> impl Strategy<Value = InvoiceLine> {
    (
        1i64..5_000_000,
        1u32..20,
        prop::option::of(prop_oneof![
            (0u32..=10_000).prop_map(DiscountOff::Percent),
            (0i64..100_000).prop_map(|m| DiscountOff::Amount(Money::new(m, Currency::BDT))),
        ]),
        prop_oneof![Just(0u32), 0u32..=2_000],
    )
        .prop_map(|(price, quantity, off, tax)| {
            let unit_price = Money::new(price, Currency::BDT);
            // An amount off never exceeds the line (that is refused, tested elsewhere).
            let off = off.map(|off| match off {
                DiscountOff::Amount(a) => DiscountOff::Amount(Money::new(
                    a.minor.min(price * i64::from(quantity)),
                    Currency::BDT,
                )),
                p => p,
            });
            InvoiceLine {
                kind: LineKind::Other,
                description: "Dressing".into(),
                quantity,
                unit_price,
                discount: off.map(|off| Discount {
                    off,
                    granted_by: UserId::from_uuid(uuid::Uuid::from_u128(1)),
                    reason: "Goodwill".into(),
                }),
                tax_basis_points: tax,
            }
        })
}

fn at() -> DateTime<Utc> {
    "2026-12-04T05:00:00Z".parse().unwrap()
}

proptest! {
    #[test]
    fn an_invoice_total_is_the_sum_of_its_lines_and_no_paisa_is_lost(
        lines in prop::collection::vec(line(), 1..30)
    ) {
        let totals = invoice_totals(&lines, Currency::BDT).unwrap();
        let each: Vec<_> = lines.iter().enumerate().map(|(i, l)| l.totals(i + 1).unwrap()).collect();
        let sum = |f: fn(&clinic_core::billing::LineTotals) -> i64| each.iter().map(f).sum::<i64>();
        prop_assert_eq!(totals.total.minor, sum(|t| t.total.minor));
        prop_assert_eq!(totals.gross.minor, sum(|t| t.gross.minor));
        prop_assert_eq!(totals.gross.minor - totals.discount.minor + totals.tax.minor, totals.total.minor);
        for (t, l) in each.iter().zip(&lines) {
            prop_assert_eq!(t.gross.minor, l.unit_price.minor * i64::from(l.quantity));
            prop_assert!(t.discount.minor >= 0 && t.discount.minor <= t.gross.minor);
            // The tax is the exact share rounded to the nearest paisa.
            let exact = t.net.minor as f64 * f64::from(l.tax_basis_points) / 10_000.0;
            prop_assert!((t.tax.minor as f64 - exact).abs() <= 0.5 + 1e-9);
        }
    }

    #[test]
    fn payments_never_pass_the_total_and_refunds_never_pass_what_was_paid(
        lines in prop::collection::vec(line(), 1..5),
        attempts in prop::collection::vec((any::<bool>(), 1i64..20_000_000), 1..40),
    ) {
        let mut invoice = InvoiceRecord {
            id: uuid::Uuid::from_u128(1),
            number: "INV-2-00001".into(),
            patient: PatientId::from_uuid(uuid::Uuid::from_u128(2)),
            appointment: None,
            currency: Currency::BDT,
            lines,
            state: InvoiceState::Issued,
            void_reason: None,
            payments: vec![],
            refunds: vec![],
            created_by: UserId::from_uuid(uuid::Uuid::from_u128(1)),
            created_at: at(),
        };
        let total = invoice.totals().unwrap().total;
        for (n, (is_payment, amount)) in attempts.into_iter().enumerate() {
            let amount = Money::new(amount, Currency::BDT);
            let id = uuid::Uuid::from_u128(100 + n as u128);
            let by = UserId::from_uuid(uuid::Uuid::from_u128(1));
            let next = if is_payment {
                invoice.pay(PaymentRecord { id, amount, method: PaymentMethod::Cash, reference: None, received_by: by, at: at() })
            } else {
                invoice.refund(RefundRecord { id, amount, method: PaymentMethod::Cash, reason: "Asked".into(), by, at: at() })
            };
            if let Ok(next) = next {
                invoice = next;
            }
            prop_assert!(invoice.paid().unwrap().minor <= total.minor);
            prop_assert!(invoice.refunded().unwrap().minor <= invoice.paid().unwrap().minor);
            prop_assert!(invoice.standing().is_ok());
        }
    }

    #[test]
    fn an_amount_printed_reads_back_the_same(minor in 0i64..1_000_000_000_000, bangla in any::<bool>()) {
        let money = Money::new(minor, Currency::BDT);
        prop_assert_eq!(Money::parse(&money.display(bangla), Currency::BDT), Ok(money));
    }
}
