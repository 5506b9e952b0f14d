//! What the desk says when it cannot do something: one enum, each case with its stable code and
//! an English sentence; the UI words it in the person's language (`desk-error-<key>` in
//! `ui/locales`). The desk builds its errors from these only, in one place
//! (`impl From<DeskError> for IpcError`, in `ipc`).

use serde::{Deserialize, Serialize};

use crate::wire::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum DeskError {
    #[error("This desk does not know the clinic's time zone yet. Connect to the server and sign in once.")]
    NoClinicTimeZone,
    #[error("This doctor is not on this desk's list of the clinic's doctors.")]
    UnknownDoctor,
    #[error("This file is not in any of your conversations.")]
    AttachmentNotYours,
    #[error("The file that arrived is not the one that was sent; it was not saved.")]
    FileDamaged,
    #[error("This appointment is not in the appointment book on this computer.")]
    AppointmentNotHere,
    #[error("The file could not be saved in {folder}: {detail}")]
    FileNotSaved { folder: String, detail: String },
    #[error("This conflict has already been dealt with.")]
    ConflictDealtWith,
    #[error("Only a refused booking can be booked again.")]
    OnlyRefusedBookingsRebook,
    #[error("This prescription is not among the patient's issued prescriptions.")]
    PrescriptionNotIssued,
    #[error("The document could not be printed: {detail}")]
    NotPrinted { detail: String },
    #[error("This file is not among the doctor's files you may open.")]
    DoctorFileNotYours,
    #[error("Files are sent and fetched only while the clinic server can be reached; nothing was lost. Try again when the connection is back.")]
    FilesNeedServer,
    #[error("This chart has not been opened on this computer before, so it needs the clinic server, which cannot be reached now.")]
    ChartNeedsServer,
    #[error("This document is not in a chart opened on this computer.")]
    DocumentNotHere,
    #[error("Your session has ended. Please sign in again.")]
    SessionEnded,
    #[error("The password is not right. Try again, or sign out.")]
    WrongPassword,
    #[error("The email or password is not right. Check both and try again.")]
    WrongEmailOrPassword,
    #[error("Please sign in first.")]
    NotSignedIn,
    #[error("This is the patient app. Staff sign in with Clinic Desk.")]
    StaffInPatientApp,
    #[error("This is the clinic's staff app. Patients use the patient app.")]
    PatientInStaffApp,
    #[error("Patients sign up in the patient app.")]
    SignUpInPatientApp,
    #[error("The screen is locked. Unlock it with your password.")]
    Locked,
    #[error("Staff accounts are made in Clinic Desk.")]
    StaffAccountsAtTheDesk,
    #[error("The patient registry is kept at the clinic's desks.")]
    RegistryAtTheDesks,
    #[error("This patient is not in the registry on this computer.")]
    PatientNotHere,
    #[error("Signed in offline: changes wait here until you sign in again online.")]
    SignedInOffline,
    #[error("Appointments are requested from the patient app.")]
    RequestsFromPatientApp,
    #[error("The server did not answer the request.")]
    NoAnswer,
    #[error("Your record has not reached this computer yet. Connect and try again.")]
    OwnRecordNotHere,
    #[error("This appointment is not yours.")]
    NotYourAppointment,
    #[error("This appointment can no longer be cancelled here; call the clinic.")]
    CannotCancelHere,
    #[error("This desk does not know the clinic's currency or name yet. Connect to the server and sign in once.")]
    NoClinicBilling,
    #[error("This invoice is not on this computer.")]
    InvoiceNotHere,
    #[error("The password could not be checked: {detail}")]
    PasswordNotChecked { detail: String },
    #[error("Something went wrong on this computer: {detail}")]
    Internal { detail: String },
}

