//! A prescription's lifecycle: written as a draft during or after the consultation, changed
//! freely until issued, issued once (then locked; a change is the next version, which replaces
//! it when issued). The server writes what these decide.

use chrono::{DateTime, Utc};

use super::{PrescriptionForm, PrescriptionRecord, PrescriptionStatus};
use crate::account::FieldError;
use crate::appointment::{AppointmentRecord, Status};

/// Why a prescription cannot be written or issued now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrescriptionRefused {
    #[error(
        "A prescription is written during or after the consultation: start the consultation first."
    )]
    NotConsultedYet,
    #[error("This appointment did not take place (cancelled, moved or missed): its prescription cannot be issued.")]
    NotTakenPlace,
    #[error("There is no draft to issue: write the prescription first (an issued one is changed by saving a new version).")]
    NoDraft,
    #[error("This prescription has {0} warning(s) (an allergy or a medicine already taken). Read them and confirm to issue it anyway.")]
    WarningsNotAcknowledged(usize),
    #[error("Some fields need attention.")]
    Invalid(Vec<FieldError>),
}

/// Whether the appointment's consultation took place (is running or done).
fn consulted(appointment: &AppointmentRecord) -> bool {
    matches!(
        appointment.status,
        Status::InConsultation | Status::Completed
    )
}

impl PrescriptionRecord {
    /// The prescription after its doctor saves `form` for `appointment`, whose prescriptions
    /// are `versions` (newest first): the draft changed, or — once one was issued — a new draft
    /// version replacing the newest (`new_id` is its id).
    pub fn write(
        appointment: &AppointmentRecord,
        versions: &[PrescriptionRecord],
        form: &PrescriptionForm,
        new_id: uuid::Uuid,
        now: DateTime<Utc>,
    ) -> Result<PrescriptionRecord, PrescriptionRefused> {
        if !consulted(appointment) {
            return Err(PrescriptionRefused::NotConsultedYet);
        }
        form.check().map_err(PrescriptionRefused::Invalid)?;
        let form = form.trimmed();
        Ok(match versions.first() {
            Some(draft) if draft.status == PrescriptionStatus::Draft => PrescriptionRecord {
                form,
                created_at: now,
                ..draft.clone()
            },
            newest => PrescriptionRecord {
                id: new_id,
                appointment: appointment.id,
                patient: appointment.patient,
                doctor: appointment.doctor,
                version: newest.map_or(1, |p| p.version + 1),
                replaces: newest.map(|p| p.id),
                form,
                status: PrescriptionStatus::Draft,
                created_at: now,
                issued_at: None,
                code: None,
                content_hash: None,
            },
        })
    }

    /// The draft issued at `now` (its code and content hash are the caller's to give), when the
    /// consultation took place and the doctor acknowledged its `warnings`, if any.
    pub fn issue(
        appointment: &AppointmentRecord,
        versions: &[PrescriptionRecord],
        warnings: usize,
        acknowledged: bool,
        now: DateTime<Utc>,
    ) -> Result<PrescriptionRecord, PrescriptionRefused> {
        if !consulted(appointment) {
            return Err(PrescriptionRefused::NotTakenPlace);
        }
        let draft = versions
            .first()
            .filter(|p| p.status == PrescriptionStatus::Draft)
            .ok_or(PrescriptionRefused::NoDraft)?;
        if warnings > 0 && !acknowledged {
            return Err(PrescriptionRefused::WarningsNotAcknowledged(warnings));
        }
        Ok(PrescriptionRecord {
            status: PrescriptionStatus::Issued,
            issued_at: Some(now),
            ..draft.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appointment::Origin;
    use crate::availability::ConsultationType;
    use crate::prescription::{MedicineForm, PrescriptionItem};
    use crate::{AppointmentId, PatientId, UserId};

    fn appointment(status: Status) -> AppointmentRecord {
        AppointmentRecord {
            id: AppointmentId::from_uuid(uuid::Uuid::from_u128(1)),
            patient: PatientId::from_uuid(uuid::Uuid::from_u128(2)),
            doctor: UserId::from_uuid(uuid::Uuid::from_u128(3)),
            consultation: ConsultationType::InPerson,
            origin: Origin::Booked,
            status,
            slot: None,
            day: "2026-12-04".parse().unwrap(),
            token: None,
            reason: None,
            replaces: None,
            history: vec![],
        }
    }

    fn form(medicine: &str) -> PrescriptionForm {
        PrescriptionForm {
            items: vec![PrescriptionItem {
                medicine: format!(" {medicine} "),
                form: MedicineForm::Tablet,
                strength: "500 mg".into(),
                dose: "1 tablet".into(),
                frequency: "3 times a day".into(),
                duration_days: 5,
                instructions: String::new(),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_draft_changes_until_issued_and_a_change_after_is_the_next_version() {
        let now: DateTime<Utc> = "2026-12-04T08:00:00Z".parse().unwrap();
        let visit = appointment(Status::InConsultation);
        let new = |n| uuid::Uuid::from_u128(n);
        let first =
            PrescriptionRecord::write(&visit, &[], &form("Paracetamol"), new(10), now).unwrap();
        assert_eq!(
            (first.version, first.status),
            (1, PrescriptionStatus::Draft)
        );
        assert_eq!(first.form.items[0].medicine, "Paracetamol", "trimmed");
        let changed = PrescriptionRecord::write(
            &visit,
            std::slice::from_ref(&first),
            &form("Napa"),
            new(11),
            now,
        )
        .unwrap();
        assert_eq!(changed.id, first.id, "the same draft");
        let refused =
            PrescriptionRecord::issue(&visit, std::slice::from_ref(&changed), 1, false, now);
        assert_eq!(
            refused,
            Err(PrescriptionRefused::WarningsNotAcknowledged(1))
        );
        let issued = PrescriptionRecord::issue(&visit, &[changed], 1, true, now).unwrap();
        assert_eq!(issued.status, PrescriptionStatus::Issued);
        assert_eq!(issued.issued_at, Some(now));
        assert_eq!(
            PrescriptionRecord::issue(&visit, std::slice::from_ref(&issued), 0, false, now),
            Err(PrescriptionRefused::NoDraft)
        );
        let next = PrescriptionRecord::write(
            &visit,
            std::slice::from_ref(&issued),
            &form("Napa"),
            new(12),
            now,
        )
        .unwrap();
        assert_eq!((next.version, next.replaces), (2, Some(issued.id)));
        assert_eq!(next.id, new(12));
    }

    #[test]
    fn only_a_consultation_that_took_place_gets_a_prescription() {
        let now: DateTime<Utc> = "2026-12-04T08:00:00Z".parse().unwrap();
        let booked = appointment(Status::Confirmed);
        assert_eq!(
            PrescriptionRecord::write(&booked, &[], &form("Napa"), uuid::Uuid::nil(), now),
            Err(PrescriptionRefused::NotConsultedYet)
        );
        assert_eq!(
            PrescriptionRecord::issue(&appointment(Status::Cancelled), &[], 0, true, now),
            Err(PrescriptionRefused::NotTakenPlace)
        );
        let empty = PrescriptionForm::default();
        let done = appointment(Status::Completed);
        assert!(matches!(
            PrescriptionRecord::write(&done, &[], &empty, uuid::Uuid::nil(), now),
            Err(PrescriptionRefused::Invalid(_))
        ));
    }
}
