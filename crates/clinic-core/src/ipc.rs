//! The desk app's IPC: what the Yew UI sends to Tauri commands and gets back.
//! Both sides compile these same types, so a renamed field fails to build instead of at run time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::FieldError;
use crate::wire::{AccountView, ErrorCode};

/// Which build of the app is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Edition {
    /// Front desk, doctors and admins.
    Staff,
    /// The patient build.
    Patient,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Language {
    #[default]
    #[serde(rename = "en")]
    English,
    #[serde(rename = "bn")]
    Bangla,
}

impl Language {
    pub const fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Bangla => "bn",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "en" => Some(Language::English),
            "bn" => Some(Language::Bangla),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

impl Theme {
    pub const fn code(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Preferences {
    pub language: Language,
    pub theme: Theme,
}

/// Everything the UI needs before the first screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Startup {
    pub edition: Edition,
    pub version: String,
    pub server_url: String,
    pub preferences: Preferences,
    /// Set when the encrypted store could not be opened; the app then shows only this.
    pub store_problem: Option<IpcError>,
    pub session: Option<AccountView>,
    /// The session was locked after inactivity and stays locked until the password is given.
    pub locked: bool,
    /// Lock the screen after this many seconds without a key press or mouse movement.
    pub lock_after_seconds: u32,
}

/// The password that unlocks a locked screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlockArgs {
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInArgs {
    pub email: String,
    pub password: String,
}

/// Connection to the sync server, as shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionStatus {
    pub online: bool,
    pub server_url: String,
    pub checked_at: DateTime<Utc>,
    pub last_online_at: Option<DateTime<Utc>>,
    /// Changes made here that the server has not answered yet.
    #[serde(default)]
    pub pending_changes: u64,
    /// Changes the server refused, waiting for someone to look at them.
    #[serde(default)]
    pub rejected_changes: u64,
    #[serde(default)]
    pub last_synced_at: Option<DateTime<Utc>>,
    /// The clinic's time zone (from the last sign-in), for showing times on its clock.
    #[serde(default)]
    pub clinic_time_zone: Option<String>,
    /// The clinic lets the front desk take part in conversations (from the last sign-in).
    #[serde(default)]
    pub desk_in_conversations: bool,
    /// The SHA-256 fingerprint of the server certificate this desk pinned (`AB:CD:…`), when it
    /// pinned one (a self-signed server).
    #[serde(default)]
    pub server_certificate: Option<String>,
    /// The server now presents another certificate (its fingerprint): nothing is sent to it.
    #[serde(default)]
    pub certificate_changed_to: Option<String>,
    /// The desk refuses plain http to this server (not this computer, and not allowed).
    #[serde(default)]
    pub plain_http_refused: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchPatientsArgs {
    pub query: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientArgs {
    pub patient: crate::PatientId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdatePatientArgs {
    pub patient: crate::PatientId,
    pub form: crate::account::DemographicsForm,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandArgs {
    pub command: crate::CommandId,
}

/// An existing patient who may be the person being registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateCandidate {
    pub patient: crate::registry::PatientSummary,
    pub reason: crate::registry::DuplicateReason,
}

/// A change the server refused, as the desk lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedChange {
    pub command: crate::CommandId,
    /// "register_patient" or "update_patient".
    pub kind: String,
    pub patient_name: String,
    pub patient_number: Option<String>,
    pub patient: crate::PatientId,
    /// The details as they were sent, to correct and save again.
    pub form: crate::account::DemographicsForm,
    pub rejection: crate::sync::Rejection,
    pub rejected_at: DateTime<Utc>,
}

/// `free_slots`: the next free slots of one doctor (or of every doctor of a specialty, or the
/// whole clinic), from this desk's copy of the book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeSlotsArgs {
    #[serde(default)]
    pub doctor: Option<crate::UserId>,
    #[serde(default)]
    pub specialty: Option<String>,
    pub consultation: crate::availability::ConsultationType,
    /// The first clinic day to look at; today when left out.
    #[serde(default)]
    pub from: Option<chrono::NaiveDate>,
    /// How many days to look through (1–60).
    pub days: u32,
    /// At most this many slots, earliest first.
    pub limit: u32,
}

/// `book_appointment`: a slot (`start`) or, without one, a walk-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookArgs {
    pub patient: crate::PatientId,
    pub doctor: crate::UserId,
    pub consultation: crate::availability::ConsultationType,
    #[serde(default)]
    pub start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `step_appointment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepArgs {
    pub appointment: crate::AppointmentId,
    pub step: crate::appointment::Step,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `appointment_day`: one clinic day's appointments (one doctor's, or all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayArgs {
    /// Today when left out.
    #[serde(default)]
    pub day: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub doctor: Option<crate::UserId>,
}

/// An appointment with the names the desk shows with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentView {
    pub appointment: crate::appointment::AppointmentRecord,
    pub patient_name: String,
    pub patient_number: String,
    pub doctor_name: String,
    /// Made or changed on this desk and not yet confirmed by the server (a walk-in's token
    /// comes with the confirmation).
    pub pending: bool,
}

/// One clinic day of the appointment book, as the desk shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleDay {
    pub day: chrono::NaiveDate,
    /// The clinic's time zone, for showing times on its wall clock.
    pub time_zone: String,
    pub now: DateTime<Utc>,
    /// The waiting room first (in consultation, then checked in by token), then the day's
    /// bookings by time, then the ones that are over.
    pub appointments: Vec<AppointmentView>,
}

/// A booking the server refused because the slot went to another (or the time no longer
/// suits): shown until a person rebooks or dismisses it. The patient is never dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingConflict {
    pub command: crate::CommandId,
    pub patient: crate::PatientId,
    pub patient_name: String,
    pub doctor: crate::UserId,
    pub doctor_name: String,
    pub consultation: crate::availability::ConsultationType,
    pub start: Option<DateTime<Utc>>,
    pub rejection: crate::sync::Rejection,
    pub time_zone: String,
    /// The first free slot this desk knows of now (the server's offer may be taken since).
    pub next_free: Option<crate::availability::Slot>,
}

/// `rebook`: book a refused booking's patient again at `start`, and clear the conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebookArgs {
    pub command: crate::CommandId,
    pub start: DateTime<Utc>,
}

/// `save_doctor_profile` (and the body of `PUT /api/v1/doctors/{id}`): a doctor's profile and
/// how they work. The pattern's doctor is the one the path names, whatever the body says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorProfileForm {
    pub profile: crate::doctor::DoctorProfile,
    pub pattern: crate::availability::WorkingPattern,
}

/// `doctor_files`: a doctor's credentials (for the doctor and the admins) and photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorFiles {
    /// Newest first; empty for anyone who may not read them.
    pub credentials: Vec<crate::doctor::DoctorDocument>,
    /// The newest photo as a `data:` URL, ready for an `<img>`.
    #[serde(default)]
    pub photo: Option<String>,
}

/// `doctor_files`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorArgs {
    pub doctor: crate::UserId,
}

/// `open_doctor_document`: save one of a doctor's files in this desk's documents folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorDocumentArgs {
    pub doctor: crate::UserId,
    pub document: uuid::Uuid,
}

/// What `GET /api/v1/appointments/{id}/meeting` answers: where the call is, for this person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingAccess {
    /// The whole address to open (room, token, Jitsi options).
    pub url: String,
    /// The Jitsi server (`https://host`): the only place the call window may go.
    pub jitsi_url: String,
    pub room: String,
    /// The doctor: moderator, admits the patient from the lobby.
    pub moderator: bool,
    /// A token was minted (a self-hosted Jitsi with token authentication).
    pub with_token: bool,
    /// The call (and the token) close then.
    pub open_until: DateTime<Utc>,
}

/// A consultation's note as the server answers it: the record (none yet), and whether it is
/// locked (the consultation is completed: changes are amendments and need a reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    #[serde(default)]
    pub record: Option<crate::consultation::NoteRecord>,
    pub status: crate::appointment::Status,
    pub locked: bool,
}

