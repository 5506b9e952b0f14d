//! The availability engine, pure: from a doctor's working pattern, the clinic's time zone and the
//! bookings that exist, the free slots for a day range.
//!
//! Working hours are in the clinic's local time (what a receptionist reads on the wall clock);
//! slots are instants (UTC), so a day with a daylight-saving change has the length it really has.
//! A local time that does not exist (the hour skipped in spring) starts at the first instant after
//! the gap; one that exists twice (the hour repeated in autumn) is taken at its first occurrence.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::UserId;

mod window;
pub use window::{DEFAULT_DAYS_AHEAD, MAX_DAYS_AHEAD, MAX_START_DAYS_FROM_TODAY};

/// In person at the clinic, or a video call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsultationType {
    InPerson,
    Video,
}

/// A stretch of local time within one day (`start < end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalSpan {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// One working session on a weekday: e.g. Sunday 09:00–13:00 with a break 11:00–11:15.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub hours: LocalSpan,
    #[serde(default)]
    pub breaks: Vec<LocalSpan>,
}

/// A day that differs from the weekly pattern: other sessions, or none (closed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayException {
    pub date: NaiveDate,
    pub sessions: Vec<Session>,
}

/// Days off, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leave {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

/// How a doctor works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingPattern {
    pub doctor: UserId,
    /// Sessions per weekday (`chrono::Weekday::num_days_from_monday` order, Monday first).
    pub weekly: [Vec<Session>; 7],
    pub in_person_minutes: u32,
    pub video_minutes: u32,
    /// Free time kept after each appointment.
    #[serde(default)]
    pub buffer_minutes: u32,
    /// At most this many appointments a day.
    #[serde(default)]
    pub daily_cap: Option<u32>,
    #[serde(default)]
    pub leave: Vec<Leave>,
    #[serde(default)]
    pub exceptions: Vec<DayException>,
}

impl WorkingPattern {
    pub fn slot_minutes(&self, kind: ConsultationType) -> u32 {
        match kind {
            ConsultationType::InPerson => self.in_person_minutes,
            ConsultationType::Video => self.video_minutes,
        }
    }

    pub fn on_leave(&self, day: NaiveDate) -> bool {
        self.leave
            .iter()
            .any(|l| l.first_day <= day && day <= l.last_day)
    }

    /// The clinic's rules for a pattern: slot lengths a clinic uses, sessions that start before
    /// they end, breaks inside their session, leave that ends after it starts. Field names are
    /// the form's.
    pub fn check(&self) -> Result<(), Vec<crate::account::FieldError>> {
        use crate::account::{FieldError, FieldProblem};
        let mut out = Vec::new();
        for (field, minutes) in [
            ("in_person_minutes", self.in_person_minutes),
            ("video_minutes", self.video_minutes),
        ] {
            if !(SLOT_MINUTES_MIN..=SLOT_MINUTES_MAX).contains(&minutes) {
                out.push(FieldError::new(
                    field,
                    FieldProblem::OutOfRange {
                        min: SLOT_MINUTES_MIN.into(),
                        max: SLOT_MINUTES_MAX.into(),
                    },
                ));
            }
        }
        if self.buffer_minutes > BUFFER_MINUTES_MAX {
            out.push(FieldError::new(
                "buffer_minutes",
                FieldProblem::OutOfRange {
                    min: 0,
                    max: BUFFER_MINUTES_MAX.into(),
                },
            ));
        }
        if self.daily_cap == Some(0) {
            out.push(FieldError::new(
                "daily_cap",
                FieldProblem::OutOfRange {
                    min: 1,
                    max: u32::MAX.into(),
                },
            ));
        }
        let sessions = self
            .weekly
            .iter()
            .flatten()
            .chain(self.exceptions.iter().flat_map(|e| &e.sessions));
        let mut hours_ok = true;
        for session in sessions {
            let h = session.hours;
            hours_ok &= h.start < h.end
                && session
                    .breaks
                    .iter()
                    .all(|b| b.start < b.end && h.start <= b.start && b.end <= h.end);
        }
        if !hours_ok {
            out.push(FieldError::new("hours", FieldProblem::EndsBeforeItStarts));
        }
        let overlapping = self
            .weekly
            .iter()
            .chain(self.exceptions.iter().map(|e| &e.sessions))
            .any(|day| {
                day.iter().enumerate().any(|(i, a)| {
                    day[i + 1..]
                        .iter()
                        .any(|b| a.hours.start < b.hours.end && b.hours.start < a.hours.end)
                })
            });
        if hours_ok && overlapping {
            out.push(FieldError::new("hours", FieldProblem::Overlapping));
        }
        if self.leave.iter().any(|l| l.first_day > l.last_day) {
            out.push(FieldError::new("leave", FieldProblem::EndsBeforeItStarts));
        }
        if out.is_empty() {
            Ok(())
        } else {
            Err(out)
        }
    }

