//! Who treats a patient: the clinic's meaning of "treating doctor", which opens the patient's
//! chart, their history, their documents and the exports without break-glass.
//!
//! A doctor treats a patient when the patient has, with this doctor:
//! - a visit that took place or is under way (checked in, in consultation, completed), or
//! - a confirmed appointment that someone else made — the front desk, an admin, or the patient
//!   whose request the doctor accepted — so the day's charts can be fetched ahead.
//!
//! An appointment a doctor booked themself does not make them a treating doctor: otherwise any
//! doctor could book a stranger and skip break-glass. Requests not yet accepted, and appointments
//! that ended without a visit (rejected, cancelled, no-show, moved), do not count either.

use crate::appointment::{AppointmentRecord, Status};
use crate::UserId;

/// Whether `doctor` treats the patient whose appointments (any doctor's) these are.
pub fn treats(doctor: UserId, appointments: &[AppointmentRecord]) -> bool {
    let by_id: std::collections::HashMap<_, _> = appointments.iter().map(|a| (a.id, a)).collect();
    // Who made an appointment: for one that moved another (a reschedule), who made the first
    // of the line — a doctor who moves a booking the desk made still holds the desk's booking.
    let made_by_someone_else = |a: &AppointmentRecord| {
        let mut current = a;
        for _ in 0..appointments.len() {
            if current
                .history
                .first()
                .is_some_and(|made| made.by != doctor)
            {
                return true;
            }
            match current.replaces.and_then(|id| by_id.get(&id)) {
                Some(earlier) if earlier.doctor == doctor => current = earlier,
                _ => return false,
            }
        }
        false
    };
    appointments
        .iter()
        .filter(|a| a.doctor == doctor)
        .any(|a| match a.status {
            Status::CheckedIn | Status::InConsultation | Status::Completed => true,
            Status::Confirmed => made_by_someone_else(a),
            Status::Requested
            | Status::Rejected
            | Status::Cancelled
            | Status::NoShow
            | Status::Rescheduled => false,
        })
}

/// The least and the most a break-glass reason says.
pub const BREAK_GLASS_MIN_CHARS: usize = 10;
pub const BREAK_GLASS_MAX_CHARS: usize = 500;

/// Why a break-glass reason was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BreakGlassRefused {
    #[error("Emergency access needs a reason of at least {BREAK_GLASS_MIN_CHARS} characters.")]
    TooShort,
    #[error("An emergency access reason is at most {BREAK_GLASS_MAX_CHARS} characters.")]
    TooLong,
    #[error(
        "The emergency access reason has invisible characters (a tab or a line break). Retype it."
    )]
    InvalidCharacters,
}

/// The reason a doctor who does not treat a patient gives for opening their record now
/// (break-glass, flagged in the audit for the admins): trimmed, one line, long enough to say
/// something.
pub fn break_glass_reason(given: &str) -> Result<&str, BreakGlassRefused> {
    let reason = given.trim();
    if reason.chars().any(char::is_control) {
        Err(BreakGlassRefused::InvalidCharacters)
    } else if reason.chars().count() < BREAK_GLASS_MIN_CHARS {
        Err(BreakGlassRefused::TooShort)
    } else if reason.chars().count() > BREAK_GLASS_MAX_CHARS {
        Err(BreakGlassRefused::TooLong)
    } else {
        Ok(reason)
    }
}

/// How a reader came to a patient's chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartAccess {
    /// The patient reading their own record.
    OwnRecord,
    /// A doctor who treats the patient ([`treats`]).
    Treating,
    /// A doctor who does not, with a reason (flagged in the audit for the admins).
    BreakGlass,
}

/// What the clinic's records hold about the patient whose chart is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartFacts {
    /// `Some(account)` when the patient is registered (with their own account, if any).
    pub patient: Option<Option<UserId>>,
    /// The reader is a doctor who treats the patient.
    pub cares_for: bool,
}

