//! The judges the server and the desk both call, on the first thing that stands in a change's way.

use chrono::{DateTime, Utc};
use clinic_core::appointment::{judge_step, Status};
use clinic_core::appointment::{Origin, Step};
use clinic_core::availability::ConsultationType;
use clinic_core::booking::{judge_booking, BookingFacts};
use clinic_core::doctor::DoctorRecord;
use clinic_core::sync::{Command, CommandEnvelope, RejectionReason};
use clinic_core::{Actor, Role, UserId};
use clinic_core::{AppointmentId, CommandId, PatientId};

fn id(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

fn doctor_record(verified: bool) -> DoctorRecord {
    let mut record = clinic_core::demo::DOCTORS[0].record(UserId::from_uuid(id(10)));
    if !verified {
        record.verification = clinic_core::doctor::Verification::Pending;
    }
    record
}

fn envelope(by: u128, command: Command) -> CommandEnvelope {
    CommandEnvelope::new(
        CommandId::from_uuid(id(99)),
        "2026-11-30T02:00:00Z".parse().unwrap(),
        UserId::from_uuid(id(by)),
        command,
    )
}

fn book(start: &str) -> Command {
    Command::BookAppointment {
        appointment: AppointmentId::from_uuid(id(50)),
        patient: PatientId::from_uuid(id(20)),
        doctor: UserId::from_uuid(id(10)),
        consultation: ConsultationType::InPerson,
        origin: Origin::Booked,
        start: Some(start.parse().unwrap()),
        reason: None,
        replaces: None,
    }
}

fn desk() -> Actor {
    Actor::User {
        id: UserId::from_uuid(id(1)),
        role: Role::FrontDesk,
    }
}

#[test]
fn a_booking_names_the_first_thing_that_stands_in_its_way() {
    let now: DateTime<Utc> = "2026-11-30T02:00:00Z".parse().unwrap();
    let verified = doctor_record(true);
    let pending = doctor_record(false);
    let facts = |patient, doctor| BookingFacts {
        patient,
        doctor,
        appointment_exists: false,
        replaced: None,
        busy: &[],
        booker_treats: false,
    };
    // Monday 2026-11-30 09:15 Dhaka = 03:15 UTC; Dr. Rahman works 9–13 Mon.
    let ok = envelope(1, book("2026-11-30T03:15:00Z"));
    let tz = chrono_tz::Asia::Dhaka;
    let judged = judge_booking(desk(), &ok, &facts(Some(None), Some(&verified)), tz, now);
    let record = judged.unwrap();
    assert_eq!(record.status, Status::Confirmed);
    assert_eq!(record.day.to_string(), "2026-11-30");
    let reason = |e: &CommandEnvelope, f: &BookingFacts<'_>| {
        judge_booking(desk(), e, f, tz, now).unwrap_err().reason
    };
    assert_eq!(
        reason(&ok, &facts(None, Some(&verified))),
        RejectionReason::UnknownPatient
    );
    assert_eq!(
        reason(&ok, &facts(Some(None), None)),
        RejectionReason::UnknownDoctor
    );
    assert_eq!(
        reason(&ok, &facts(Some(None), Some(&pending))),
        RejectionReason::DoctorNotVerified
    );
    let past = envelope(1, book("2026-11-30T01:00:00Z"));
    assert_eq!(
        reason(&past, &facts(Some(None), Some(&verified))),
        RejectionReason::SlotInThePast
    );
    let evening = envelope(1, book("2026-11-30T12:00:00Z"));
    let refused = judge_booking(
        desk(),
        &evening,
        &facts(Some(None), Some(&verified)),
        tz,
        now,
    )
    .unwrap_err();
    assert_eq!(refused.reason, RejectionReason::OutsideWorkingHours);
    assert_eq!(refused.alternatives.len(), 3, "offers other slots");
    // A patient booking for someone else hears "not allowed", whether or not they exist.
    let patient = Actor::User {
        id: UserId::from_uuid(id(30)),
        role: Role::Patient,
    };
    let mut request = book("2026-11-30T03:15:00Z");
    if let Command::BookAppointment { origin, .. } = &mut request {
        *origin = Origin::PatientRequest;
    }
    let request = envelope(30, request);
    for known in [None, Some(None), Some(Some(UserId::from_uuid(id(31))))] {
        assert_eq!(
            judge_booking(patient, &request, &facts(known, Some(&verified)), tz, now)
                .unwrap_err()
                .reason,
            RejectionReason::Forbidden
        );
    }
    let own = judge_booking(
        patient,
        &request,
        &facts(Some(Some(UserId::from_uuid(id(30)))), Some(&verified)),
        tz,
        now,
    )
    .unwrap();
    assert_eq!(own.status, Status::Requested);
}