/// `PUT /api/v1/appointments/{id}/note`, and the desk's `save_note`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteForm {
    pub note: crate::consultation::ConsultationNote,
    /// Why a locked note is changed (required then).
    #[serde(default)]
    pub reason: Option<String>,
}

/// `save_note`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveNoteArgs {
    pub appointment: crate::AppointmentId,
    pub form: NoteForm,
}

/// One consultation in a patient's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultationSummary {
    pub appointment: crate::appointment::AppointmentRecord,
    pub doctor_name: String,
    /// The note as it reads now (with its amendments applied).
    #[serde(default)]
    pub note: Option<crate::consultation::ConsultationNote>,
    /// How many times it was amended after it was locked.
    #[serde(default)]
    pub amendments: usize,
}

/// An appointment's conversation as this device holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub appointment: crate::AppointmentId,
    /// Oldest first; a message not yet taken by the server has no `received_at`.
    pub messages: Vec<crate::chat::MessageRecord>,
    /// The signed-in user (their messages are shown as theirs).
    pub me: crate::UserId,
    /// The appointment's patient (whose consent a file needs), when this device knows it.
    #[serde(default)]
    pub patient: Option<crate::PatientId>,
    /// The signed-in user is the patient (the patient build).
    #[serde(default)]
    pub as_patient: bool,
}