/// Why a chart was not opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChartRefused {
    #[error("Please sign in first.")]
    NotSignedIn,
    #[error("Your account is not allowed to read this record.")]
    NotAllowed,
    /// A doctor asked for emergency access with a reason that does not do.
    #[error("{0}")]
    BreakGlass(BreakGlassRefused),
    /// Emergency access to a patient who is not registered (it does not probe ids).
    #[error("This patient is not in the clinic's registry.")]
    UnknownPatient,
}

/// Whether `actor` may open a patient's chart: their own record, a doctor who treats them, or a
/// doctor who gives an emergency reason (`break_glass`). Anyone else is refused; the server
/// audits each refusal and each emergency access.
pub fn judge_chart_access(
    actor: crate::Actor,
    facts: &ChartFacts,
    break_glass: Option<&str>,
) -> Result<ChartAccess, ChartRefused> {
    use crate::{decide, Action, Denied, Role};
    decide(actor, Action::SignedIn).map_err(|denied| match denied {
        Denied::NotSignedIn => ChartRefused::NotSignedIn,
        Denied::NotPermitted => ChartRefused::NotAllowed,
    })?;
    let cares_for = facts.cares_for;
    let reads = Action::ReadPatientHistory {
        patient_account: facts.patient.flatten(),
        cares_for,
    };
    if decide(actor, reads).is_ok() {
        return Ok(if cares_for {
            ChartAccess::Treating
        } else {
            ChartAccess::OwnRecord
        });
    }
    let given = break_glass.unwrap_or("").trim();
    let is_doctor = actor.role() == Some(Role::Doctor);
    match break_glass_reason(given) {
        Ok(_) if is_doctor && facts.patient.is_none() => Err(ChartRefused::UnknownPatient),
        Ok(_) if is_doctor => Ok(ChartAccess::BreakGlass),
        Err(refused) if is_doctor && !given.is_empty() => Err(ChartRefused::BreakGlass(refused)),
        _ => Err(ChartRefused::NotAllowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appointment::{Origin, StatusChange};
    use crate::availability::ConsultationType;
    use crate::{AppointmentId, PatientId};
    use chrono::{NaiveDate, TimeZone, Utc};
    use uuid::Uuid;

    fn id(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }

    const DOCTOR: u128 = 5;
    const OTHER_DOCTOR: u128 = 6;
    const DESK: u128 = 7;
    const PATIENT: u128 = 8;

    fn appointment(doctor: u128, made_by: u128, status: Status) -> AppointmentRecord {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        AppointmentRecord {
            id: AppointmentId::from_uuid(Uuid::from_u128(1)),
            patient: PatientId::from_uuid(Uuid::from_u128(2)),
            doctor: id(doctor),
            consultation: ConsultationType::InPerson,
            origin: Origin::Booked,
            status,
            slot: None,
            day: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            token: None,
            reason: None,
            replaces: None,
            history: vec![StatusChange {
                status,
                at,
                by: id(made_by),
                reason: None,
            }],
        }
    }

    #[test]
    fn a_visit_that_took_place_or_is_under_way_makes_a_treating_doctor() {
        for status in [Status::CheckedIn, Status::InConsultation, Status::Completed] {
            // Whoever made it: the doctor's own follow-up that took place counts too.
            for made_by in [DESK, DOCTOR] {
                assert!(treats(id(DOCTOR), &[appointment(DOCTOR, made_by, status)]));
            }
        }
    }

    #[test]
    fn a_confirmed_appointment_counts_only_when_someone_else_made_it() {
        for made_by in [DESK, PATIENT] {
            assert!(treats(
                id(DOCTOR),
                &[appointment(DOCTOR, made_by, Status::Confirmed)]
            ));
        }
        assert!(
            !treats(
                id(DOCTOR),
                &[appointment(DOCTOR, DOCTOR, Status::Confirmed)]
            ),
            "a doctor booking a stranger does not open the chart"
        );
    }

    #[test]
    fn a_booking_the_doctor_moved_still_counts_as_the_desks() {
        let mut first = appointment(DOCTOR, DESK, Status::Rescheduled);
        first.id = AppointmentId::from_uuid(Uuid::from_u128(10));
        let mut moved = appointment(DOCTOR, DOCTOR, Status::Confirmed);
        moved.id = AppointmentId::from_uuid(Uuid::from_u128(11));
        moved.replaces = Some(first.id);
        assert!(treats(id(DOCTOR), &[first.clone(), moved.clone()]));
        // A line the doctor began themself stays theirs.
        let mut own = first;
        own.history[0].by = id(DOCTOR);
        assert!(!treats(id(DOCTOR), &[own, moved]));
    }

    #[test]
    fn requests_ended_appointments_and_other_doctors_visits_do_not_count() {
        for status in [
            Status::Requested,
            Status::Rejected,
            Status::Cancelled,
            Status::NoShow,
            Status::Rescheduled,
        ] {
            assert!(!treats(id(DOCTOR), &[appointment(DOCTOR, DESK, status)]));
        }
        assert!(!treats(
            id(DOCTOR),
            &[appointment(OTHER_DOCTOR, DESK, Status::Completed)]
        ));
        assert!(!treats(id(DOCTOR), &[]));
    }

    #[test]
    fn a_break_glass_reason_says_something_on_one_line() {
        assert_eq!(
            break_glass_reason("  unconscious in the emergency room "),
            Ok("unconscious in the emergency room")
        );
        assert_eq!(
            break_glass_reason("অজ্ঞান রোগী, জরুরি বিভাগে"),
            Ok("অজ্ঞান রোগী, জরুরি বিভাগে")
        );
        assert_eq!(
            break_glass_reason("urgent"),
            Err(BreakGlassRefused::TooShort)
        );
        assert_eq!(
            break_glass_reason("unconscious\0 in the ER"),
            Err(BreakGlassRefused::InvalidCharacters)
        );
        assert_eq!(
            break_glass_reason(&"x".repeat(501)),
            Err(BreakGlassRefused::TooLong)
        );
    }

    #[test]
    fn a_chart_opens_for_its_patient_a_treating_doctor_or_an_emergency_with_a_reason() {
        use crate::{Actor, Role};
        let doctor = Actor::User {
            id: id(DOCTOR),
            role: Role::Doctor,
        };
        let patient = Actor::User {
            id: id(40),
            role: Role::Patient,
        };
        let desk = Actor::User {
            id: id(DESK),
            role: Role::FrontDesk,
        };
        let registered = |cares_for| ChartFacts {
            patient: Some(Some(id(40))),
            cares_for,
        };
        let reason = Some("unconscious in the waiting room");
        assert_eq!(
            judge_chart_access(patient, &registered(false), None),
            Ok(ChartAccess::OwnRecord)
        );
        assert_eq!(
            judge_chart_access(doctor, &registered(true), None),
            Ok(ChartAccess::Treating)
        );
        assert_eq!(
            judge_chart_access(doctor, &registered(false), None),
            Err(ChartRefused::NotAllowed)
        );
        assert_eq!(
            judge_chart_access(doctor, &registered(false), reason),
            Ok(ChartAccess::BreakGlass)
        );
        assert_eq!(
            judge_chart_access(doctor, &registered(false), Some(" urgent ")),
            Err(ChartRefused::BreakGlass(BreakGlassRefused::TooShort))
        );
        let unknown = ChartFacts {
            patient: None,
            cares_for: false,
        };
        assert_eq!(
            judge_chart_access(doctor, &unknown, reason),
            Err(ChartRefused::UnknownPatient)
        );
        // Nobody but a doctor breaks the glass; another patient never reads the record.
        assert_eq!(
            judge_chart_access(desk, &registered(false), reason),
            Err(ChartRefused::NotAllowed)
        );
        let stranger = Actor::User {
            id: id(41),
            role: Role::Patient,
        };
        assert_eq!(
            judge_chart_access(stranger, &registered(false), reason),
            Err(ChartRefused::NotAllowed)
        );
        assert_eq!(
            judge_chart_access(Actor::Anonymous, &registered(false), reason),
            Err(ChartRefused::NotSignedIn)
        );
    }
}