    /// The sessions of `day`: its exception if it has one, else the weekly pattern.
    pub fn sessions_on(&self, day: NaiveDate) -> &[Session] {
        if self.on_leave(day) {
            return &[];
        }
        match self.exceptions.iter().find(|e| e.date == day) {
            Some(exception) => &exception.sessions,
            None => &self.weekly[day.weekday().num_days_from_monday() as usize],
        }
    }
}

/// The shortest and longest slot a pattern may have, in minutes.
pub const SLOT_MINUTES_MIN: u32 = 5;
pub const SLOT_MINUTES_MAX: u32 = 240;
pub const BUFFER_MINUTES_MAX: u32 = 120;

/// An existing appointment (or a held slot) that takes a doctor's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Busy {
    pub doctor: UserId,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A free slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub doctor: UserId,
}

/// What to look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotQuery {
    pub kind: ConsultationType,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Slots starting before this are past and not offered.
    pub not_before: DateTime<Utc>,
}

/// The instant a local wall-clock time stands for in `tz` (see the module's rule for gaps and
/// repeats).
pub fn instant(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        chrono::LocalResult::None => {
            // In a gap: step forward minute by minute to the first local time that exists (gaps
            // are at most a few hours), then map that.
            let mut probe = local;
            for _ in 0..(24 * 60) {
                probe += Duration::minutes(1);
                if let Some(t) = tz.from_local_datetime(&probe).earliest() {
                    return t.with_timezone(&Utc);
                }
            }
            Utc.from_utc_datetime(&local)
        }
    }
}

/// The working stretches of one session as instants: the hours minus the breaks.
#[cfg(test)]
fn working_spans(tz: Tz, day: NaiveDate, session: &Session) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    spans_with(&DayClock::new(tz, day), session)
}

/// Local times of one day as instants. A day without a clock change (all but two a year, where
/// there are any) converts by one fixed offset — the time-zone lookup is made twice a day, not
/// for every session start, end and break.
struct DayClock {
    tz: Tz,
    day: NaiveDate,
    open: DateTime<Utc>,
    close: DateTime<Utc>,
    fixed: Option<Duration>,
}

impl DayClock {
    fn new(tz: Tz, day: NaiveDate) -> Self {
        let midnight = day.and_time(NaiveTime::MIN);
        let open = instant(tz, midnight);
        let close = instant(tz, midnight + Duration::days(1));
        let fixed = (close - open == Duration::days(1)).then(|| midnight - open.naive_utc());
        DayClock {
            tz,
            day,
            open,
            close,
            fixed,
        }
    }

    fn at(&self, t: NaiveTime) -> DateTime<Utc> {
        let local = self.day.and_time(t);
        match self.fixed {
            Some(offset) => Utc.from_utc_datetime(&(local - offset)),
            None => instant(self.tz, local),
        }
    }
}

fn spans_with(clock: &DayClock, session: &Session) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let at = |t: NaiveTime| clock.at(t);
    let (start, end) = (at(session.hours.start), at(session.hours.end));
    if start >= end {
        return Vec::new();
    }
    let mut spans = vec![(start, end)];
    for b in &session.breaks {
        let (bs, be) = (at(b.start), at(b.end));
        if bs >= be {
            continue;
        }
        spans = spans
            .into_iter()
            .flat_map(|(s, e)| {
                let mut kept = Vec::new();
                if bs > s {
                    kept.push((s, bs.min(e)));
                }
                if be < e {
                    kept.push((be.max(s), e));
                }
                kept.into_iter().filter(|(a, b)| a < b)
            })
            .collect();
    }
    spans
}

