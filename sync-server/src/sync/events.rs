//! Who a commit concerns, so that a device's event stream wakes it only for changes it may pull.
//! Every announcement also says the head it follows: a device that sees an announcement whose
//! `from` is not the head it last saw has missed one (the channel keeps only the latest) and is
//! woken anyway — never a change missed, only fewer needless pulls.

use std::collections::BTreeSet;
use std::sync::Arc;

/// The audience of a change to the clinic's books: among staff, the desk and the admins pull it.
pub const BOOKS_AUDIENCE: &str = "books";

/// Whom a commit's changes concern.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Concerned {
    /// Anyone may be concerned (a change the server made itself, a doctor's record, …).
    #[default]
    Everyone,
    Only {
        /// Patients whose rows changed (their own devices pull them).
        patients: Arc<BTreeSet<String>>,
        /// Staff accounts that are the only staff audience of a changed row (the doctor of a
        /// conversation).
        doctors: Arc<BTreeSet<String>>,
        /// A changed row every staff device pulls (the registry, the appointment book).
        staff: bool,
    },
}

/// Who listens on an event stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listener {
    Staff { account: String },
    Patient { patients: Vec<String> },
}

impl Concerned {
    /// From a commit's change-log rows: (patient id or empty, audience).
    pub fn of<'a>(rows: impl Iterator<Item = (&'a str, Option<&'a str>)>) -> Concerned {
        let (mut patients, mut doctors, mut staff) = (BTreeSet::new(), BTreeSet::new(), false);
        for (patient, audience) in rows {
            if !patient.is_empty() {
                patients.insert(patient.to_owned());
            }
            match audience {
                // Rows every staff device may pull, and conversations open to the desk.
                None => staff = true,
                Some(desk) if desk.starts_with("desk:") || desk == BOOKS_AUDIENCE => staff = true,
                Some(doctor) => {
                    doctors.insert(doctor.to_owned());
                }
            }
        }
        Concerned::Only {
            patients: Arc::new(patients),
            doctors: Arc::new(doctors),
            staff,
        }
    }

    pub fn concerns(&self, listener: &Listener) -> bool {
        match (self, listener) {
            (Concerned::Everyone, _) => true,
            (Concerned::Only { doctors, staff, .. }, Listener::Staff { account }) => {
                *staff || doctors.contains(account)
            }
            (Concerned::Only { patients, .. }, Listener::Patient { patients: own }) => {
                own.iter().any(|p| patients.contains(p))
            }
        }
    }
}

/// The latest commit announced: the head it moved the log to, the head before it, whom it
/// concerns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Announcement {
    pub from: u64,
    pub head: u64,
    pub concerned: Concerned,
}

impl Announcement {
    /// Whether a listener that last saw `seen` must be woken.
    pub fn wakes(&self, listener: &Listener, seen: u64) -> bool {
        self.from != seen || self.concerned.concerns(listener)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(rows: &[(&str, Option<&str>)]) -> Concerned {
        Concerned::of(rows.iter().copied())
    }

    #[test]
    fn a_conversation_wakes_its_doctor_and_patient_only() {
        let message = commit(&[("patient-1", Some("doctor-a"))]);
        let doctor_a = Listener::Staff {
            account: "doctor-a".into(),
        };
        let doctor_b = Listener::Staff {
            account: "doctor-b".into(),
        };
        let desk = Listener::Staff {
            account: "desk".into(),
        };
        let patient_1 = Listener::Patient {
            patients: vec!["patient-1".into()],
        };
        let patient_2 = Listener::Patient {
            patients: vec!["patient-2".into()],
        };
        assert!(message.concerns(&doctor_a) && message.concerns(&patient_1));
        for other in [&doctor_b, &desk, &patient_2] {
            assert!(!message.concerns(other), "{other:?}");
        }
        let booking = commit(&[("patient-2", None)]);
        assert!(
            booking.concerns(&desk) && booking.concerns(&doctor_b) && booking.concerns(&patient_2)
        );
        assert!(!booking.concerns(&patient_1));
        assert!(Concerned::Everyone.concerns(&patient_1));
    }

    #[test]
    fn a_missed_announcement_wakes_anyway() {
        let desk = Listener::Staff {
            account: "desk".into(),
        };
        let only_doctor = Announcement {
            from: 7,
            head: 8,
            concerned: commit(&[("p", Some("doctor-a"))]),
        };
        assert!(
            !only_doctor.wakes(&desk, 7),
            "nothing for the desk, nothing missed"
        );
        assert!(
            only_doctor.wakes(&desk, 6),
            "the commit to 7 was not seen: wake"
        );
    }
}
