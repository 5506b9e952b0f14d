//! The appointment lifecycle as a state machine, pure.
//!
//! ```text
//!  requested ──confirm──▶ confirmed ──check in──▶ checked in ──start──▶ in consultation ──complete──▶ completed
//!      │                    │   │                    │
//!      └─reject─▶ rejected  │   └─no-show─▶ no-show  │
//!  (requested, confirmed, checked in) ──cancel──▶ cancelled     confirmed ──reschedule──▶ rescheduled
//! ```
//!
//! The desk books directly (an appointment starts `confirmed`) and registers walk-ins (they start
//! `checked in`); a patient's request starts `requested` and the doctor accepts or rejects it.
//! Who may take each step is part of the machine: [`Appointment::apply`] refuses a step the
//! actor's role may not take, with a reason a receptionist understands.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::availability::{ConsultationType, Slot};
use crate::{AppointmentId, PatientId, Role, UserId};

/// Where an appointment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Requested,
    Confirmed,
    Rejected,
    CheckedIn,
    InConsultation,
    Completed,
    Cancelled,
    NoShow,
    /// Moved to another slot: this appointment ends here and a new one continues it (the
    /// history keeps both).
    Rescheduled,
}

impl Status {
    /// No step leads out of these.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            Status::Rejected
                | Status::Completed
                | Status::Cancelled
                | Status::NoShow
                | Status::Rescheduled
        )
    }

    /// Whether an appointment in this status can be moved to another time (a reschedule).
    pub fn movable(self) -> bool {
        Appointment { status: self }.after(Step::Reschedule).is_ok()
    }

    /// Whether the appointment still holds its slot (for "never a double booking").
    pub const fn holds_slot(self) -> bool {
        matches!(
            self,
            Status::Requested | Status::Confirmed | Status::CheckedIn | Status::InConsultation
        )
    }
}

/// A step in the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Confirm,
    Reject,
    CheckIn,
    Start,
    Complete,
    Cancel,
    MarkNoShow,
    Reschedule,
}

/// How an appointment came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A patient asked (patient build): the doctor accepts or rejects.
    PatientRequest,
    /// The desk (or the doctor) booked it: confirmed at once.
    Booked,
    /// Came in without one: queued in the waiting room at once.
    WalkIn,
}

impl Origin {
    pub const fn first_status(self) -> Status {
        match self {
            Origin::PatientRequest => Status::Requested,
            Origin::Booked => Status::Confirmed,
            Origin::WalkIn => Status::CheckedIn,
        }
    }

    /// Who may create an appointment this way.
    pub const fn allowed_for(self, role: Role) -> bool {
        match self {
            Origin::PatientRequest => matches!(role, Role::Patient),
            Origin::Booked => matches!(role, Role::FrontDesk | Role::Doctor | Role::Admin),
            Origin::WalkIn => matches!(role, Role::FrontDesk | Role::Admin),
        }
    }
}

impl Status {
    /// The stable name stored in databases.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Requested => "requested",
            Status::Confirmed => "confirmed",
            Status::Rejected => "rejected",
            Status::CheckedIn => "checked_in",
            Status::InConsultation => "in_consultation",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::NoShow => "no_show",
            Status::Rescheduled => "rescheduled",
        }
    }
}

/// One step of an appointment's history: what it became, when, by whom, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: Status,
    pub at: DateTime<Utc>,
    pub by: UserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An appointment as the server holds it now: what a pull delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentRecord {
    pub id: AppointmentId,
    pub patient: PatientId,
    pub doctor: UserId,
    pub consultation: ConsultationType,
    pub origin: Origin,
    pub status: Status,
    /// The slot; `None` for a walk-in (a place in the queue, not a slot).
    #[serde(default)]
    pub slot: Option<Slot>,
    /// The clinic's local date the appointment belongs to.
    pub day: NaiveDate,
    /// The patient's token in the doctor's queue that day, given at check-in.
    #[serde(default)]
    pub token: Option<u32>,
    /// Why the patient comes (as the desk or the patient wrote it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The appointment this one continues (a reschedule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<AppointmentId>,
    /// Every status it has had, the first one included, oldest first.
    pub history: Vec<StatusChange>,
}