impl DeskError {
    /// The code a caller acts on (sign in again, show the offline banner, …).
    pub fn code(&self) -> ErrorCode {
        match self {
            DeskError::NoClinicTimeZone => ErrorCode::Validation,
            DeskError::NoClinicBilling => ErrorCode::Validation,
            DeskError::InvoiceNotHere => ErrorCode::NotFound,
            DeskError::UnknownDoctor => ErrorCode::NotFound,
            DeskError::AttachmentNotYours => ErrorCode::NotFound,
            DeskError::FileDamaged => ErrorCode::Internal,
            DeskError::AppointmentNotHere => ErrorCode::NotFound,
            DeskError::FileNotSaved { .. } => ErrorCode::Internal,
            DeskError::ConflictDealtWith => ErrorCode::NotFound,
            DeskError::OnlyRefusedBookingsRebook => ErrorCode::BadRequest,
            DeskError::PrescriptionNotIssued => ErrorCode::NotFound,
            DeskError::NotPrinted { .. } => ErrorCode::Internal,
            DeskError::DoctorFileNotYours => ErrorCode::NotFound,
            DeskError::FilesNeedServer => ErrorCode::ServerUnreachable,
            DeskError::ChartNeedsServer => ErrorCode::ServerUnreachable,
            DeskError::DocumentNotHere => ErrorCode::NotFound,
            DeskError::SessionEnded => ErrorCode::SessionExpired,
            DeskError::WrongPassword => ErrorCode::InvalidCredentials,
            DeskError::WrongEmailOrPassword => ErrorCode::InvalidCredentials,
            DeskError::NotSignedIn => ErrorCode::NotSignedIn,
            DeskError::StaffInPatientApp => ErrorCode::StaffInPatientApp,
            DeskError::PatientInStaffApp => ErrorCode::PatientInStaffApp,
            DeskError::SignUpInPatientApp => ErrorCode::Forbidden,
            DeskError::Locked => ErrorCode::Locked,
            DeskError::StaffAccountsAtTheDesk => ErrorCode::Forbidden,
            DeskError::RegistryAtTheDesks => ErrorCode::Forbidden,
            DeskError::PatientNotHere => ErrorCode::NotFound,
            DeskError::SignedInOffline => ErrorCode::ServerUnreachable,
            DeskError::RequestsFromPatientApp => ErrorCode::Forbidden,
            DeskError::NoAnswer => ErrorCode::Internal,
            DeskError::OwnRecordNotHere => ErrorCode::NotFound,
            DeskError::NotYourAppointment => ErrorCode::NotFound,
            DeskError::CannotCancelHere => ErrorCode::Validation,
            DeskError::PasswordNotChecked { .. } => ErrorCode::Internal,
            DeskError::Internal { .. } => ErrorCode::Internal,
        }
    }

