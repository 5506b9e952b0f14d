//! Whether a booking may take a slot, pure: the rules the server judges every booking by and the
//! desk checks before it books, so both give the same specific reason.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::availability::{
    free_slots, instant, Busy, ConsultationType, Slot, SlotQuery, WorkingPattern,
};

/// Why a slot cannot be booked. Each has a sentence a receptionist understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum BookingProblem {
    #[error("This time has already passed.")]
    InThePast,
    #[error("The doctor is on leave that day.")]
    OnLeave,
    #[error("The doctor does not work at this time.")]
    OutsideHours,
    #[error("The doctor's appointments for that day are full.")]
    DayFull,
    #[error("Another appointment already has this slot.")]
    SlotTaken,
    #[error("This time overlaps another appointment of the doctor.")]
    Overlapping,
    #[error("This is not one of the doctor's slot times.")]
    NotASlotTime,
}

/// The slot a booking at `start` would take: its end follows from the doctor's slot length.
pub fn slot_at(pattern: &WorkingPattern, kind: ConsultationType, start: DateTime<Utc>) -> Slot {
    Slot {
        start,
        end: start + Duration::minutes(i64::from(pattern.slot_minutes(kind))),
        doctor: pattern.doctor,
    }
}

/// Whether a booking of `kind` at `start` fits the doctor's pattern, given `busy` (this doctor's
/// appointments that hold their slots; the one being booked not among them) and the time `now`.
/// The slot must be one the availability engine offers: the same rules as the free-slot lists.
/// How far ahead a booking may start (a year and a day), and how far back a desk's booking may
/// name a start (past slots are refused by [`check_booking`]; this only keeps the calendar
/// arithmetic in range). Checked before anything else is worked out from the start.
pub const BOOKING_HORIZON_DAYS: i64 = 366;

/// A booking's `start` within [`BOOKING_HORIZON_DAYS`] of `now` either way, or the field's
/// problem.
pub fn check_start_in_range(
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), crate::account::FieldError> {
    use crate::account::{FieldError, FieldProblem};
    let horizon = Duration::days(BOOKING_HORIZON_DAYS);
    if start.signed_duration_since(now) > horizon {
        Err(FieldError::new(
            "start",
            FieldProblem::TooFarAhead {
                max_days: BOOKING_HORIZON_DAYS as u32,
            },
        ))
    } else if now.signed_duration_since(start) > horizon {
        Err(FieldError::new(
            "start",
            FieldProblem::SlotUnavailable {
                booking: BookingProblem::InThePast,
            },
        ))
    } else {
        Ok(())
    }
}

pub fn check_booking(
    pattern: &WorkingPattern,
    tz: Tz,
    kind: ConsultationType,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    busy: &[Busy],
) -> Result<Slot, BookingProblem> {
    let slot = slot_at(pattern, kind, start);
    if start < now {
        return Err(BookingProblem::InThePast);
    }
    let day = start.with_timezone(&tz).date_naive();
    let query = SlotQuery {
        kind,
        first_day: day,
        last_day: day,
        not_before: now,
    };
    if free_slots(pattern, tz, &query, busy)
        .iter()
        .any(|s| s.start == start)
    {
        return Ok(slot);
    }
    // Not offered: say why, most specific first.
    if pattern.on_leave(day) {
        return Err(BookingProblem::OnLeave);
    }
    let inside_hours = pattern.sessions_on(day).iter().any(|session| {
        let at = |t| instant(tz, day.and_time(t));
        at(session.hours.start) <= slot.start
            && slot.end <= at(session.hours.end)
            && session
                .breaks
                .iter()
                .all(|b| slot.end <= at(b.start) || at(b.end) <= slot.start)
    });
    if !inside_hours {
        return Err(BookingProblem::OutsideHours);
    }
    let mine = || busy.iter().filter(|b| b.doctor == pattern.doctor);
    if mine().any(|b| b.start == slot.start) {
        return Err(BookingProblem::SlotTaken);
    }
    let buffer = Duration::minutes(i64::from(pattern.buffer_minutes));
    if mine().any(|b| b.start - buffer < slot.end && slot.start < b.end + buffer) {
        return Err(BookingProblem::Overlapping);
    }
    if let Some(cap) = pattern.daily_cap {
        let same_day = mine()
            .filter(|b| b.start.with_timezone(&tz).date_naive() == day)
            .count();
        if same_day >= cap as usize {
            return Err(BookingProblem::DayFull);
        }
    }
    Err(BookingProblem::NotASlotTime)
}