impl AppointmentRecord {
    /// The appointment after a change to `status`, with the change in its history.
    pub fn moved_to(
        mut self,
        status: Status,
        at: DateTime<Utc>,
        by: UserId,
        reason: Option<String>,
    ) -> AppointmentRecord {
        self.status = status;
        self.history.push(StatusChange {
            status,
            at,
            by,
            reason,
        });
        self
    }

    /// When the patient checked in (walk-ins: when they came).
    pub fn checked_in_at(&self) -> Option<DateTime<Utc>> {
        self.history
            .iter()
            .find(|c| c.status == Status::CheckedIn)
            .map(|c| c.at)
    }
}

/// Where an appointment stands in a day's list: the waiting room first (in consultation, then
/// checked in by token, then by arrival), then bookings still to come by time, then the rest.
pub fn day_order(a: &AppointmentRecord) -> (u8, u32, Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let group = match a.status {
        Status::InConsultation => 0,
        Status::CheckedIn => 1,
        Status::Requested | Status::Confirmed => 2,
        _ => 3,
    };
    let waiting = group == 1;
    (
        group,
        if waiting {
            a.token.unwrap_or(u32::MAX)
        } else {
            0
        },
        a.checked_in_at().filter(|_| waiting),
        a.slot.map(|s| s.start),
    )
}

/// Why a step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum StepRefused {
    #[error("This appointment is already {0:?}: nothing more can be done with it.")]
    Final(Status),
    #[error("This cannot be done to an appointment that is {from:?}.")]
    NotFrom { from: Status },
    #[error("Your account may not do this to an appointment.")]
    NotYourStep,
}

/// The lifecycle's state: the status alone (times, people and history are kept by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    pub status: Status,
}

impl Appointment {
    pub const fn new(origin: Origin) -> Self {
        Appointment {
            status: origin.first_status(),
        }
    }

    /// The status after `step` taken by someone with `role`, or why not. A patient may only
    /// cancel (their own appointment: ownership is the caller's check through the policy).
    pub fn apply(self, step: Step, role: Role) -> Result<Appointment, StepRefused> {
        use Step::*;
        let next = self.after(step)?;
        let allowed = match step {
            Confirm | Reject | Start | Complete => matches!(role, Role::Doctor),
            CheckIn | MarkNoShow => matches!(role, Role::FrontDesk | Role::Admin),
            Cancel => true,
            Reschedule => !matches!(role, Role::Patient) || self.status == Status::Requested,
        };
        if !allowed {
            return Err(StepRefused::NotYourStep);
        }
        Ok(next)
    }

    /// The steps someone with `role` is offered on this appointment, in the order a screen shows
    /// them: those the lifecycle allows from here that are theirs to take. A doctor is not
    /// offered cancelling (they reject a request; the front desk or the patient cancels), and
    /// moving is offered apart ([`Status::movable`]).
    pub fn steps_for(self, role: Role) -> Vec<Step> {
        use Step::*;
        [
            Confirm, Reject, Start, Complete, CheckIn, MarkNoShow, Cancel,
        ]
        .into_iter()
        .filter(|&step| !(role == Role::Doctor && step == Cancel))
        .filter(|&step| self.apply(step, role).is_ok())
        .collect()
    }

    /// The status after `step`, whoever takes it: the lifecycle's transitions alone (a desk
    /// replaying its own pending steps; who may take them was decided when they were made).
    pub fn after(self, step: Step) -> Result<Appointment, StepRefused> {
        use Status::*;
        use Step::*;
        if self.status.is_final() {
            return Err(StepRefused::Final(self.status));
        }
        let next = match (self.status, step) {
            (Requested, Confirm) => Confirmed,
            (Requested, Reject) => Rejected,
            (Confirmed, CheckIn) => CheckedIn,
            (CheckedIn, Start) => InConsultation,
            (InConsultation, Complete) => Completed,
            (Requested | Confirmed | CheckedIn, Cancel) => Cancelled,
            (Confirmed, MarkNoShow) => NoShow,
            (Requested | Confirmed, Reschedule) => Rescheduled,
            (from, _) => return Err(StepRefused::NotFrom { from }),
        };
        Ok(Appointment { status: next })
    }
}

/// The longest reason a booking or a step may give.
pub const REASON_MAX_CHARS: usize = 500;

