//! The sync protocol's commands, version 1. Every local change is a command in the clinic's words
//! with an id the device makes (UUIDv7); the server applies each id at most once.
//! These are wire types: add a variant or a version, never change one that has shipped.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{FieldError, FieldProblem, PatientDemographics};
use crate::appointment::{AppointmentRecord, Origin, Step};
use crate::availability::{ConsultationType, Slot};
use crate::billing::{BillingCommand, BillingRefusal, InvoiceRecord};
use crate::booking::BookingProblem;
use crate::doctor::DoctorRecord;
use crate::ids::{AppointmentId, CommandId, PatientId};
use crate::UserId;

pub const SYNC_PROTOCOL_VERSION: u16 = 1;
/// The most commands one push may carry; a device sends more in several pushes.
pub const MAX_COMMANDS_PER_PUSH: usize = 1000;
/// The most changes one pull answers with; `more` says whether to ask again.
pub const MAX_CHANGES_PER_PULL: u32 = 5000;
/// The desk code the server uses for patients registered on the server itself (sign-ups);
/// desks get codes from 2 up.
pub const SERVER_DESK_CODE: u32 = 1;
const PATIENT_NUMBER_MAX_CHARS: usize = 20;

/// One change, as the desk recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Command {
    /// A new patient in the registry.
    RegisterPatient {
        patient: PatientId,
        /// The number the clinic reads aloud; unique in the clinic.
        patient_number: String,
        demographics: PatientDemographics,
    },
    /// New demographics for a registered patient (last writer wins, in server order).
    UpdatePatient {
        patient: PatientId,
        demographics: PatientDemographics,
    },
    /// A new appointment: booked by the desk, requested by a patient, or a walk-in (no slot: a
    /// place in the doctor's queue). The server decides who gets a slot.
    BookAppointment {
        appointment: AppointmentId,
        patient: PatientId,
        doctor: UserId,
        consultation: ConsultationType,
        origin: Origin,
        /// The slot's start; `None` only for a walk-in.
        #[serde(default)]
        start: Option<DateTime<Utc>>,
        /// Why the patient comes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// The appointment this one moves (a reschedule): it ends as `rescheduled` when this
        /// one is applied.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaces: Option<AppointmentId>,
    },
    /// A step in an appointment's lifecycle (confirm, check in, cancel, …).
    StepAppointment {
        appointment: AppointmentId,
        step: Step,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A message in an appointment's conversation, from its doctor or its patient. The
    /// message's id is the command's id.
    SendMessage {
        appointment: AppointmentId,
        body: String,
        /// A file uploaded to this appointment's conversation by the sender beforehand.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attachment: Option<uuid::Uuid>,
    },
    /// A change to the clinic's books: an invoice saved or issued, a payment taken, a refund
    /// given, an invoice voided. Judged by `clinic_core::billing::judge_billing` on both sides.
    Bill { change: BillingCommand },
}

/// A command with who made it, when and where it can be told apart from every other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandEnvelope {
    pub version: u16,
    pub id: CommandId,
    pub issued_at: DateTime<Utc>,
    pub issued_by: UserId,
    pub command: Command,
}

impl CommandEnvelope {
    pub fn new(
        id: CommandId,
        issued_at: DateTime<Utc>,
        issued_by: UserId,
        command: Command,
    ) -> Self {
        Self {
            version: SYNC_PROTOCOL_VERSION,
            id,
            issued_at,
            issued_by,
            command,
        }
    }
}

impl Command {
    /// The patient this command is about, when the command names one (a step names only its
    /// appointment).
    pub fn patient(&self) -> Option<PatientId> {
        match self {
            Command::RegisterPatient { patient, .. }
            | Command::UpdatePatient { patient, .. }
            | Command::BookAppointment { patient, .. } => Some(*patient),
            Command::StepAppointment { .. }
            | Command::SendMessage { .. }
            | Command::Bill { .. } => None,
        }
    }

    /// The invoice a billing command changes.
    pub fn invoice(&self) -> Option<uuid::Uuid> {
        match self {
            Command::Bill { change } => Some(change.invoice()),
            _ => None,
        }
    }