/// The next few free slots from `from` on (up to a fortnight ahead): what a refusal offers
/// instead.
pub fn alternatives(
    pattern: &WorkingPattern,
    tz: Tz,
    kind: ConsultationType,
    from: DateTime<Utc>,
    busy: &[Busy],
    how_many: usize,
) -> Vec<Slot> {
    let first_day = from.with_timezone(&tz).date_naive();
    let query = SlotQuery {
        kind,
        first_day,
        last_day: first_day + chrono::Days::new(14),
        not_before: from,
    };
    let mut slots = free_slots(pattern, tz, &query, busy);
    slots.truncate(how_many);
    slots
}

/// The most visits a follow-up series books at once, and the longest gap between them.
pub const SERIES_MAX_VISITS: u32 = 12;
pub const SERIES_MAX_WEEKS_APART: u32 = 12;

/// The starts of a follow-up series: `count` visits (the first included) `every_weeks` apart, each
/// at the same time on the clinic's wall clock as the first — across a daylight-saving change too.
pub fn follow_up_starts(
    tz: Tz,
    first: DateTime<Utc>,
    every_weeks: u32,
    count: u32,
) -> Vec<DateTime<Utc>> {
    let local = first.with_timezone(&tz).naive_local();
    (0..count.min(SERIES_MAX_VISITS))
        .map(|i| {
            let days = u64::from(i) * u64::from(every_weeks) * 7;
            instant(tz, local + chrono::Days::new(days))
        })
        .collect()
}

/// How many other slots a refused booking offers.
pub const ALTERNATIVES: usize = 3;

/// What the clinic's book holds about a booking: read by the server in the push's transaction,
/// by the desk from its store.
#[derive(Debug, Clone, Copy)]
pub struct BookingFacts<'a> {
    /// `Some(account)` when the patient is registered (with their own account, if any).
    pub patient: Option<Option<crate::UserId>>,
    pub doctor: Option<&'a crate::doctor::DoctorRecord>,
    pub appointment_exists: bool,
    /// The appointment this booking moves, with its patient's account.
    pub replaced: Option<&'a crate::appointment::AppointmentRecord>,
    /// The doctor's slot-holding appointments around the start (the replaced one left out).
    pub busy: &'a [Busy],
    /// When a doctor books: whether they already treat the patient ([`crate::care`]).
    pub booker_treats: bool,
}