/// `send_message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessageArgs {
    pub appointment: crate::AppointmentId,
    pub body: String,
}

/// `open_attachment`: save a message's file in the documents folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentArgs {
    pub attachment: uuid::Uuid,
}

/// `record_consent`: the patient agrees (patient build), or staff note that they agreed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordConsentArgs {
    pub patient: crate::PatientId,
    pub form: crate::consent::ConsentForm,
}

/// `join_call`: open an appointment's call in a window of the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinCallArgs {
    pub appointment: crate::AppointmentId,
    /// Open it in the system's browser instead (when this computer's webview cannot do video).
    #[serde(default)]
    pub in_browser: bool,
    /// The user allows the clinic's video server this computer's camera and microphone (asked
    /// the first time, see `ErrorCode::MediaPermissionNeeded`).
    #[serde(default)]
    pub allow_media: bool,
}

/// What `join_call` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallOpened {
    /// "window" or "browser".
    pub opened_in: String,
    pub open_until: DateTime<Utc>,
}

/// `call_status`: what the call window found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallStatus {
    /// This computer's webview has no WebRTC: offer the system's browser.
    pub without_video: bool,
}

/// `reschedule_appointment`: move a booked appointment to another free slot of the same doctor.
/// The old appointment stays in the book as "rescheduled" (its history kept); the new one is a
/// booking that names it, judged by the server like any booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RescheduleArgs {
    pub appointment: crate::AppointmentId,
    pub start: DateTime<Utc>,
}

/// `print_day_list`: a clinic day's list as a PDF in the desk's documents folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintDayListArgs {
    /// Today when left out.
    #[serde(default)]
    pub day: Option<chrono::NaiveDate>,
    /// One doctor's list; every doctor's when left out.
    #[serde(default)]
    pub doctor: Option<crate::UserId>,
    pub language: Language,
}

/// A document the desk wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintedDocument {
    pub path: String,
}

/// `find_doctors` (patient build): a directory search on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindDoctorsArgs {
    #[serde(default)]
    pub text: String,
    pub consultation: crate::availability::ConsultationType,
}

/// `doctor_slots` (patient build): a doctor's free slots, from the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorSlotsArgs {
    pub doctor: crate::UserId,
    pub consultation: crate::availability::ConsultationType,
}

/// `request_appointment` (patient build): ask a doctor for a slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestAppointmentArgs {
    pub doctor: crate::UserId,
    pub consultation: crate::availability::ConsultationType,
    pub start: DateTime<Utc>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// One of the patient's own appointments, as the patient build shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAppointment {
    pub appointment: crate::appointment::AppointmentRecord,
    /// Empty when the doctor could not be looked up (offline).
    pub doctor_name: String,
    /// A change made here and not yet confirmed by the server.
    pub pending: bool,
}

/// `my_appointments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAppointments {
    pub appointments: Vec<MyAppointment>,
}

/// `cancel_my_appointment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentArgs {
    pub appointment: crate::AppointmentId,
}

/// `export_calendar`: a doctor's appointments from today on, as an iCalendar file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportCalendarArgs {
    pub doctor: crate::UserId,
}

/// `verify_doctor` (admins): verify a doctor's credentials, or reject them with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyDoctorArgs {
    pub doctor: crate::UserId,
    pub decision: crate::doctor::Verification,
}

/// `book_series`: a first visit and its follow-ups (`every_weeks` apart, `count` visits in all,
/// each at the first one's time of day). Each visit is its own appointment, changed on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookSeriesArgs {
    pub booking: BookArgs,
    pub every_weeks: u32,
    pub count: u32,
}

/// What a series booked, and the visits that could not be (with why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesBooked {
    pub booked: Vec<AppointmentView>,
    pub not_booked: Vec<(DateTime<Utc>, crate::booking::BookingProblem)>,
    pub time_zone: String,
}

/// `appointment_week`: seven clinic days from `from` (today when left out), one doctor's or all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekArgs {
    #[serde(default)]
    pub from: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub doctor: Option<crate::UserId>,
}

/// Seven days of the book, each in the day list's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleWeek {
    pub days: Vec<ScheduleDay>,
}