    /// The appointment a `BookAppointment` makes (its origin's first status, no token yet), in
    /// `slot` on clinic day `day`, made at `at` by `by`. `None` for any other command.
    pub fn booked_record(
        &self,
        slot: Option<Slot>,
        day: chrono::NaiveDate,
        at: DateTime<Utc>,
        by: UserId,
    ) -> Option<AppointmentRecord> {
        let Command::BookAppointment {
            appointment,
            patient,
            doctor,
            consultation,
            origin,
            reason,
            replaces,
            ..
        } = self
        else {
            return None;
        };
        let status = origin.first_status();
        Some(AppointmentRecord {
            id: *appointment,
            patient: *patient,
            doctor: *doctor,
            consultation: *consultation,
            origin: *origin,
            status,
            slot,
            day,
            token: None,
            reason: reason.clone(),
            replaces: *replaces,
            history: vec![crate::appointment::StatusChange {
                status,
                at,
                by,
                reason: None,
            }],
        })
    }

    /// The appointment this command changes, if any (an invoice names an appointment but does
    /// not change it: it is a billing command).
    pub fn appointment(&self) -> Option<AppointmentId> {
        match self {
            Command::BookAppointment { appointment, .. }
            | Command::StepAppointment { appointment, .. } => Some(*appointment),
            _ => None,
        }
    }
}

/// A patient number as the clinic reads it aloud: the desk's code, a dash, that desk's serial.
/// Desks number offline without asking anyone: the server gives each desk its own code once.
pub fn patient_number(desk_code: u32, serial: u32) -> String {
    format!("{desk_code}-{serial:04}")
}

/// Whether `text` has the shape of a patient number (`3-0042`).
pub fn check_patient_number(text: &str) -> Result<(), FieldError> {
    let shaped = text.len() <= PATIENT_NUMBER_MAX_CHARS
        && text.split_once('-').is_some_and(|(code, serial)| {
            [code, serial]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        });
    if shaped {
        Ok(())
    } else {
        Err(FieldError::new(
            "patient_number",
            FieldProblem::NotAPatientNumber,
        ))
    }
}

/// How far back a desk's clock may date what its staff did: a desk that was offline keeps the
/// time each change was made, up to this long ago (older ones count as made this long ago, so
/// a booking cannot reach back into slots long past, nor a history be back-dated).
pub const MAX_OFFLINE_HOURS: i64 = 72;

/// When a command counts as made: staff desks say when (they may have been offline), but
/// never later than the server's clock nor more than [`MAX_OFFLINE_HOURS`] before it; a patient's
/// (or anyone else's) command is made when the server receives it.
pub fn made_at(
    role: Option<crate::Role>,
    issued_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    match role {
        Some(role) if role.is_staff() => issued_at
            .min(now)
            .max(now - chrono::Duration::hours(MAX_OFFLINE_HOURS)),
        _ => now,
    }
}

/// A desk numbers the patients it registers in its own series, `3-0042` from desk 3: the code
/// the server granted to that device at sign-in (`granted`; `None` when the session came from
/// no desk). A number in another desk's series, or in one no desk was given, is refused: it
/// would take that desk's next number away from it.
pub fn check_desk_series(number: &str, granted: Option<u32>) -> Result<(), FieldError> {
    check_patient_number(number)?;
    let code = number
        .split_once('-')
        .and_then(|(code, _)| code.parse::<u32>().ok());
    match (code, granted) {
        (Some(code), Some(granted)) if code == granted && code != SERVER_DESK_CODE => Ok(()),
        _ => Err(FieldError::new(
            "patient_number",
            FieldProblem::NotThisDesksSeries,
        )),
    }
}

impl CommandEnvelope {
    /// When this command counts as made, coming from `actor` ([`made_at`]).
    pub fn made_at_by(&self, actor: crate::Actor, now: DateTime<Utc>) -> DateTime<Utc> {
        made_at(actor.role(), self.issued_at, now)
    }
}

