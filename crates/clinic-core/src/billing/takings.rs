//! The clinic's takings over a period, as the admins' payments dashboard shows them: money in by
//! method, money given back, what was billed by doctor and by service, and what is still owed.
//! The server sums; this says what the sums are and checks the period asked for.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::PaymentMethod;
use crate::account::{FieldError, FieldProblem};
use crate::money::{Currency, Money};
use crate::UserId;

/// The longest period one request may sum (a year and a day, for leap years and "this year").
pub const MAX_PERIOD_DAYS: i64 = 366;

/// Clinic days `from..=to`, as the instants they start and end at on the clinic's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakingsPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
}

/// The period of clinic days `from..=to` in `tz`, or why it cannot be summed.
pub fn takings_period<Tz: TimeZone>(
    from: NaiveDate,
    to: NaiveDate,
    tz: &Tz,
) -> Result<TakingsPeriod, FieldError> {
    if to < from {
        return Err(FieldError::new("to", FieldProblem::EndsBeforeItStarts));
    }
    if (to - from).num_days() >= MAX_PERIOD_DAYS {
        return Err(FieldError::new(
            "to",
            FieldProblem::TooFarAhead {
                max_days: MAX_PERIOD_DAYS as u32,
            },
        ));
    }
    let start_of = |day: NaiveDate| {
        let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        tz.from_local_datetime(&midnight)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
    };
    Ok(TakingsPeriod {
        from,
        to,
        starts: start_of(from),
        ends: start_of(to + chrono::Days::new(1)),
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodTotal {
    pub method: PaymentMethod,
    pub amount: Money,
    pub payments: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorTotal {
    pub doctor: UserId,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceTotal {
    pub code: String,
    pub amount: Money,
}

/// The takings of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Takings {
    pub period: TakingsPeriod,
    pub currency: Currency,
    /// Money received, by method.
    pub received: Vec<MethodTotal>,
    /// Money given back.
    pub refunded: Money,
    /// Received less refunded.
    pub net: Money,
    /// Billed on invoices made in the period (void ones left out): consultations by doctor,
    /// clinic services by code, and the rest.
    pub billed_by_doctor: Vec<DoctorTotal>,
    pub billed_by_service: Vec<ServiceTotal>,
    pub billed_other: Money,
    /// Issued invoices with something still due, now (whenever they were made).
    pub outstanding_invoices: u64,
    pub outstanding: Money,
    /// Online attempts of the period the provider said were not paid, and those held for review.
    pub online_not_paid: u64,
    pub online_held: u64,
}

impl Takings {
    /// Received less refunded (an overflow is reported as the largest amount, never wrapped).
    pub fn net_of(received: &[MethodTotal], refunded: Money) -> Money {
        let total = Money::sum(refunded.currency, received.iter().map(|m| m.amount))
            .unwrap_or(Money::new(i64::MAX, refunded.currency));
        total
            .checked_sub(refunded)
            .unwrap_or(Money::new(i64::MIN, refunded.currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_clinic_days_on_the_clinics_clock_and_at_most_a_year() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let p = takings_period(
            day("2026-12-06"),
            day("2026-12-06"),
            &chrono_tz::Asia::Dhaka,
        )
        .unwrap();
        assert_eq!(p.starts.to_rfc3339(), "2026-12-05T18:00:00+00:00");
        assert_eq!(p.ends.to_rfc3339(), "2026-12-06T18:00:00+00:00");
        assert_eq!(
            takings_period(day("2026-12-06"), day("2026-12-05"), &Utc)
                .unwrap_err()
                .problem,
            FieldProblem::EndsBeforeItStarts
        );
        assert!(takings_period(day("2026-01-01"), day("2026-12-31"), &Utc).is_ok());
        assert!(takings_period(day("2025-01-01"), day("2026-12-31"), &Utc).is_err());
        let taka = |n| Money::new(n, Currency::BDT);
        let received = [
            MethodTotal {
                method: PaymentMethod::Cash,
                amount: taka(500),
                payments: 2,
            },
            MethodTotal {
                method: PaymentMethod::Online,
                amount: taka(300),
                payments: 1,
            },
        ];
        assert_eq!(Takings::net_of(&received, taka(100)), taka(700));
    }
}
