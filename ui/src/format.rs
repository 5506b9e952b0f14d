//! Times and sizes as people read them: on the clinic's clock, weekdays in the desk's language,
//! file sizes in B/KB/MB. One place, so every screen says them alike.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use clinic_core::ipc::Language;

use crate::i18n::text;
use crate::state::AppModel;

pub(crate) fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

/// The clinic's clock, as the desk last heard it (UTC until the first sign-in brings it).
pub(crate) fn clinic_zone(model: &AppModel) -> Tz {
    zone(
        model
            .connection
            .as_ref()
            .and_then(|c| c.clinic_time_zone.as_deref())
            .unwrap_or("UTC"),
    )
}

/// `10:30`, on the clinic's clock.
pub(crate) fn clock(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// `Tue 1 Dec 10:30`, on the clinic's clock, with the weekday in the desk's language.
pub(crate) fn day_and_clock(lang: Language, tz: Tz, t: DateTime<Utc>) -> String {
    use chrono::Datelike;
    let local = t.with_timezone(&tz);
    format!(
        "{} {} {}",
        text(lang, &format!("weekday-{:?}", local.weekday())),
        local.format("%d.%m."),
        local.format("%H:%M")
    )
}

/// `01.12.2026`: a calendar day as the clinic writes it.
pub(crate) fn date(day: chrono::NaiveDate) -> String {
    day.format("%d.%m.%Y").to_string()
}

/// `01.12.`: a day of this year, where the year goes without saying.
pub(crate) fn day_month(day: chrono::NaiveDate) -> String {
    day.format("%d.%m.").to_string()
}

/// The day a moment fell on, on the clinic's clock.
pub(crate) fn local_day(tz: Tz, t: DateTime<Utc>) -> chrono::NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// `01.12.2026 04:30:00 UTC`: a moment to the second, as the audit trail keeps it.
pub(crate) fn utc_stamp(t: DateTime<Utc>) -> String {
    t.format("%d.%m.%Y %H:%M:%S UTC").to_string()
}

/// A file's size as people read it.
pub(crate) fn size_label(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KB", b.div_ceil(1024)),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_on_the_clinics_clock_with_the_weekday_in_the_desks_language() {
        let t: DateTime<Utc> = "2026-12-01T04:30:00Z".parse().unwrap();
        let dhaka = zone("Asia/Dhaka");
        assert_eq!(clock(dhaka, t), "10:30");
        assert_eq!(
            zone("Not/AZone"),
            chrono_tz::UTC,
            "an unknown zone reads as UTC"
        );
        let english = day_and_clock(Language::English, dhaka, t);
        let bangla = day_and_clock(Language::Bangla, dhaka, t);
        assert!(english.ends_with("01.12. 10:30"), "{english}");
        assert!(bangla.ends_with("01.12. 10:30"), "{bangla}");
        assert_ne!(english, bangla, "the weekday is translated");
    }

    #[test]
    fn days_read_day_first_and_the_audit_keeps_utc_to_the_second() {
        let t: DateTime<Utc> = "2026-12-01T20:30:05Z".parse().unwrap();
        let dhaka = zone("Asia/Dhaka");
        assert_eq!(
            date(local_day(dhaka, t)),
            "02.12.2026",
            "after midnight in Dhaka"
        );
        assert_eq!(day_month(local_day(chrono_tz::UTC, t)), "01.12.");
        assert_eq!(utc_stamp(t), "01.12.2026 20:30:05 UTC");
    }

    #[test]
    fn sizes_read_in_the_unit_that_fits() {
        assert_eq!(size_label(512), "512 B");
        assert_eq!(size_label(1024), "1 KB");
        assert_eq!(size_label(1025), "2 KB");
        assert_eq!(size_label(3 * 1024 * 1024 + 512 * 1024), "3.5 MB");
    }
}
