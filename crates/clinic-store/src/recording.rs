//! Why a change made at this desk could not be recorded in the store (and so was not queued).
//! Nothing was written.

use crate::StoreError;

/// Why a local command could not be recorded. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("Patient number {0} is already in use. Choose another.")]
    PatientNumberTaken(String),
    #[error("This patient is not in the registry on this computer.")]
    UnknownPatient,
    #[error("This patient is already registered.")]
    AlreadyRegistered,
    #[error(
        "This desk has no desk number from the clinic server yet, so it cannot number new \
         patients. Connect to the server and sign in once, then try again."
    )]
    NoDeskCode,
    #[error("This doctor is not on this computer's list of the clinic's doctors.")]
    UnknownDoctor,
    #[error(
        "This desk does not know the clinic's time zone yet. Connect to the server and sign in \
         once, then try again."
    )]
    NoClinicTimeZone,
    #[error("This appointment is not in the appointment book on this computer.")]
    UnknownAppointment,
    #[error("This appointment is already booked.")]
    AlreadyBooked,
    #[error("{0}")]
    StepNotPossible(String),
    #[error(
        "This desk does not know the clinic's currency yet. Connect to the server and sign in \
         once, then try again."
    )]
    NoClinicCurrency,
    /// The clinic's billing rules refuse it (the UI words the refusal in either language).
    #[error("{0}")]
    Billing(clinic_core::billing::BillingRefusal),
    /// A field breaks the rules (the English sentence of the field message).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for RecordError {
    fn from(e: rusqlite::Error) -> Self {
        RecordError::Store(StoreError::Sqlite(e))
    }
}
