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