#[test]
fn steps_follow_the_lifecycle_and_whose_appointment_it_is() {
    let now: DateTime<Utc> = "2026-11-30T02:00:00Z".parse().unwrap();
    let verified = doctor_record(true);
    let facts = BookingFacts {
        patient: Some(None),
        doctor: Some(&verified),
        appointment_exists: false,
        replaced: None,
        busy: &[],
        booker_treats: false,
    };
    let booked = judge_booking(
        desk(),
        &envelope(1, book("2026-11-30T03:15:00Z")),
        &facts,
        chrono_tz::Asia::Dhaka,
        now,
    )
    .unwrap();
    let step = |s| {
        envelope(
            1,
            Command::StepAppointment {
                appointment: booked.id,
                step: s,
                reason: Some("fever".into()),
            },
        )
    };
    let checked_in = judge_step(desk(), &step(Step::CheckIn), Some(&booked), None, now).unwrap();
    assert_eq!(checked_in.status, Status::CheckedIn);
    assert_eq!(checked_in.token, None, "the server gives the token");
    assert_eq!(checked_in.history.len(), 2);
    let other_doctor = Actor::User {
        id: UserId::from_uuid(id(11)),
        role: Role::Doctor,
    };
    assert_eq!(
        judge_step(
            other_doctor,
            &step(Step::Start),
            Some(&checked_in),
            None,
            now
        )
        .unwrap_err()
        .reason,
        RejectionReason::Forbidden
    );
    let refused = judge_step(desk(), &step(Step::Complete), Some(&booked), None, now).unwrap_err();
    assert_eq!(refused.reason, RejectionReason::StepNotPossible);
    assert_eq!(
        judge_step(desk(), &step(Step::CheckIn), None, None, now)
            .unwrap_err()
            .reason,
        RejectionReason::UnknownAppointment
    );
}

#[test]
fn a_reason_keeps_its_line_breaks_and_is_refused_for_any_other_control_character_or_length() {
    use clinic_core::account::{FieldError, FieldProblem};
    let now: DateTime<Utc> = "2026-11-30T02:00:00Z".parse().unwrap();
    let verified = doctor_record(true);
    let facts = BookingFacts {
        patient: Some(None),
        doctor: Some(&verified),
        appointment_exists: false,
        replaced: None,
        busy: &[],
        booker_treats: false,
    };
    let with_reason = |text: &str| {
        let mut command = book("2026-11-30T03:15:00Z");
        if let Command::BookAppointment { reason, .. } = &mut command {
            *reason = Some(text.to_owned());
        }
        envelope(1, command)
    };
    let judge = |e: &CommandEnvelope| judge_booking(desk(), e, &facts, chrono_tz::Asia::Dhaka, now);
    let kept = judge(&with_reason("fever\nsince Monday")).unwrap();
    assert_eq!(kept.reason.as_deref(), Some("fever\nsince Monday"));
    let bell = judge(&with_reason("fever\u{7}")).unwrap_err();
    assert_eq!(bell.reason, RejectionReason::Invalid);
    assert_eq!(
        bell.fields,
        vec![FieldError::new("reason", FieldProblem::InvalidCharacters)]
    );
    let long = judge(&with_reason(&"জ্বর ".repeat(101))).unwrap_err();
    assert_eq!(
        long.fields,
        vec![FieldError::new(
            "reason",
            FieldProblem::TooLong { max: 500 }
        )]
    );
    // What a desk sends: trimmed, and nothing for blank.
    assert_eq!(
        clinic_core::appointment::visit_reason(Some("  cough \n")).as_deref(),
        Some("cough")
    );
    assert_eq!(clinic_core::appointment::visit_reason(Some(" \t ")), None);
    // A start past the horizon is refused on its field before any date arithmetic.
    let far = envelope(1, book("2030-01-01T00:00:00Z"));
    let refused = judge(&far).unwrap_err();
    assert_eq!(refused.reason, RejectionReason::Invalid);
    assert_eq!(refused.fields[0].field, "start");
}

#[test]
fn a_refusal_reaches_the_desk_as_the_problem_of_its_field_or_as_its_reason() {
    use clinic_core::account::{FieldError, FieldProblem};
    use clinic_core::booking::BookingProblem;
    use clinic_core::ipc::IpcError;
    use clinic_core::sync::Rejection;
    use clinic_core::wire::ErrorCode;
    for problem in [
        BookingProblem::InThePast,
        BookingProblem::OnLeave,
        BookingProblem::OutsideHours,
        BookingProblem::DayFull,
        BookingProblem::SlotTaken,
        BookingProblem::Overlapping,
        BookingProblem::NotASlotTime,
    ] {
        let reason = RejectionReason::from(problem);
        assert_eq!(reason.booking_problem(), Some(problem));
        let error = IpcError::from(Rejection::because(reason));
        assert_eq!(error.code, ErrorCode::Validation);
        assert_eq!(
            error.fields,
            vec![FieldError::new(
                "start",
                FieldProblem::SlotUnavailable { booking: problem }
            )]
        );
        assert_eq!(error.message, problem.to_string());
    }
    let unverified = IpcError::from(Rejection::because(RejectionReason::DoctorNotVerified));
    assert_eq!(unverified.code, ErrorCode::Conflict);
    assert_eq!(unverified.refused, Some(RejectionReason::DoctorNotVerified));
    assert!(unverified.fields.is_empty());
    let forbidden = IpcError::from(Rejection::because(RejectionReason::Forbidden));
    assert_eq!(forbidden.code, ErrorCode::Forbidden);
    assert_eq!(RejectionReason::UnknownPatient.booking_problem(), None);
}