/// A lifecycle step refused: someone else's step is not allowed; anything else does not fit
/// where the appointment stands (the message says what stands in the way).
impl From<crate::appointment::StepRefused> for Rejection {
    fn from(refused: crate::appointment::StepRefused) -> Self {
        match refused {
            crate::appointment::StepRefused::NotYourStep => {
                Rejection::because(RejectionReason::Forbidden)
            }
            other => Rejection::explained(RejectionReason::StepNotPossible, other.to_string()),
        }
    }
}

/// `POST /api/v1/sync/push`. Each command travels as raw JSON so that one the server cannot read
/// is refused on its own, with its reason, while the others in the batch are applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub commands: Vec<serde_json::Value>,
}

/// The answer to a push: one outcome per command, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    pub outcomes: Vec<CommandOutcome>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandOutcome {
    /// `None` only when the command was too malformed to carry a readable id.
    pub id: Option<CommandId>,
    #[serde(flatten)]
    pub result: CommandResult,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CommandResult {
    /// Applied now or earlier (a repeated push gets the first answer again).
    Applied {
        seq: u64,
    },
    Rejected(Rejection),
}

/// Why the server refused one command. Kept on the device and shown with the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// As HTTP would say it: 400 malformed, 403 not allowed, 409 conflict, 422 invalid.
    pub status: u16,
    pub reason: RejectionReason,
    /// An English sentence; the desk translates `reason`.
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// For a booking refused its slot: the next free slots, to rebook in one click.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Slot>,
    /// For a slot taken by another booking: when that booking reached the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<DateTime<Utc>>,
    /// For a change to the books: the billing judge's refusal, for the desk to word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<Box<BillingRefusal>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    /// Not a command this server can read.
    Malformed,
    /// Made by a newer version of the protocol than this server speaks.
    UnsupportedVersion,
    /// The signed-in user may not make this change.
    Forbidden,
    /// A field breaks the clinic's rules: see `fields`.
    Invalid,
    /// The patient number is already someone else's.
    PatientNumberTaken,
    /// The patient id is already registered (by another command).
    AlreadyRegistered,
    /// The patient to change is not in the registry.
    UnknownPatient,
    /// No doctor of the clinic has this id.
    UnknownDoctor,
    /// The doctor's credentials are not verified yet: they cannot be booked.
    DoctorNotVerified,
    /// The appointment id is already taken (by another command).
    AlreadyBooked,
    /// The appointment to change does not exist.
    UnknownAppointment,
    /// The step does not fit where the appointment stands.
    StepNotPossible,
    SlotInThePast,
    DoctorOnLeave,
    OutsideWorkingHours,
    DayFull,
    /// Another booking holds the slot (the server decided for the one that came first).
    SlotTaken,
    Overlapping,
    NotASlotTime,
    /// The appointment was cancelled, rejected or moved: its conversation is closed.
    ConversationClosed,
    /// The server's database refused to store it although the rules allowed it (say, a
    /// character it cannot hold): only this change is refused, never the others pushed with it.
    NotStorable,
    /// The invoice to change is not in the clinic's books.
    UnknownInvoice,
    /// Another invoice already has this number.
    InvoiceNumberTaken,
    /// The clinic's billing rules refuse it: `billing` says which.
    Billing,
}

impl From<BookingProblem> for RejectionReason {
    fn from(problem: BookingProblem) -> Self {
        match problem {
            BookingProblem::InThePast => RejectionReason::SlotInThePast,
            BookingProblem::OnLeave => RejectionReason::DoctorOnLeave,
            BookingProblem::OutsideHours => RejectionReason::OutsideWorkingHours,
            BookingProblem::DayFull => RejectionReason::DayFull,
            BookingProblem::SlotTaken => RejectionReason::SlotTaken,
            BookingProblem::Overlapping => RejectionReason::Overlapping,
            BookingProblem::NotASlotTime => RejectionReason::NotASlotTime,
        }
    }
}

impl RejectionReason {
    /// The slot problem this reason reports, for a booking refused its slot.
    pub fn booking_problem(self) -> Option<BookingProblem> {
        Some(match self {
            RejectionReason::SlotInThePast => BookingProblem::InThePast,
            RejectionReason::DoctorOnLeave => BookingProblem::OnLeave,
            RejectionReason::OutsideWorkingHours => BookingProblem::OutsideHours,
            RejectionReason::DayFull => BookingProblem::DayFull,
            RejectionReason::SlotTaken => BookingProblem::SlotTaken,
            RejectionReason::Overlapping => BookingProblem::Overlapping,
            RejectionReason::NotASlotTime => BookingProblem::NotASlotTime,
            _ => return None,
        })
    }
}

