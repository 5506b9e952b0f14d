//! The booking form's state and how it moves, pure (tested natively): what is typed, the
//! patients found, the chosen patient and doctor, the slots offered, what was just booked.

use std::rc::Rc;

use chrono::{DateTime, Utc};
use clinic_core::availability::{ConsultationType, Slot};
use clinic_core::doctor::DoctorRecord;
use clinic_core::ipc::{AppointmentView, BookArgs, BookSeriesArgs, SeriesBooked};
use clinic_core::registry::PatientSummary;
use clinic_core::UserId;
use yew::Reducible;

/// How many patients the search offers.
const MATCHES_SHOWN: usize = 5;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BookingFormState {
    pub(crate) query: String,
    pub(crate) matches: Vec<PatientSummary>,
    pub(crate) patient: Option<PatientSummary>,
    /// The clinic's verified doctors (from the desk's copy).
    pub(crate) doctors: Vec<DoctorRecord>,
    pub(crate) doctor: Option<UserId>,
    pub(crate) consultation: ConsultationType,
    pub(crate) slots: Vec<Slot>,
    /// The booking just made (its banner).
    pub(crate) booked: Option<AppointmentView>,
    /// Follow-ups: weeks apart (0: none) and how many visits in all.
    pub(crate) repeat: u32,
    pub(crate) visits: u32,
    pub(crate) series: Option<SeriesBooked>,
}