    /// Its name in the UI's messages: `desk-error-<key>`.
    pub fn key(&self) -> &'static str {
        match self {
            DeskError::NoClinicTimeZone => "no_clinic_time_zone",
            DeskError::NoClinicBilling => "no_clinic_billing",
            DeskError::InvoiceNotHere => "invoice_not_here",
            DeskError::UnknownDoctor => "unknown_doctor",
            DeskError::AttachmentNotYours => "attachment_not_yours",
            DeskError::FileDamaged => "file_damaged",
            DeskError::AppointmentNotHere => "appointment_not_here",
            DeskError::FileNotSaved { .. } => "file_not_saved",
            DeskError::ConflictDealtWith => "conflict_dealt_with",
            DeskError::OnlyRefusedBookingsRebook => "only_refused_bookings_rebook",
            DeskError::PrescriptionNotIssued => "prescription_not_issued",
            DeskError::NotPrinted { .. } => "not_printed",
            DeskError::DoctorFileNotYours => "doctor_file_not_yours",
            DeskError::FilesNeedServer => "files_need_server",
            DeskError::ChartNeedsServer => "chart_needs_server",
            DeskError::DocumentNotHere => "document_not_here",
            DeskError::SessionEnded => "session_ended",
            DeskError::WrongPassword => "wrong_password",
            DeskError::WrongEmailOrPassword => "wrong_email_or_password",
            DeskError::NotSignedIn => "not_signed_in",
            DeskError::StaffInPatientApp => "staff_in_patient_app",
            DeskError::PatientInStaffApp => "patient_in_staff_app",
            DeskError::SignUpInPatientApp => "sign_up_in_patient_app",
            DeskError::Locked => "locked",
            DeskError::StaffAccountsAtTheDesk => "staff_accounts_at_the_desk",
            DeskError::RegistryAtTheDesks => "registry_at_the_desks",
            DeskError::PatientNotHere => "patient_not_here",
            DeskError::SignedInOffline => "signed_in_offline",
            DeskError::RequestsFromPatientApp => "requests_from_patient_app",
            DeskError::NoAnswer => "no_answer",
            DeskError::OwnRecordNotHere => "own_record_not_here",
            DeskError::NotYourAppointment => "not_your_appointment",
            DeskError::CannotCancelHere => "cannot_cancel_here",
            DeskError::PasswordNotChecked { .. } => "password_not_checked",
            DeskError::Internal { .. } => "internal",
        }
    }

    /// The values its message names.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            DeskError::FileNotSaved { folder, detail } => {
                vec![("folder", folder.clone()), ("detail", detail.clone())]
            }
            DeskError::NotPrinted { detail } => vec![("detail", detail.clone())],
            DeskError::PasswordNotChecked { detail } => vec![("detail", detail.clone())],
            DeskError::Internal { detail } => vec![("detail", detail.clone())],
            _ => vec![],
        }
    }

    /// One of each case (with placeholder values), for the tests that every case is worded in
    /// both languages.
    pub fn examples() -> Vec<DeskError> {
        vec![
            DeskError::NoClinicTimeZone,
            DeskError::UnknownDoctor,
            DeskError::AttachmentNotYours,
            DeskError::FileDamaged,
            DeskError::AppointmentNotHere,
            DeskError::FileNotSaved {
                folder: "x".into(),
                detail: "x".into(),
            },
            DeskError::ConflictDealtWith,
            DeskError::OnlyRefusedBookingsRebook,
            DeskError::PrescriptionNotIssued,
            DeskError::NotPrinted { detail: "x".into() },
            DeskError::DoctorFileNotYours,
            DeskError::FilesNeedServer,
            DeskError::ChartNeedsServer,
            DeskError::DocumentNotHere,
            DeskError::SessionEnded,
            DeskError::WrongPassword,
            DeskError::WrongEmailOrPassword,
            DeskError::NotSignedIn,
            DeskError::StaffInPatientApp,
            DeskError::PatientInStaffApp,
            DeskError::SignUpInPatientApp,
            DeskError::Locked,
            DeskError::StaffAccountsAtTheDesk,
            DeskError::RegistryAtTheDesks,
            DeskError::PatientNotHere,
            DeskError::SignedInOffline,
            DeskError::RequestsFromPatientApp,
            DeskError::NoAnswer,
            DeskError::OwnRecordNotHere,
            DeskError::NotYourAppointment,
            DeskError::CannotCancelHere,
            DeskError::NoClinicBilling,
            DeskError::InvoiceNotHere,
            DeskError::PasswordNotChecked { detail: "x".into() },
            DeskError::Internal { detail: "x".into() },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipc::IpcError;

    #[test]
    fn every_case_has_its_own_key_and_travels_to_the_ui_whole() {
        let examples = DeskError::examples();
        let keys: std::collections::BTreeSet<_> = examples.iter().map(DeskError::key).collect();
        assert_eq!(keys.len(), examples.len(), "one key per case");
        for error in examples {
            let ipc = IpcError::from(error.clone());
            assert_eq!(ipc.code, error.code());
            assert_eq!(ipc.message, error.to_string());
            let back: IpcError =
                serde_json::from_value(serde_json::to_value(&ipc).unwrap()).unwrap();
            assert_eq!(back.desk, Some(error));
        }
    }
}