impl Rejection {
    pub fn new(reason: RejectionReason, fields: Vec<FieldError>) -> Self {
        let (status, message) = match reason {
            RejectionReason::Malformed => (400, "This change could not be read by the server."),
            RejectionReason::UnsupportedVersion => (
                400,
                "This change was made by a newer version of Clinic Desk than the server runs. Update the server.",
            ),
            RejectionReason::Forbidden => (403, "Your account is not allowed to make this change."),
            RejectionReason::Invalid => (422, "Some details of this change break the clinic's rules."),
            RejectionReason::PatientNumberTaken => {
                (409, "Another patient already has this patient number.")
            }
            RejectionReason::AlreadyRegistered => (409, "This patient is already registered."),
            RejectionReason::UnknownPatient => {
                (409, "This patient is not in the clinic's registry.")
            }
            RejectionReason::UnknownDoctor => (409, "This doctor is not one of the clinic's."),
            RejectionReason::DoctorNotVerified => (
                409,
                "This doctor's credentials are not verified yet, so they cannot be booked.",
            ),
            RejectionReason::AlreadyBooked => (409, "This appointment is already booked."),
            RejectionReason::UnknownAppointment => {
                (409, "This appointment is not in the clinic's schedule.")
            }
            RejectionReason::StepNotPossible => {
                (409, "This cannot be done to the appointment as it stands now.")
            }
            RejectionReason::SlotInThePast => (422, "This time has already passed."),
            RejectionReason::DoctorOnLeave => (422, "The doctor is on leave that day."),
            RejectionReason::OutsideWorkingHours => {
                (422, "The doctor does not work at this time.")
            }
            RejectionReason::DayFull => (409, "The doctor's appointments for that day are full."),
            RejectionReason::SlotTaken => (409, "Another booking already has this slot."),
            RejectionReason::Overlapping => {
                (409, "This time overlaps another appointment of the doctor.")
            }
            RejectionReason::NotASlotTime => (422, "This is not one of the doctor's slot times."),
            RejectionReason::NotStorable => (
                422,
                "The server's database could not store this change. Tell the clinic's administrator.",
            ),
            RejectionReason::ConversationClosed => (
                409,
                "This appointment was cancelled or moved: its conversation is closed.",
            ),
            RejectionReason::UnknownInvoice => (409, "This invoice is not in the clinic's books."),
            RejectionReason::InvoiceNumberTaken => {
                (409, "Another invoice already has this number.")
            }
            RejectionReason::Billing => (422, "The clinic's billing rules refuse this change."),
        };
        Rejection {
            status,
            reason,
            message: message.to_owned(),
            fields,
            alternatives: Vec::new(),
            taken_at: None,
            billing: None,
        }
    }

    /// A refusal that needs no field list nor explanation beyond its reason.
    pub fn because(reason: RejectionReason) -> Self {
        Rejection::new(reason, vec![])
    }

    /// The same refusal, offering other slots.
    pub fn with_alternatives(mut self, alternatives: Vec<Slot>) -> Self {
        self.alternatives = alternatives;
        self
    }

    /// A refusal whose message says what stands in the way (a step refused by the lifecycle).
    pub fn explained(reason: RejectionReason, message: String) -> Self {
        Rejection {
            message,
            ..Rejection::new(reason, vec![])
        }
    }
}

impl From<BillingRefusal> for Rejection {
    fn from(refusal: BillingRefusal) -> Self {
        let reason = match &refusal {
            BillingRefusal::Forbidden => RejectionReason::Forbidden,
            BillingRefusal::UnknownInvoice => RejectionReason::UnknownInvoice,
            BillingRefusal::UnknownPatient => RejectionReason::UnknownPatient,
            BillingRefusal::UnknownAppointment => RejectionReason::UnknownAppointment,
            BillingRefusal::NumberTaken => RejectionReason::InvoiceNumberTaken,
            _ => RejectionReason::Billing,
        };
        Rejection {
            message: refusal.to_string(),
            billing: Some(Box::new(refusal)),
            ..Rejection::new(reason, vec![])
        }
    }
}

