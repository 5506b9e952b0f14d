//! Which days a slot list or the directory covers: what a person or a desk asked, bounded before
//! any calendar arithmetic is done with it.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::{ConsultationType, SlotQuery};

/// How many days a slot list or the directory covers when not told, and at most.
pub const DEFAULT_DAYS_AHEAD: u32 = 14;
pub const MAX_DAYS_AHEAD: u32 = 60;
/// How far from today a slot list may start: a year and a day. Further is refused, never
/// computed (a far-future date would overflow the calendar arithmetic).
pub const MAX_START_DAYS_FROM_TODAY: u32 = 366;

impl SlotQuery {
    /// The days asked for (`from`, `days` as a person or a desk sent them), checked: `days`
    /// within 1..=[`MAX_DAYS_AHEAD`], `from` at most [`MAX_START_DAYS_FROM_TODAY`] after today
    /// (a day in the past means today).
    pub fn window(
        kind: ConsultationType,
        tz: Tz,
        now: DateTime<Utc>,
        from: Option<NaiveDate>,
        days: Option<u32>,
    ) -> Result<SlotQuery, crate::account::FieldError> {
        use crate::account::{FieldError, FieldProblem};
        let days = days.unwrap_or(DEFAULT_DAYS_AHEAD);
        if !(1..=MAX_DAYS_AHEAD).contains(&days) {
            return Err(FieldError::new(
                "days",
                FieldProblem::OutOfRange {
                    min: 1,
                    max: MAX_DAYS_AHEAD.into(),
                },
            ));
        }
        let today = now.with_timezone(&tz).date_naive();
        let first_day = from.unwrap_or(today).max(today);
        if first_day - today > Duration::days(MAX_START_DAYS_FROM_TODAY.into()) {
            return Err(FieldError::new(
                "from",
                FieldProblem::TooFarAhead {
                    max_days: MAX_START_DAYS_FROM_TODAY,
                },
            ));
        }
        Ok(SlotQuery {
            kind,
            first_day,
            last_day: first_day + Duration::days(i64::from(days - 1)),
            not_before: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_slot_window_is_bounded_before_any_date_arithmetic() {
        let tz = chrono_tz::Asia::Dhaka;
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 3, 0, 0).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let kind = ConsultationType::InPerson;
        let q = SlotQuery::window(kind, tz, now, None, None).unwrap();
        assert_eq!(
            (q.first_day, q.last_day),
            (today, today + Duration::days(13))
        );
        let past = SlotQuery::window(kind, tz, now, Some(NaiveDate::MIN), Some(1)).unwrap();
        assert_eq!(past.first_day, today, "a past day means today");
        let year = today + Duration::days(366);
        assert!(SlotQuery::window(kind, tz, now, Some(year), Some(60)).is_ok());
        for far in [year + Duration::days(1), NaiveDate::MAX] {
            let refused = SlotQuery::window(kind, tz, now, Some(far), Some(60)).unwrap_err();
            assert_eq!(refused.field, "from");
            assert_eq!(
                refused.problem,
                crate::account::FieldProblem::TooFarAhead { max_days: 366 }
            );
        }
        for days in [0, 61, u32::MAX] {
            let refused = SlotQuery::window(kind, tz, now, None, Some(days)).unwrap_err();
            assert_eq!(refused.field, "days", "{days}");
        }
    }
}