impl Default for BookingFormState {
    fn default() -> Self {
        BookingFormState {
            query: String::new(),
            matches: Vec::new(),
            patient: None,
            doctors: Vec::new(),
            doctor: None,
            consultation: ConsultationType::InPerson,
            slots: Vec::new(),
            booked: None,
            repeat: 0,
            visits: 4,
            series: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BookingAction {
    Typed(String),
    /// The search's answer for `query` (ignored if the text changed meanwhile).
    Found {
        query: String,
        patients: Vec<PatientSummary>,
    },
    Picked(PatientSummary),
    ChangePatient,
    /// The clinic's doctors as the desk knows them; the first verified one is chosen if none is.
    DoctorsLoaded(Vec<DoctorRecord>),
    ChoseDoctor(Option<UserId>),
    ChoseConsultation(ConsultationType),
    SlotsLoaded(Vec<Slot>),
    Booked(AppointmentView),
    SeriesBooked(SeriesBooked),
    /// Refused bookings are shown above the form: the last booking's banner goes.
    ConflictsShown,
    Repeat(u32),
    Visits(u32),
}

/// What pressing a slot (or Alt+W for a walk-in) books.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Booking {
    One(BookArgs),
    Series(BookSeriesArgs),
}

impl BookingFormState {
    /// The booking a slot at `start` (a walk-in: `None`) makes, once a patient and a doctor are
    /// chosen; a repeat makes a series of follow-ups from a slot (never from a walk-in).
    pub(crate) fn booking(&self, start: Option<DateTime<Utc>>) -> Option<Booking> {
        let (patient, doctor) = (self.patient.as_ref()?, self.doctor?);
        let one = BookArgs {
            patient: patient.id,
            doctor,
            consultation: self.consultation,
            start,
            reason: None,
        };
        Some(if start.is_some() && self.repeat > 0 {
            Booking::Series(BookSeriesArgs {
                booking: one,
                every_weeks: self.repeat,
                count: self.visits,
            })
        } else {
            Booking::One(one)
        })
    }
}

impl Reducible for BookingFormState {
    type Action = BookingAction;

    fn reduce(self: Rc<Self>, action: BookingAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            BookingAction::Typed(query) => {
                if query.trim().is_empty() {
                    next.matches.clear();
                }
                next.query = query;
            }
            BookingAction::Found { query, patients } => {
                if query != next.query || query.trim().is_empty() {
                    return self;
                }
                next.matches = patients.into_iter().take(MATCHES_SHOWN).collect();
            }
            BookingAction::Picked(patient) => {
                next.booked = None;
                next.patient = Some(patient);
            }
            BookingAction::ChangePatient => next.patient = None,
            BookingAction::DoctorsLoaded(found) => {
                let verified: Vec<DoctorRecord> = found
                    .into_iter()
                    .filter(|d| d.verification.is_verified())
                    .collect();
                if next.doctor.is_none() {
                    next.doctor = verified.first().map(|d| d.id);
                }
                next.doctors = verified;
            }
            BookingAction::ChoseDoctor(doctor) => next.doctor = doctor,
            BookingAction::ChoseConsultation(kind) => next.consultation = kind,
            BookingAction::SlotsLoaded(slots) => next.slots = slots,
            BookingAction::Booked(view) => {
                next.series = None;
                next.booked = Some(view);
                next.patient = None;
                next.query.clear();
            }
            BookingAction::SeriesBooked(result) => {
                next.booked = None;
                next.series = Some(result);
                next.patient = None;
                next.query.clear();
            }
            BookingAction::ConflictsShown => next.booked = None,
            BookingAction::Repeat(weeks) => next.repeat = weeks,
            BookingAction::Visits(count) => next.visits = count,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clinic_core::PatientId;

    fn patient(n: u128, name: &str) -> PatientSummary {
        PatientSummary {
            id: PatientId::from_uuid(uuid::Uuid::from_u128(n)),
            patient_number: format!("2-{n:04}"),
            full_name: name.into(),
            phone: None,
            date_of_birth: None,
        }
    }

    fn doctor(n: u128, verified: bool) -> DoctorRecord {
        let mut record =
            clinic_core::demo::DOCTORS[0].record(UserId::from_uuid(uuid::Uuid::from_u128(n)));
        if !verified {
            record.verification = clinic_core::doctor::Verification::Pending;
        }
        record
    }

    fn after(state: BookingFormState, actions: Vec<BookingAction>) -> BookingFormState {
        let mut state = Rc::new(state);
        for action in actions {
            state = state.reduce(action);
        }
        (*state).clone()
    }

    #[test]
    fn the_search_shows_the_answer_for_what_is_typed_now_and_nothing_for_blank() {
        let found = |query: &str| BookingAction::Found {
            query: query.into(),
            patients: (1..=7).map(|n| patient(n, "Rahima")).collect(),
        };
        let state = after(
            BookingFormState::default(),
            vec![BookingAction::Typed("Rah".into()), found("Rah")],
        );
        assert_eq!(state.matches.len(), 5, "at most five offered");
        // A slow answer for an older text does not replace the newer one's.
        let state = after(
            state,
            vec![BookingAction::Typed("Rahim".into()), found("Rah")],
        );
        assert_eq!(state.query, "Rahim");
        assert_eq!(state.matches.len(), 5, "still the last answer shown");
        let state = after(state, vec![BookingAction::Typed("  ".into()), found("  ")]);
        assert!(state.matches.is_empty());
    }

    #[test]
    fn the_first_verified_doctor_is_chosen_once_and_a_choice_is_kept() {
        let loaded = || {
            BookingAction::DoctorsLoaded(vec![doctor(1, false), doctor(2, true), doctor(3, true)])
        };
        let state = after(BookingFormState::default(), vec![loaded()]);
        assert_eq!(
            state.doctors.len(),
            2,
            "unverified doctors cannot be booked"
        );
        assert_eq!(state.doctor, Some(doctor(2, true).id));
        let state = after(
            state,
            vec![
                BookingAction::ChoseDoctor(Some(doctor(3, true).id)),
                loaded(),
            ],
        );
        assert_eq!(state.doctor, Some(doctor(3, true).id));
    }

    #[test]
    fn a_slot_books_one_visit_or_a_series_and_a_walk_in_never_repeats() {
        let start: DateTime<Utc> = "2026-12-07T03:15:00Z".parse().unwrap();
        let none = BookingFormState::default();
        assert_eq!(
            none.booking(Some(start)),
            None,
            "no patient, no doctor: nothing"
        );
        let chosen = after(
            none,
            vec![
                BookingAction::DoctorsLoaded(vec![doctor(2, true)]),
                BookingAction::Picked(patient(9, "Karim")),
            ],
        );
        assert!(
            matches!(chosen.booking(Some(start)), Some(Booking::One(a)) if a.start == Some(start))
        );
        let repeating = after(
            chosen,
            vec![BookingAction::Repeat(2), BookingAction::Visits(3)],
        );
        match repeating.booking(Some(start)) {
            Some(Booking::Series(s)) => assert_eq!((s.every_weeks, s.count), (2, 3)),
            other => panic!("a series: {other:?}"),
        }
        assert!(matches!(repeating.booking(None), Some(Booking::One(a)) if a.start.is_none()));
    }

    #[test]
    fn after_a_booking_the_form_is_ready_for_the_next_patient() {
        let state = after(
            BookingFormState::default(),
            vec![
                BookingAction::Typed("2-0009".into()),
                BookingAction::Picked(patient(9, "Karim")),
            ],
        );
        let series = SeriesBooked {
            booked: vec![],
            not_booked: vec![],
            time_zone: "Asia/Dhaka".into(),
        };
        let state = after(state, vec![BookingAction::SeriesBooked(series.clone())]);
        assert_eq!((state.patient.as_ref(), state.query.as_str()), (None, ""));
        assert_eq!(state.series, Some(series));
        let state = after(
            state,
            vec![
                BookingAction::Picked(patient(10, "Nasrin")),
                BookingAction::ConflictsShown,
            ],
        );
        assert_eq!(state.booked, None);
        assert!(
            state.patient.is_some(),
            "a conflict shown keeps the patient being booked"
        );
    }
}
