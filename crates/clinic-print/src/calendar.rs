//! A doctor's appointments as an iCalendar file (RFC 5545), for the calendar on their phone or
//! computer. Each appointment keeps its id as the event's UID, so importing a newer export updates
//! the events instead of doubling them; cancelled ones are exported as cancelled.

use clinic_core::appointment::Status;
use clinic_core::availability::{ConsultationType, Slot};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

/// One appointment as the calendar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    pub id: clinic_core::AppointmentId,
    pub slot: Slot,
    pub status: Status,
    pub consultation: ConsultationType,
    pub patient: String,
    pub patient_number: String,
    pub reason: Option<String>,
}

/// The calendar file's text. Appointments without a slot (walk-ins) have no place in it.
pub fn doctor_calendar(doctor: &str, entries: &[CalendarEntry]) -> String {
    let mut calendar = Calendar::new();
    calendar.name(&format!("{doctor} — Clinic Desk"));
    for entry in entries {
        let status = match entry.status {
            Status::Requested => EventStatus::Tentative,
            Status::Cancelled | Status::Rejected | Status::Rescheduled | Status::NoShow => {
                EventStatus::Cancelled
            }
            _ => EventStatus::Confirmed,
        };
        let kind = match entry.consultation {
            ConsultationType::InPerson => "in person",
            ConsultationType::Video => "video call",
        };
        let mut event = Event::new();
        event
            .uid(&format!("{}@clinic-desk", entry.id))
            .summary(&format!(
                "{} ({}) — {kind}",
                entry.patient, entry.patient_number
            ))
            .starts(entry.slot.start)
            .ends(entry.slot.end)
            .status(status);
        if let Some(reason) = &entry.reason {
            event.description(reason);
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u128, hour: u32, status: Status) -> CalendarEntry {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
            .and_utc();
        CalendarEntry {
            id: clinic_core::AppointmentId::from_uuid(uuid_from(n)),
            slot: Slot {
                start,
                end: start + chrono::Duration::minutes(15),
                doctor: clinic_core::UserId::from_uuid(uuid_from(99)),
            },
            status,
            consultation: ConsultationType::Video,
            patient: "রহিমা খাতুন".into(),
            patient_number: "3-0042".into(),
            reason: Some("Follow-up, blood pressure".into()),
        }
    }

    fn uuid_from(n: u128) -> uuid::Uuid {
        uuid::Uuid::from_u128(n)
    }

    #[test]
    fn each_appointment_is_an_event_with_its_id_and_status() {
        let text = doctor_calendar(
            "Dr. Shafiq Hasan",
            &[
                entry(1, 3, Status::Confirmed),
                entry(2, 4, Status::Cancelled),
            ],
        );
        let unfolded = text.replace("\r\n ", "");
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        assert!(text.trim_end().ends_with("END:VCALENDAR"));
        assert_eq!(unfolded.matches("BEGIN:VEVENT").count(), 2);
        for want in [
            "UID:00000000-0000-0000-0000-000000000001@clinic-desk",
            "DTSTART:20261124T030000Z",
            "DTEND:20261124T031500Z",
            "SUMMARY:রহিমা খাতুন (3-0042) — video call",
            "STATUS:CONFIRMED",
            "STATUS:CANCELLED",
            "DESCRIPTION:Follow-up\\, blood pressure",
        ] {
            assert!(unfolded.contains(want), "{want:?} missing from:\n{text}");
        }
        assert!(
            text.split("\r\n").all(|line| line.len() <= 75),
            "lines are folded at 75 octets:\n{text}"
        );
    }
}