/// Spans sorted and joined where they overlap or touch (sessions of one day may overlap when
/// someone enters them so).
fn merged<T: Ord + Copy>(mut spans: Vec<(T, T)>) -> Vec<(T, T)> {
    spans.sort_unstable();
    let mut out: Vec<(T, T)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

/// Free slots of one doctor for the query, in time order. `busy` may hold other doctors' times
/// too; only this doctor's count. A slot never overlaps a busy time widened by the buffer, a
/// break, leave, or another slot, and lies inside working hours.
pub fn free_slots(pattern: &WorkingPattern, tz: Tz, query: &SlotQuery, busy: &[Busy]) -> Vec<Slot> {
    free_slots_in(&ClinicDays::new(tz, query), pattern, query, busy)
}

/// [`free_slots`] with the days' clocks worked out once for many doctors.
pub fn free_slots_in(
    days: &ClinicDays,
    pattern: &WorkingPattern,
    query: &SlotQuery,
    busy: &[Busy],
) -> Vec<Slot> {
    let mut out = Vec::new();
    walk_free_slots(pattern, days, query, busy, |slot| {
        out.push(slot);
        true
    });
    out
}

/// The doctor's first free slot in the query's range: what the directory shows and sorts by.
pub fn next_free_slot(
    days: &ClinicDays,
    pattern: &WorkingPattern,
    query: &SlotQuery,
    busy: &[Busy],
) -> Option<Slot> {
    let mut first = None;
    walk_free_slots(pattern, days, query, busy, |slot| {
        first = Some(slot);
        false
    });
    first
}

/// The clinic's days of a query, each with its clock (the time-zone work done once for every
/// doctor asked about).
pub struct ClinicDays {
    first_day: NaiveDate,
    clocks: Vec<DayClock>,
}

impl ClinicDays {
    pub fn new(tz: Tz, query: &SlotQuery) -> Self {
        let mut clocks = Vec::new();
        let mut day = query.first_day;
        while day <= query.last_day {
            clocks.push(DayClock::new(tz, day));
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        ClinicDays {
            first_day: query.first_day,
            clocks,
        }
    }

    fn clock(&self, day: NaiveDate) -> Option<&DayClock> {
        usize::try_from((day - self.first_day).num_days())
            .ok()
            .and_then(|i| self.clocks.get(i))
    }
}

/// Hand each free slot, in time order, to `take` until it answers `false`.
fn walk_free_slots(
    pattern: &WorkingPattern,
    days: &ClinicDays,
    query: &SlotQuery,
    busy: &[Busy],
    mut take: impl FnMut(Slot) -> bool,
) {
    let minutes = pattern.slot_minutes(query.kind);
    if minutes == 0 || query.first_day > query.last_day {
        return;
    }
    // The walk counts in seconds since the epoch: chrono's calendar-checked arithmetic on every
    // candidate was most of the cost. Instants are converted back only for the slots handed out.
    let secs = |t: DateTime<Utc>| t.timestamp();
    let length = i64::from(minutes) * 60;
    let buffer = i64::from(pattern.buffer_minutes) * 60;
    let not_before = secs(query.not_before);
    // This doctor's busy times widened by the buffer, joined into disjoint stretches in time
    // order: the walk below only ever moves forward through them.
    let blocked = merged(
        busy.iter()
            .filter(|b| b.doctor == pattern.doctor && b.start < b.end)
            .map(|b| (secs(b.start) - buffer, secs(b.end) + buffer))
            .collect(),
    );
    let mut starts: Vec<i64> = busy
        .iter()
        .filter(|b| b.doctor == pattern.doctor)
        .map(|b| secs(b.start))
        .collect();
    starts.sort_unstable();
    let mut next_block = 0;
    let mut day = query.first_day;
    loop {
        let sessions = pattern.sessions_on(day);
        if let (false, Some(clock)) = (sessions.is_empty(), days.clock(day)) {
            let spans = merged(
                sessions
                    .iter()
                    .flat_map(|s| spans_with(clock, s))
                    .map(|(a, b)| (secs(a), secs(b)))
                    .collect(),
            );
            let capped = pattern.daily_cap.is_some_and(|cap| {
                let (open, close) = (secs(clock.open), secs(clock.close));
                let booked =
                    starts.partition_point(|s| *s < close) - starts.partition_point(|s| *s < open);
                booked >= cap as usize
            });
            for (span_start, span_end) in spans.into_iter().filter(|_| !capped) {
                let mut cursor = span_start;
                while cursor + length <= span_end {
                    let candidate_end = cursor + length;
                    while blocked
                        .get(next_block)
                        .is_some_and(|(_, end)| *end <= cursor)
                    {
                        next_block += 1;
                    }
                    match blocked
                        .get(next_block)
                        .filter(|(start, _)| *start < candidate_end)
                    {
                        Some(&(_, blocked_until)) => cursor = blocked_until,
                        None => {
                            if cursor >= not_before {
                                let at = |s: i64| {
                                    DateTime::from_timestamp(s, 0)
                                        .unwrap_or(DateTime::<Utc>::MAX_UTC)
                                };
                                let slot = Slot {
                                    start: at(cursor),
                                    end: at(candidate_end),
                                    doctor: pattern.doctor,
                                };
                                if !take(slot) {
                                    return;
                                }
                            }
                            cursor = candidate_end + buffer;
                        }
                    }
                }
            }
        }
        if day >= query.last_day {
            break;
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
}

/// Free slots of several doctors (a specialty, or the whole clinic), earliest first.
pub fn free_slots_for<'a>(
    patterns: impl IntoIterator<Item = &'a WorkingPattern>,
    tz: Tz,
    query: &SlotQuery,
    busy: &[Busy],
) -> Vec<Slot> {
    let days = ClinicDays::new(tz, query);
    let mut all: Vec<Slot> = patterns
        .into_iter()
        .flat_map(|p| free_slots_in(&days, p, query, busy))
        .collect();
    all.sort();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn span(a: (u32, u32), b: (u32, u32)) -> LocalSpan {
        LocalSpan {
            start: t(a.0, a.1),
            end: t(b.0, b.1),
        }
    }

    fn doctor() -> UserId {
        UserId::from_uuid(uuid::Uuid::from_u128(7))
    }

    fn every_day(session: Session) -> WorkingPattern {
        WorkingPattern {
            doctor: doctor(),
            weekly: std::array::from_fn(|_| vec![session.clone()]),
            in_person_minutes: 15,
            video_minutes: 20,
            buffer_minutes: 0,
            daily_cap: None,
            leave: vec![],
            exceptions: vec![],
        }
    }

    fn query(day: &str) -> SlotQuery {
        let day: NaiveDate = day.parse().unwrap();
        SlotQuery {
            kind: ConsultationType::InPerson,
            first_day: day,
            last_day: day,
            not_before: DateTime::<Utc>::MIN_UTC,
        }
    }

    fn local(tz: Tz, slot: &Slot) -> String {
        slot.start.with_timezone(&tz).format("%H:%M").to_string()
    }

    const DHAKA: Tz = chrono_tz::Asia::Dhaka;

    #[test]
    fn a_morning_with_a_break_in_dhaka() {
        let pattern = every_day(Session {
            hours: span((9, 0), (10, 0)),
            breaks: vec![span((9, 30), (9, 45))],
        });
        let slots = free_slots(&pattern, DHAKA, &query("2026-11-24"), &[]);
        let shown: Vec<String> = slots.iter().map(|s| local(DHAKA, s)).collect();
        assert_eq!(shown, vec!["09:00", "09:15", "09:45"]);
        assert_eq!(slots[0].start.to_rfc3339(), "2026-11-24T03:00:00+00:00");
    }

    #[test]
    fn bookings_buffers_and_video_length() {
        let mut pattern = every_day(Session {
            hours: span((9, 0), (11, 0)),
            breaks: vec![],
        });
        pattern.buffer_minutes = 5;
        let at = |h, m| {
            instant(
                DHAKA,
                "2026-11-24".parse::<NaiveDate>().unwrap().and_time(t(h, m)),
            )
        };
        let busy = [Busy {
            doctor: doctor(),
            start: at(9, 20),
            end: at(9, 40),
        }];
        let mut q = query("2026-11-24");
        q.kind = ConsultationType::Video;
        let shown: Vec<String> = free_slots(&pattern, DHAKA, &q, &busy)
            .iter()
            .map(|s| local(DHAKA, s))
            .collect();
        // 20-minute slots, 5 minutes kept after each; the 09:20 booking blocks 09:15–09:45.
        assert_eq!(shown, vec!["09:45", "10:10", "10:35"]);
    }

    #[test]
    fn leave_exceptions_caps_and_the_past() {
        let mut pattern = every_day(Session {
            hours: span((9, 0), (10, 0)),
            breaks: vec![],
        });
        let day: NaiveDate = "2026-11-24".parse().unwrap();
        pattern.leave = vec![Leave {
            first_day: day,
            last_day: day,
        }];
        assert!(free_slots(&pattern, DHAKA, &query("2026-11-24"), &[]).is_empty());
        pattern.leave.clear();
        pattern.exceptions = vec![DayException {
            date: day,
            sessions: vec![Session {
                hours: span((17, 0), (17, 30)),
                breaks: vec![],
            }],
        }];
        let shown: Vec<String> = free_slots(&pattern, DHAKA, &query("2026-11-24"), &[])
            .iter()
            .map(|s| local(DHAKA, s))
            .collect();
        assert_eq!(shown, vec!["17:00", "17:15"]);
        pattern.exceptions.clear();
        pattern.daily_cap = Some(1);
        let busy = [Busy {
            doctor: doctor(),
            start: instant(DHAKA, day.and_time(t(9, 0))),
            end: instant(DHAKA, day.and_time(t(9, 15))),
        }];
        assert!(free_slots(&pattern, DHAKA, &query("2026-11-24"), &busy).is_empty());
        pattern.daily_cap = None;
        let mut q = query("2026-11-24");
        q.not_before = instant(DHAKA, day.and_time(t(9, 31)));
        let shown: Vec<String> = free_slots(&pattern, DHAKA, &q, &[])
            .iter()
            .map(|s| local(DHAKA, s))
            .collect();
        assert_eq!(shown, vec!["09:45"]);
    }

    #[test]
    fn daylight_saving_days_have_their_real_length() {
        // London: clocks go forward at 01:00 on 2026-03-29 and back at 02:00 on 2026-10-25.
        let london = chrono_tz::Europe::London;
        let pattern = every_day(Session {
            hours: span((0, 30), (3, 0)),
            breaks: vec![],
        });
        let spring = free_slots(&pattern, london, &query("2026-03-29"), &[]);
        let autumn = free_slots(&pattern, london, &query("2026-10-25"), &[]);
        let normal = free_slots(&pattern, london, &query("2026-06-01"), &[]);
        assert_eq!(normal.len(), 10, "2.5 hours of 15-minute slots");
        assert_eq!(spring.len(), 6, "an hour is skipped");
        assert_eq!(autumn.len(), 14, "an hour is lived twice");
        for slots in [&spring, &autumn, &normal] {
            assert!(slots.windows(2).all(|w| w[0].end <= w[1].start));
        }
    }

    #[test]
    fn the_next_free_slot_skips_a_full_day() {
        let mut pattern = every_day(Session {
            hours: span((9, 0), (9, 30)),
            breaks: vec![],
        });
        pattern.daily_cap = Some(2);
        let day: NaiveDate = "2026-11-24".parse().unwrap();
        let at = |d: NaiveDate, h, m| instant(DHAKA, d.and_time(t(h, m)));
        let busy = [
            Busy {
                doctor: doctor(),
                start: at(day, 9, 0),
                end: at(day, 9, 15),
            },
            Busy {
                doctor: doctor(),
                start: at(day, 9, 15),
                end: at(day, 9, 30),
            },
        ];
        let mut q = query("2026-11-24");
        q.last_day = day + Duration::days(7);
        let next = next_free_slot(&ClinicDays::new(DHAKA, &q), &pattern, &q, &busy).unwrap();
        assert_eq!(next.start, at(day + Duration::days(1), 9, 0));
        assert_eq!(
            Some(next),
            free_slots(&pattern, DHAKA, &q, &busy).first().copied()
        );
    }

    #[test]
    fn the_clinic_view_merges_doctors_in_time_order() {
        let a = every_day(Session {
            hours: span((9, 0), (9, 30)),
            breaks: vec![],
        });
        let mut b = a.clone();
        b.doctor = UserId::from_uuid(uuid::Uuid::from_u128(8));
        b.weekly = std::array::from_fn(|_| {
            vec![Session {
                hours: span((9, 10), (9, 40)),
                breaks: vec![],
            }]
        });
        let slots = free_slots_for([&a, &b], DHAKA, &query("2026-11-24"), &[]);
        assert_eq!(slots.len(), 4);
        assert!(slots.windows(2).all(|w| w[0].start <= w[1].start));
    }

    fn arb_time() -> impl Strategy<Value = NaiveTime> {
        (0u32..24, 0u32..12).prop_map(|(h, m5)| t(h, m5 * 5))
    }

    fn arb_span() -> impl Strategy<Value = LocalSpan> {
        (arb_time(), arb_time()).prop_map(|(a, b)| LocalSpan {
            start: a.min(b),
            end: a.max(b),
        })
    }

    fn arb_pattern() -> impl Strategy<Value = WorkingPattern> {
        (
            prop::collection::vec((arb_span(), prop::collection::vec(arb_span(), 0..3)), 0..3),
            5u32..60,
            0u32..20,
            prop::option::of(1u32..10),
        )
            .prop_map(|(sessions, minutes, buffer, cap)| {
                let sessions: Vec<Session> = sessions
                    .into_iter()
                    .map(|(hours, breaks)| Session { hours, breaks })
                    .collect();
                WorkingPattern {
                    doctor: doctor(),
                    weekly: std::array::from_fn(|_| sessions.clone()),
                    in_person_minutes: minutes,
                    video_minutes: minutes,
                    buffer_minutes: buffer,
                    daily_cap: cap,
                    leave: vec![],
                    exceptions: vec![],
                }
            })
    }

    proptest! {
        #[test]
        fn slots_never_overlap_bookings_breaks_or_each_other_and_lie_in_hours(
            pattern in arb_pattern(),
            bookings in prop::collection::vec((0i64..(3 * 24 * 60), 5i64..90), 0..8),
            zone in prop::sample::select(vec![
                chrono_tz::Asia::Dhaka, chrono_tz::Europe::London, chrono_tz::America::New_York,
            ]),
            start_day in prop::sample::select(vec!["2026-03-07", "2026-03-28", "2026-10-24", "2026-11-23"]),
        ) {
            let first: NaiveDate = start_day.parse().unwrap();
            let q = SlotQuery {
                kind: ConsultationType::InPerson,
                first_day: first,
                last_day: first + Duration::days(2),
                not_before: DateTime::<Utc>::MIN_UTC,
            };
            let origin = instant(zone, first.and_time(NaiveTime::MIN));
            let busy: Vec<Busy> = bookings
                .iter()
                .map(|&(offset, len)| Busy {
                    doctor: pattern.doctor,
                    start: origin + Duration::minutes(offset),
                    end: origin + Duration::minutes(offset + len),
                })
                .collect();
            let slots = free_slots(&pattern, zone, &q, &busy);
            let buffer = Duration::minutes(i64::from(pattern.buffer_minutes));
            for w in slots.windows(2) {
                prop_assert!(w[0].end <= w[1].start, "slots overlap: {:?}", w);
            }
            for s in &slots {
                prop_assert_eq!(s.end - s.start, Duration::minutes(i64::from(pattern.in_person_minutes)));
                for b in &busy {
                    prop_assert!(s.end <= b.start - buffer || s.start >= b.end + buffer,
                        "slot {:?} overlaps booking {:?}", s, b);
                }
                // Inside the day's working hours, outside breaks, on its own local day.
                let day = s.start.with_timezone(&zone).date_naive();
                let spans = merged(
                    pattern
                        .sessions_on(day)
                        .iter()
                        .flat_map(|session| working_spans(zone, day, session))
                        .collect(),
                );
                let inside = spans.iter().any(|(a, b)| *a <= s.start && s.end <= *b);
                prop_assert!(inside, "slot {:?} outside working hours", s);
            }
        }
    }
}
