//! A sample prescription for tests and benchmarks: `items` medicines (Bangla instructions), a
//! Bangla patient name, `advice`, issued with a code and hash.

use chrono::{NaiveDate, TimeZone, Utc};
use clinic_core::account::Sex;
use clinic_core::prescription::{
    ClinicHeader, MedicineForm, PrescriptionForm, PrescriptionItem, PrescriptionRecord,
    PrescriptionSheet, PrescriptionStatus,
};

pub fn sheet(items: usize, advice: &str) -> PrescriptionSheet {
    let at = Utc.with_ymd_and_hms(2026, 11, 24, 5, 0, 0).unwrap();
    let item = |n: usize| PrescriptionItem {
        medicine: if n.is_multiple_of(2) {
            "Amoxicillin".into()
        } else {
            "Paracetamol".into()
        },
        strength: "500 mg".into(),
        form: MedicineForm::Capsule,
        dose: "1 capsule".into(),
        frequency: "1+1+1".into(),
        duration_days: 7,
        instructions: "খাবারের পরে".into(),
    };
    PrescriptionSheet {
        record: PrescriptionRecord {
            id: uuid::Uuid::from_u128(1),
            appointment: uuid::Uuid::from_u128(2).to_string().parse().unwrap(),
            patient: uuid::Uuid::from_u128(3).to_string().parse().unwrap(),
            doctor: clinic_core::UserId::from_uuid(uuid::Uuid::from_u128(4)),
            version: 1,
            replaces: None,
            form: PrescriptionForm {
                items: (0..items).map(item).collect(),
                advice: advice.into(),
            },
            status: PrescriptionStatus::Issued,
            created_at: at,
            issued_at: Some(at),
            code: Some("7KQ2-M9PW-D4X".into()),
            content_hash: Some("ab".repeat(32)),
        },
        clinic: ClinicHeader {
            name: "Clinic Desk Demo Clinic".into(),
            address: "House 12, Road 5, Dhanmondi, Dhaka".into(),
            phone: "+880 1711-000000".into(),
        },
        doctor_name: "Dr. Shafiq Hasan".into(),
        qualifications: "MBBS, FCPS (Medicine)".into(),
        registration_number: "A-12345".into(),
        specialty: "Medicine".into(),
        patient_name: "রহিমা খাতুন".into(),
        patient_number: "1-0008".into(),
        patient_date_of_birth: NaiveDate::from_ymd_opt(1990, 12, 1),
        patient_sex: Some(Sex::Female),
        verify_url: Some("http://127.0.0.1:8750/verify/7KQ2-M9PW-D4X".into()),
    }
}

/// A sample invoice for tests and benchmarks: `lines` lines (a consultation, then services, one
/// with a discount, one taxed; Bangla descriptions every other line), issued, `paid_minor` paid
/// in cash and by card.
pub fn invoice(lines: usize, paid_minor: i64) -> clinic_core::billing::InvoiceRecord {
    use clinic_core::billing::{
        invoice_number, Discount, DiscountOff, InvoiceLine, InvoiceRecord, InvoiceState, LineKind,
        PaymentMethod, PaymentRecord,
    };
    use clinic_core::money::{Currency, Money};
    let at = Utc.with_ymd_and_hms(2026, 12, 4, 5, 0, 0).unwrap();
    let desk = clinic_core::UserId::from_uuid(uuid::Uuid::from_u128(9));
    let line = |n: usize| InvoiceLine {
        kind: if n == 0 {
            LineKind::Consultation {
                doctor: clinic_core::UserId::from_uuid(uuid::Uuid::from_u128(10)),
                consultation: clinic_core::availability::ConsultationType::InPerson,
            }
        } else {
            LineKind::Service {
                code: format!("svc-{n}"),
            }
        },
        description: match n {
            0 => "Consultation — Dr. Shafiq Hasan".into(),
            n if n % 2 == 0 => format!("ড্রেসিং ও ব্যান্ডেজ {n}"),
            n => format!("ECG, 12 leads {n}"),
        },
        quantity: 1 + (n % 3) as u32,
        unit_price: Money::from_major(500 + 50 * n as i64, Currency::BDT).unwrap(),
        discount: (n == 1).then(|| Discount {
            off: DiscountOff::Percent(1_000),
            granted_by: desk,
            reason: "Follow-up within a week".into(),
        }),
        tax_basis_points: if n == 2 { 500 } else { 0 },
    };
    let mut payments = Vec::new();
    if paid_minor > 0 {
        let cash = paid_minor / 2;
        payments.push(PaymentRecord {
            id: uuid::Uuid::from_u128(21),
            amount: Money::new(cash, Currency::BDT),
            method: PaymentMethod::Cash,
            reference: None,
            received_by: desk,
            at,
        });
        payments.push(PaymentRecord {
            id: uuid::Uuid::from_u128(22),
            amount: Money::new(paid_minor - cash, Currency::BDT),
            method: PaymentMethod::Card,
            reference: Some("SLIP 004217".into()),
            received_by: desk,
            at,
        });
    }
    InvoiceRecord {
        id: uuid::Uuid::from_u128(20),
        number: invoice_number(3, 42),
        patient: uuid::Uuid::from_u128(3).to_string().parse().unwrap(),
        appointment: None,
        currency: Currency::BDT,
        lines: (0..lines).map(line).collect(),
        state: InvoiceState::Issued,
        void_reason: None,
        payments,
        refunds: vec![],
        created_by: desk,
        created_at: at,
    }
}

/// The clinic a sample document comes from.
pub fn clinic() -> ClinicHeader {
    ClinicHeader {
        name: "Clinic Desk Demo Clinic".into(),
        address: "House 12, Road 5, Dhanmondi, Dhaka".into(),
        phone: "+880 2 5500 1234".into(),
    }
}