/// Read one pushed command: its version first (so a newer device hears "update the server",
/// not "malformed"), then its shape. The id is recovered when it can be, to answer against it.
pub fn read_command(
    value: &serde_json::Value,
) -> Result<CommandEnvelope, (Option<CommandId>, Rejection)> {
    let id = value
        .get("id")
        .and_then(serde_json::Value::as_str)
        .and_then(|s| s.parse().ok());
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(SYNC_PROTOCOL_VERSION) => {}
        Some(v) if v > u64::from(SYNC_PROTOCOL_VERSION) => {
            return Err((
                id,
                Rejection::new(RejectionReason::UnsupportedVersion, vec![]),
            ))
        }
        _ => return Err((id, Rejection::new(RejectionReason::Malformed, vec![]))),
    }
    CommandEnvelope::deserialize(value)
        .map_err(|_| (id, Rejection::new(RejectionReason::Malformed, vec![])))
}

/// One pushed command as parsed at the server's edge: the envelope, or why it cannot be read.
pub type PushedCommand = Result<CommandEnvelope, (Option<CommandId>, Rejection)>;

/// Read one pushed command from its JSON text: straight into an envelope when it is well formed
/// (the common case, and the fast one); through [`read_command`] for the precise reason when not.
pub fn read_command_text(text: &str) -> PushedCommand {
    match serde_json::from_str::<CommandEnvelope>(text) {
        Ok(envelope) if envelope.version == SYNC_PROTOCOL_VERSION => Ok(envelope),
        _ => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => read_command(&value),
            Err(_) => Err((None, Rejection::new(RejectionReason::Malformed, vec![]))),
        },
    }
}

/// A registered patient as the server holds it now: what a pull delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientRecord {
    pub id: PatientId,
    pub patient_number: String,
    pub demographics: PatientDemographics,
    /// Present when the patient has an account of their own (patient build).
    #[serde(default)]
    pub account: Option<UserId>,
}

/// One entry of the server's change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The server's global order. A device keeps the highest it has applied as its cursor.
    pub seq: u64,
    #[serde(flatten)]
    pub body: ChangeBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeBody {
    /// The patient's record after the change.
    Patient(PatientRecord),
    /// A doctor's profile, verification and working pattern after the change (staff only).
    Doctor(Box<DoctorRecord>),
    /// The appointment after the change.
    Appointment(AppointmentRecord),
    /// A message of an appointment's conversation (its doctor's and its patient's devices only).
    Message(crate::chat::MessageRecord),
    /// An invoice with its payments and refunds after the change (the desk, the admins and the
    /// patient's own devices only).
    Invoice(Box<InvoiceRecord>),
    /// A kind of change this version does not know (a newer server's): skipped, so that one
    /// new kind never stops a device from syncing everything else. Never sent.
    #[serde(other)]
    Unknown,
}

/// `GET /api/v1/sync/pull?after=N&limit=M`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Ask again from here.
    pub cursor: u64,
    /// More changes wait after `cursor`.
    pub more: bool,
    /// The device's cursor was ahead of the server's change log (the server was restored from
    /// an older backup, or replaced): this page starts again from the beginning, and the device
    /// must drop what it holds from the server before applying it.
    #[serde(default)]
    pub restarted: bool,
}