/// Judge a `BookAppointment`: the policy, the reason, the patient and doctor, the move it makes,
/// and the slot. `Ok` is the appointment to write (its token, for a walk-in, is the caller's to
/// give). The server judges every pushed booking by this; the desk, before it queues one — so
/// both refuse the same booking for the same reason.
pub fn judge_booking(
    actor: crate::Actor,
    envelope: &crate::sync::CommandEnvelope,
    facts: &BookingFacts<'_>,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<crate::appointment::AppointmentRecord, crate::sync::Rejection> {
    use crate::account::{FieldError, FieldProblem};
    use crate::appointment::{check_reason, Appointment, Origin, Step};
    use crate::sync::{Command, Rejection, RejectionReason};
    let refuse = Rejection::because;
    let Command::BookAppointment {
        patient,
        doctor,
        consultation,
        origin,
        start,
        reason,
        replaces,
        ..
    } = &envelope.command
    else {
        return Err(refuse(RejectionReason::Malformed));
    };
    // A start beyond the horizon is refused before anything is worked out from it.
    if let Some(start) = start {
        check_start_in_range(*start, now)
            .map_err(|field| Rejection::new(RejectionReason::Invalid, vec![field]))?;
    }
    // The policy first: a patient probing ids hears "not allowed", never "unknown".
    crate::decide(
        actor,
        crate::Action::BookAppointment {
            origin: *origin,
            patient_account: facts.patient.flatten(),
            doctor: *doctor,
            booker_treats: facts.booker_treats,
        },
    )
    .map_err(|_| refuse(RejectionReason::Forbidden))?;
    let (Some(role), Some(by)) = (actor.role(), actor.user()) else {
        return Err(refuse(RejectionReason::Forbidden));
    };
    check_reason(reason.as_deref())
        .map_err(|field| Rejection::new(RejectionReason::Invalid, vec![field]))?;
    if facts.patient.is_none() {
        return Err(refuse(RejectionReason::UnknownPatient));
    }
    if facts.appointment_exists {
        return Err(refuse(RejectionReason::AlreadyBooked));
    }
    let record = facts.doctor.ok_or(refuse(RejectionReason::UnknownDoctor))?;
    if !record.verification.is_verified() {
        return Err(refuse(RejectionReason::DoctorNotVerified));
    }
    let at = envelope.made_at_by(actor, now);
    if let Some(old) = replaces {
        let old = facts
            .replaced
            .filter(|r| r.id == *old && r.patient == *patient)
            .ok_or(refuse(RejectionReason::UnknownAppointment))?;
        Appointment { status: old.status }.apply(Step::Reschedule, role)?;
    }
    let (slot, day) = match (origin, start) {
        (Origin::WalkIn, _) => (None, at.with_timezone(&tz).date_naive()),
        (_, None) => {
            return Err(Rejection::new(
                RejectionReason::Invalid,
                vec![FieldError::new("start", FieldProblem::Required)],
            ))
        }
        (_, Some(start)) => {
            let slot = check_booking(&record.pattern, tz, *consultation, *start, at, facts.busy)
                .map_err(|problem| {
                    Rejection::new(problem.into(), vec![]).with_alternatives(alternatives(
                        &record.pattern,
                        tz,
                        *consultation,
                        (*start).max(now),
                        facts.busy,
                        ALTERNATIVES,
                    ))
                })?;
            (Some(slot), start.with_timezone(&tz).date_naive())
        }
    };
    envelope
        .command
        .booked_record(slot, day, at, by)
        .ok_or_else(|| refuse(RejectionReason::Malformed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_beyond_the_horizon_is_refused_before_any_arithmetic() {
        let now: DateTime<Utc> = "2026-12-04T06:00:00Z".parse().unwrap();
        assert!(check_start_in_range(now + Duration::days(30), now).is_ok());
        for far in [DateTime::<Utc>::MAX_UTC, now + Duration::days(367)] {
            assert_eq!(check_start_in_range(far, now).unwrap_err().field, "start");
        }
        for long_ago in [DateTime::<Utc>::MIN_UTC, now - Duration::days(367)] {
            assert!(check_start_in_range(long_ago, now).is_err());
        }
    }
    use crate::availability::{Leave, LocalSpan, Session};
    use crate::UserId;
    use chrono::{NaiveDate, NaiveTime, TimeZone};

    fn doctor() -> UserId {
        UserId::from_uuid(uuid::Uuid::from_u128(7))
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    /// Every day 09:00–13:00 with a break 11:00–11:30; 15-minute visits, 5-minute buffer.
    fn pattern() -> WorkingPattern {
        let session = Session {
            hours: LocalSpan {
                start: t(9, 0),
                end: t(13, 0),
            },
            breaks: vec![LocalSpan {
                start: t(11, 0),
                end: t(11, 30),
            }],
        };
        WorkingPattern {
            doctor: doctor(),
            weekly: std::array::from_fn(|_| vec![session.clone()]),
            in_person_minutes: 15,
            video_minutes: 20,
            buffer_minutes: 5,
            daily_cap: Some(3),
            leave: vec![Leave {
                first_day: NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(),
                last_day: NaiveDate::from_ymd_opt(2026, 12, 26).unwrap(),
            }],
            exceptions: vec![],
        }
    }

    fn dhaka(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Dhaka
            .with_ymd_and_hms(2026, 12, d, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn check(start: DateTime<Utc>, busy: &[Busy]) -> Result<Slot, BookingProblem> {
        check_booking(
            &pattern(),
            chrono_tz::Asia::Dhaka,
            ConsultationType::InPerson,
            start,
            dhaka(1, 8, 0),
            busy,
        )
    }

    fn busy(start: DateTime<Utc>, minutes: i64) -> Busy {
        Busy {
            doctor: doctor(),
            start,
            end: start + Duration::minutes(minutes),
        }
    }

    #[test]
    fn a_free_slot_is_booked_with_its_length() {
        let slot = check(dhaka(2, 9, 20), &[]).unwrap();
        assert_eq!(slot.end - slot.start, Duration::minutes(15));
    }

    #[test]
    fn each_refusal_names_its_reason() {
        assert_eq!(check(dhaka(1, 7, 0), &[]), Err(BookingProblem::InThePast));
        assert_eq!(check(dhaka(25, 9, 0), &[]), Err(BookingProblem::OnLeave));
        assert_eq!(
            check(dhaka(2, 14, 0), &[]),
            Err(BookingProblem::OutsideHours)
        );
        assert_eq!(
            check(dhaka(2, 10, 50), &[]),
            Err(BookingProblem::OutsideHours),
            "runs into the break"
        );
        let taken = [busy(dhaka(2, 9, 0), 15)];
        assert_eq!(
            check(dhaka(2, 9, 0), &taken),
            Err(BookingProblem::SlotTaken)
        );
        let video = [busy(dhaka(2, 9, 20), 20)];
        assert_eq!(
            check(dhaka(2, 9, 40), &video),
            Err(BookingProblem::Overlapping),
            "a 20-minute video call at 9:20 plus the buffer runs to 9:45"
        );
        let full = [
            busy(dhaka(2, 9, 0), 15),
            busy(dhaka(2, 9, 20), 15),
            busy(dhaka(2, 9, 40), 15),
        ];
        assert_eq!(check(dhaka(2, 12, 0), &full), Err(BookingProblem::DayFull));
        assert_eq!(
            check(dhaka(2, 9, 7), &[]),
            Err(BookingProblem::NotASlotTime)
        );
    }

    #[test]
    fn a_follow_up_series_keeps_the_wall_clock_time_across_a_clock_change() {
        let london = chrono_tz::Europe::London;
        // Tuesday 2026-10-13 10:00 BST; the clocks go back on 25 October.
        let first = london
            .with_ymd_and_hms(2026, 10, 13, 10, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let starts = follow_up_starts(london, first, 2, 3);
        let local: Vec<String> = starts
            .iter()
            .map(|s| {
                s.with_timezone(&london)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .collect();
        assert_eq!(
            local,
            ["2026-10-13 10:00", "2026-10-27 10:00", "2026-11-10 10:00"]
        );
        assert_eq!(
            starts[1] - starts[0],
            Duration::weeks(2) + Duration::hours(1),
            "an hour longer: the clocks went back"
        );
        assert_eq!(
            follow_up_starts(london, first, 1, 100).len(),
            SERIES_MAX_VISITS as usize
        );
    }

    #[test]
    fn alternatives_start_after_the_refused_time() {
        let taken = [busy(dhaka(2, 9, 0), 15)];
        let offered = alternatives(
            &pattern(),
            chrono_tz::Asia::Dhaka,
            ConsultationType::InPerson,
            dhaka(2, 9, 0),
            &taken,
            3,
        );
        let starts: Vec<_> = offered.iter().map(|s| s.start).collect();
        assert_eq!(
            starts,
            vec![dhaka(2, 9, 20), dhaka(2, 9, 40), dhaka(2, 10, 0)]
        );
        for slot in &offered {
            assert_eq!(check(slot.start, &taken), Ok(*slot));
        }
    }
}