/// The error every desk command returns: a stable code, a translated-on-the-UI-side message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default)]
    pub fields: Vec<FieldError>,
    /// A change a judge refused ([`crate::sync::Rejection`]): the UI says why in the person's
    /// language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<crate::sync::RejectionReason>,
    /// What the desk could not do ([`crate::desk_error::DeskError`]): the UI words it in the
    /// person's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desk: Option<crate::desk_error::DeskError>,
    /// A change to the books the billing judge refused: the UI words it (`billing-<code>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<Box<crate::billing::BillingRefusal>>,
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: Vec::new(),
            refused: None,
            desk: None,
            billing: None,
        }
    }

    /// Field messages for a form.
    pub fn validation(fields: Vec<FieldError>) -> Self {
        Self {
            code: ErrorCode::Validation,
            message: "Some fields need attention.".to_owned(),
            fields,
            refused: None,
            desk: None,
            billing: None,
        }
    }
}

/// A change refused by a judge, as the desk tells it: a slot that cannot be had is a problem of
/// the booking's `start`; a field that breaks the rules, of its field; anything else is the
/// refusal's reason (translated by the UI).
impl From<crate::sync::Rejection> for IpcError {
    fn from(rejection: crate::sync::Rejection) -> Self {
        use crate::sync::RejectionReason;
        if let Some(problem) = rejection.reason.booking_problem() {
            return IpcError {
                message: problem.to_string(),
                refused: Some(rejection.reason),
                ..IpcError::validation(vec![FieldError::new(
                    "start",
                    crate::account::FieldProblem::SlotUnavailable { booking: problem },
                )])
            };
        }
        let code = match rejection.reason {
            RejectionReason::Invalid if !rejection.fields.is_empty() => ErrorCode::Validation,
            RejectionReason::Forbidden => ErrorCode::Forbidden,
            RejectionReason::Malformed | RejectionReason::UnsupportedVersion => {
                ErrorCode::BadRequest
            }
            _ => ErrorCode::Conflict,
        };
        IpcError {
            code,
            message: rejection.message,
            fields: rejection.fields,
            refused: Some(rejection.reason),
            desk: None,
            billing: rejection.billing,
        }
    }
}

impl From<crate::Denied> for IpcError {
    fn from(denied: crate::Denied) -> Self {
        let code = match denied {
            crate::Denied::NotSignedIn => ErrorCode::NotSignedIn,
            crate::Denied::NotPermitted => ErrorCode::Forbidden,
        };
        IpcError::new(code, denied.to_string())
    }
}

impl From<crate::wire::ErrorBody> for IpcError {
    fn from(body: crate::wire::ErrorBody) -> Self {
        Self {
            code: body.code,
            message: body.message,
            fields: body.fields,
            refused: None,
            desk: None,
            billing: None,
        }
    }
}

/// `save_prescription`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavePrescriptionArgs {
    pub appointment: crate::AppointmentId,
    pub form: crate::prescription::PrescriptionForm,
}

/// `issue_prescription`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuePrescriptionArgs {
    pub appointment: crate::AppointmentId,
    #[serde(default)]
    pub acknowledged_warnings: bool,
}

/// `print_prescription`: an issued prescription of `patient`, as a PDF in `language`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintPrescriptionArgs {
    pub patient: crate::PatientId,
    pub prescription: uuid::Uuid,
    pub language: Language,
}

/// `clinical_summary` / `save_clinical_summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicalSummaryArgs {
    pub patient: crate::PatientId,
    #[serde(default)]
    pub summary: Option<crate::chart::ClinicalSummary>,
}

/// `patient_chart`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartArgs {
    pub patient: crate::PatientId,
    /// A doctor's reason for emergency access to a patient they do not treat.
    #[serde(default)]
    pub break_glass: Option<String>,
}

/// `open_patient_document`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentArgs {
    pub document: uuid::Uuid,
}

/// `audit_log`: the admins' audit viewer's filters (empty: everything, newest first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub patient: Option<String>,
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    /// The page below this entry (the last page's `older_than`).
    #[serde(default)]
    pub before: Option<i64>,
    /// Check the whole chain, not from the last checkpoint.
    #[serde(default)]
    pub full: bool,
}

/// What a record export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// A printable summary (PDF) in the chosen language.
    SummaryPdf,
    /// The whole record as FHIR R4 JSON.
    Fhir,
}

/// `export_record`: a patient's record saved as a file (`patient: None` — the patient build's
/// own record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportArgs {
    #[serde(default)]
    pub patient: Option<crate::PatientId>,
    pub format: ExportFormat,
    pub language: Language,
}

/// A refusal the desk made, as the UI receives it (the UI words it in the desk's language).
impl From<crate::desk_error::DeskError> for IpcError {
    fn from(error: crate::desk_error::DeskError) -> Self {
        IpcError {
            desk: Some(error.clone()),
            ..IpcError::new(error.code(), error.to_string())
        }
    }
}

mod billing;
pub use billing::*;