/// What the server tells a device when it signs in: its code for numbering patients offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceGrant {
    pub desk_code: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staff_change_keeps_its_desk_time_within_bounds_and_a_patients_is_the_servers() {
        use crate::Role;
        let now: DateTime<Utc> = "2026-12-04T06:00:00Z".parse().unwrap();
        let earlier: DateTime<Utc> = "2026-12-03T22:00:00Z".parse().unwrap();
        let later: DateTime<Utc> = "2026-12-04T07:00:00Z".parse().unwrap();
        let long_ago: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let desk = Some(Role::FrontDesk);
        assert_eq!(
            made_at(desk, earlier, now),
            earlier,
            "an offline desk's time"
        );
        assert_eq!(made_at(desk, later, now), now, "never in the future");
        assert_eq!(
            made_at(Some(Role::Doctor), long_ago, now),
            now - chrono::Duration::hours(MAX_OFFLINE_HOURS),
            "never further back than the bound"
        );
        assert_eq!(made_at(Some(Role::Patient), earlier, now), now);
        assert_eq!(made_at(None, earlier, now), now);
    }

    #[test]
    fn a_desk_registers_only_in_its_own_series() {
        assert_eq!(check_desk_series("3-0042", Some(3)), Ok(()));
        for (number, granted) in [
            ("3-0042", Some(2)),
            ("999-0001", Some(2)),
            ("3-0042", None),
            ("1-0001", Some(1)),
        ] {
            assert_eq!(
                check_desk_series(number, granted),
                Err(FieldError::new(
                    "patient_number",
                    FieldProblem::NotThisDesksSeries
                )),
                "{number} from {granted:?}"
            );
        }
        assert_eq!(
            check_desk_series("3-", Some(3)).unwrap_err().problem,
            FieldProblem::NotAPatientNumber
        );
    }

    #[test]
    fn commands_have_a_stable_tagged_shape() {
        let envelope = CommandEnvelope::new(
            CommandId::from_uuid(uuid::Uuid::from_u128(1)),
            "2026-11-23T09:30:00Z".parse().unwrap(),
            UserId::from_uuid(uuid::Uuid::from_u128(2)),
            Command::UpdatePatient {
                patient: PatientId::from_uuid(uuid::Uuid::from_u128(3)),
                demographics: PatientDemographics {
                    full_name: "রহিমা খাতুন".into(),
                    sex: None,
                    date_of_birth: None,
                    phone: None,
                    email: None,
                    address: None,
                    emergency_contact: None,
                },
            },
        );
        let json = serde_json::to_value(&envelope).unwrap();
        assert_eq!(json["version"], 1);
        assert_eq!(json["command"]["kind"], "update_patient");
        assert_eq!(json["command"]["demographics"]["full_name"], "রহিমা খাতুন");
        assert_eq!(
            serde_json::from_value::<CommandEnvelope>(json).unwrap(),
            envelope
        );
    }

    #[test]
    fn patient_numbers_are_readable_and_checked() {
        assert_eq!(patient_number(3, 42), "3-0042");
        assert_eq!(patient_number(12, 123456), "12-123456");
        assert!(check_patient_number("3-0042").is_ok());
        for bad in [
            "",
            "3",
            "-0042",
            "3-",
            "3-00a2",
            "৩-০০৪২",
            "3-0042-1",
            "1-99999999999999999999",
        ] {
            assert!(check_patient_number(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_pushed_command_from_a_newer_version_is_told_apart_from_a_malformed_one() {
        let id = "0193a0c4-5c1e-7000-8000-000000000001";
        let newer = serde_json::json!({"version": 2, "id": id, "anything": true});
        let (got_id, rejection) = read_command(&newer).unwrap_err();
        assert_eq!(got_id, Some(id.parse().unwrap()));
        assert_eq!(rejection.reason, RejectionReason::UnsupportedVersion);
        assert_eq!(rejection.status, 400);
        let broken = serde_json::json!({"version": 1, "id": id, "command": {"kind": "fly"}});
        assert_eq!(
            read_command(&broken).unwrap_err().1.reason,
            RejectionReason::Malformed
        );
        let text = serde_json::to_string(&newer).unwrap();
        assert_eq!(
            read_command_text(&text).unwrap_err().1.reason,
            RejectionReason::UnsupportedVersion,
            "the text path gives the same reasons"
        );
        assert_eq!(
            read_command_text("{not json").unwrap_err(),
            (None, Rejection::new(RejectionReason::Malformed, vec![]))
        );
        let not_even = serde_json::json!("hello");
        assert_eq!(
            read_command(&not_even).unwrap_err(),
            (None, Rejection::new(RejectionReason::Malformed, vec![]))
        );
    }
}