/// A reason as a desk sends it: trimmed, and none when nothing is left.
pub fn visit_reason(typed: Option<&str>) -> Option<String> {
    typed
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
}

/// Whether a reason (for a visit, a step) keeps the rules: line breaks allowed, no other control
/// character, at most [`REASON_MAX_CHARS`].
pub fn check_reason(reason: Option<&str>) -> Result<(), crate::account::FieldError> {
    use crate::account::{FieldError, FieldProblem};
    match reason {
        Some(r) if r.chars().any(|c| c.is_control() && c != '\n') => {
            Err(FieldError::new("reason", FieldProblem::InvalidCharacters))
        }
        Some(r) if r.chars().count() > REASON_MAX_CHARS => Err(FieldError::new(
            "reason",
            FieldProblem::TooLong {
                max: REASON_MAX_CHARS,
            },
        )),
        _ => Ok(()),
    }
}

/// Judge a `StepAppointment` on `current` (the appointment as stored; `patient_account` its
/// patient's own account). `Ok` is the appointment after the step. The server judges every
/// pushed step by this; the desk, before it queues one.
pub fn judge_step(
    actor: crate::Actor,
    envelope: &crate::sync::CommandEnvelope,
    current: Option<&AppointmentRecord>,
    patient_account: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<AppointmentRecord, crate::sync::Rejection> {
    use crate::sync::{Command, Rejection, RejectionReason};
    let Command::StepAppointment { step, reason, .. } = &envelope.command else {
        return Err(Rejection::because(RejectionReason::Malformed));
    };
    let Some(current) = current else {
        // A patient probing ids hears "not allowed", never "unknown".
        return Err(match actor.role() {
            Some(Role::Patient) | None => Rejection::because(RejectionReason::Forbidden),
            Some(_) => Rejection::because(RejectionReason::UnknownAppointment),
        });
    };
    crate::decide(
        actor,
        crate::Action::ChangeAppointment {
            doctor: current.doctor,
            patient_account,
        },
    )
    .map_err(|_| Rejection::because(RejectionReason::Forbidden))?;
    let (Some(role), Some(by)) = (actor.role(), actor.user()) else {
        return Err(Rejection::because(RejectionReason::Forbidden));
    };
    check_reason(reason.as_deref())
        .map_err(|field| Rejection::new(RejectionReason::Invalid, vec![field]))?;
    if *step == Step::Reschedule {
        // A move is a new booking that replaces this one: the new slot is judged with it.
        return Err(Rejection::explained(
            RejectionReason::StepNotPossible,
            "To move an appointment, book the new time as a replacement.".to_owned(),
        ));
    }
    let next = Appointment {
        status: current.status,
    }
    .apply(*step, role)?;
    Ok(current.clone().moved_to(
        next.status,
        envelope.made_at_by(actor, now),
        by,
        reason.clone(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_booked_appointment_runs_its_course() {
        let mut a = Appointment::new(Origin::Booked);
        for (step, role, status) in [
            (Step::CheckIn, Role::FrontDesk, Status::CheckedIn),
            (Step::Start, Role::Doctor, Status::InConsultation),
            (Step::Complete, Role::Doctor, Status::Completed),
        ] {
            a = a.apply(step, role).unwrap();
            assert_eq!(a.status, status);
        }
        assert_eq!(
            a.apply(Step::Cancel, Role::FrontDesk),
            Err(StepRefused::Final(Status::Completed))
        );
    }

    #[test]
    fn a_request_is_for_the_doctor_to_accept_or_reject() {
        let request = Appointment::new(Origin::PatientRequest);
        assert_eq!(request.status, Status::Requested);
        assert_eq!(
            request.apply(Step::Confirm, Role::Patient),
            Err(StepRefused::NotYourStep)
        );
        assert_eq!(
            request.apply(Step::Confirm, Role::FrontDesk),
            Err(StepRefused::NotYourStep)
        );
        assert_eq!(
            request.apply(Step::Reject, Role::Doctor).unwrap().status,
            Status::Rejected
        );
        assert_eq!(
            request.apply(Step::Cancel, Role::Patient).unwrap().status,
            Status::Cancelled,
            "a patient may withdraw their own request"
        );
    }

    #[test]
    fn walk_ins_start_in_the_waiting_room_and_only_the_desk_registers_them() {
        assert_eq!(Appointment::new(Origin::WalkIn).status, Status::CheckedIn);
        assert!(Origin::WalkIn.allowed_for(Role::FrontDesk));
        assert!(!Origin::WalkIn.allowed_for(Role::Patient));
        assert!(!Origin::PatientRequest.allowed_for(Role::FrontDesk));
    }

    #[test]
    fn steps_out_of_order_are_refused_with_where_it_stands() {
        let booked = Appointment::new(Origin::Booked);
        assert_eq!(
            booked.apply(Step::Complete, Role::Doctor),
            Err(StepRefused::NotFrom {
                from: Status::Confirmed
            })
        );
        let started = booked
            .apply(Step::CheckIn, Role::FrontDesk)
            .unwrap()
            .apply(Step::Start, Role::Doctor)
            .unwrap();
        assert_eq!(
            started.apply(Step::Cancel, Role::FrontDesk),
            Err(StepRefused::NotFrom {
                from: Status::InConsultation
            }),
            "a consultation under way is completed, not cancelled"
        );
        assert_eq!(
            booked
                .apply(Step::MarkNoShow, Role::FrontDesk)
                .unwrap()
                .status,
            Status::NoShow
        );
    }

    fn any_step() -> impl Strategy<Value = Step> {
        prop::sample::select(vec![
            Step::Confirm,
            Step::Reject,
            Step::CheckIn,
            Step::Start,
            Step::Complete,
            Step::Cancel,
            Step::MarkNoShow,
            Step::Reschedule,
        ])
    }

    fn any_role() -> impl Strategy<Value = Role> {
        prop::sample::select(vec![
            Role::Admin,
            Role::Doctor,
            Role::FrontDesk,
            Role::Patient,
        ])
    }

    fn any_origin() -> impl Strategy<Value = Origin> {
        prop::sample::select(vec![Origin::PatientRequest, Origin::Booked, Origin::WalkIn])
    }

    proptest! {
        #[test]
        fn no_way_out_of_a_final_status_and_completed_only_after_a_consultation(
            origin in any_origin(),
            steps in prop::collection::vec((any_step(), any_role()), 0..12),
        ) {
            let mut a = Appointment::new(origin);
            let mut seen = vec![a.status];
            for (step, role) in steps {
                if let Ok(next) = a.apply(step, role) {
                    prop_assert!(!a.status.is_final());
                    if next.status == Status::Completed {
                        prop_assert_eq!(a.status, Status::InConsultation);
                    }
                    a = next;
                    seen.push(a.status);
                }
            }
            // Once final, nothing changed after it.
            if let Some(i) = seen.iter().position(|s| s.is_final()) {
                prop_assert_eq!(i, seen.len() - 1);
            }
        }
    }

    #[test]
    fn each_role_is_offered_its_own_steps_and_only_open_appointments_move() {
        use Status::*;
        use Step::*;
        let offered = |status, role| Appointment { status }.steps_for(role);
        assert_eq!(offered(Requested, Role::Doctor), vec![Confirm, Reject]);
        assert_eq!(offered(CheckedIn, Role::Doctor), vec![Start]);
        assert_eq!(offered(InConsultation, Role::Doctor), vec![Complete]);
        assert_eq!(offered(Confirmed, Role::Doctor), vec![]);
        for desk in [Role::FrontDesk, Role::Admin] {
            assert_eq!(offered(Confirmed, desk), vec![CheckIn, MarkNoShow, Cancel]);
            assert_eq!(offered(Requested, desk), vec![Cancel]);
            assert_eq!(offered(CheckedIn, desk), vec![Cancel]);
            assert_eq!(offered(InConsultation, desk), vec![]);
        }
        assert_eq!(offered(Confirmed, Role::Patient), vec![Cancel]);
        for status in [Rejected, Completed, Cancelled, NoShow, Rescheduled] {
            assert!(offered(status, Role::Admin).is_empty(), "{status:?}");
            assert!(!status.movable());
        }
        assert!(Requested.movable() && Confirmed.movable());
        assert!(!CheckedIn.movable() && !InConsultation.movable());
    }
}
