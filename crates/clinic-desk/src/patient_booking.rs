//! The patient build's appointments: find a doctor and their free slots (asked of the server:
//! patients' devices do not hold the clinic's directory), request a slot, see one's own
//! appointments (from the local store, which receives the patient's own by sync), and cancel.

use chrono::Utc;
use clinic_core::appointment::{day_order, Origin, Status, Step};
use clinic_core::availability::Slot;
use clinic_core::booking::BookingProblem;
use clinic_core::desk_error::DeskError;
use clinic_core::doctor::{DirectoryPage, DirectoryQuery, DirectorySort};
use clinic_core::ipc::{
    AppointmentArgs, DoctorSlotsArgs, FindDoctorsArgs, IpcError, MyAppointment, MyAppointments,
    RequestAppointmentArgs,
};
use clinic_core::sync::{Command, CommandEnvelope, CommandResult, RejectionReason};
use clinic_core::wire::ErrorCode;
use clinic_core::{AppointmentId, CommandId, PatientId, Role, UserId};

use super::Desk;

/// How far ahead a patient is offered slots.
const DAYS_AHEAD: u32 = 14;

impl Desk {
    /// The signed-in patient (the patient build's own user).
    fn patient_user(&self) -> Result<clinic_core::wire::AccountView, IpcError> {
        let account = self.unlocked_user()?;
        if account.role != Role::Patient {
            return Err(IpcError::from(DeskError::RequestsFromPatientApp));
        }
        Ok(account)
    }

    /// Verified doctors matching `text`, soonest free first.
    pub async fn find_doctors(&self, args: &FindDoctorsArgs) -> Result<DirectoryPage, IpcError> {
        self.patient_user()?;
        let query = DirectoryQuery {
            text: args.text.clone(),
            kind: Some(args.consultation),
            verified_only: true,
            sort: DirectorySort::NextFreeSlot,
            per_page: 20,
            ..Default::default()
        };
        self.authed(|c, t| async move { c.directory(&t, &query).await })
            .await
    }

    pub async fn doctor_slots(&self, args: &DoctorSlotsArgs) -> Result<Vec<Slot>, IpcError> {
        self.patient_user()?;
        let (doctor, kind) = (args.doctor, args.consultation);
        self.authed(|c, t| async move { c.doctor_slots(&t, doctor, kind, DAYS_AHEAD).await })
            .await
    }

    /// Ask the doctor for a slot. Sent at once (a request needs the server to say whether the
    /// slot is still free); the doctor accepts or rejects it later.
    pub async fn request_appointment(
        &self,
        args: &RequestAppointmentArgs,
    ) -> Result<MyAppointments, IpcError> {
        let user = self.patient_user()?;
        let envelope = CommandEnvelope::new(
            CommandId::from_uuid(uuid::Uuid::now_v7()),
            Utc::now(),
            user.id,
            Command::BookAppointment {
                appointment: AppointmentId::from_uuid(uuid::Uuid::now_v7()),
                // A patient who signed up is in the registry under their account's id.
                patient: PatientId::from_uuid(*user.id.as_uuid()),
                doctor: args.doctor,
                consultation: args.consultation,
                origin: Origin::PatientRequest,
                start: Some(args.start),
                reason: args
                    .reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned),
                replaces: None,
            },
        );
        let batch = vec![envelope];
        let answer = self
            .authed(|c, t| async move { c.push(&t, &batch).await })
            .await?;
        match answer.outcomes.into_iter().next().map(|o| o.result) {
            Some(CommandResult::Applied { .. }) => {}
            Some(CommandResult::Rejected(rejection)) => {
                let problem = match rejection.reason {
                    RejectionReason::SlotTaken => Some(BookingProblem::SlotTaken),
                    RejectionReason::SlotInThePast => Some(BookingProblem::InThePast),
                    RejectionReason::OutsideWorkingHours => Some(BookingProblem::OutsideHours),
                    RejectionReason::DoctorOnLeave => Some(BookingProblem::OnLeave),
                    RejectionReason::DayFull => Some(BookingProblem::DayFull),
                    RejectionReason::Overlapping => Some(BookingProblem::Overlapping),
                    RejectionReason::NotASlotTime => Some(BookingProblem::NotASlotTime),
                    _ => None,
                };
                let mut error = match problem {
                    Some(booking) => {
                        IpcError::validation(vec![clinic_core::account::FieldError::new(
                            "start",
                            clinic_core::account::FieldProblem::SlotUnavailable { booking },
                        )])
                    }
                    None => IpcError::new(ErrorCode::Validation, rejection.message.clone()),
                };
                error.message = rejection.message;
                return Err(error);
            }
            None => return Err(IpcError::from(DeskError::NoAnswer)),
        }
        // Bring the new appointment here at once.
        let _ = self.sync_now().await;
        self.my_appointments().await
    }

    /// The patient's own consultations with their notes, newest first (online; the server
    /// audits the read).
    pub async fn my_consultations(
        &self,
    ) -> Result<Vec<clinic_core::ipc::ConsultationSummary>, IpcError> {
        let own = self.own_patient_id().await?;
        self.patient_history(own).await
    }

    /// The signed-in patient's own registry record's id. The record reaches this device by
    /// sync: on a new computer, the first thing asked right after sign-in may come before the
    /// sync loop's first round, so a missing record is worth one round of its own.
    pub(crate) async fn own_patient_id(&self) -> Result<clinic_core::PatientId, IpcError> {
        let user = self.patient_user()?;
        let find = || -> Result<Option<clinic_core::PatientId>, IpcError> {
            Ok(self
                .with_store(|s| s.patient_records())?
                .into_iter()
                .find(|p| p.account == Some(user.id))
                .map(|p| p.id))
        };
        if let Some(own) = find()? {
            return Ok(own);
        }
        // Offline or refused: the record is simply not here yet, which is what is said.
        let _ = self.sync_now().await;
        find()?.ok_or_else(|| IpcError::from(DeskError::OwnRecordNotHere))
    }

    /// The patient's own appointments, the ones to come first.
    pub async fn my_appointments(&self) -> Result<MyAppointments, IpcError> {
        self.patient_user()?;
        let mut records = self.with_store(|s| s.appointment_records())?;
        records.sort_by_key(|a| (a.status.is_final(), day_order(a).3, a.day));
        let pending = self.with_store(|s| s.pending_appointments())?;
        // Doctors' names from the server's directory when it answers; blank offline.
        let names: Vec<(UserId, String)> = self
            .authed(|c, t| async move {
                let query = DirectoryQuery {
                    per_page: 100,
                    verified_only: true,
                    ..Default::default()
                };
                c.directory(&t, &query).await
            })
            .await
            .map(|page| {
                page.entries
                    .into_iter()
                    .map(|e| (e.doctor.id, e.doctor.profile.display_name))
                    .collect()
            })
            .unwrap_or_default();
        Ok(MyAppointments {
            appointments: records
                .into_iter()
                .map(|a| MyAppointment {
                    doctor_name: names
                        .iter()
                        .find(|(id, _)| *id == a.doctor)
                        .map(|(_, n)| n.clone())
                        .unwrap_or_default(),
                    pending: pending.contains(&a.id),
                    appointment: a,
                })
                .collect(),
        })
    }

    /// Cancel one's own request or booking (offline too: it is sent when the server is back).
    pub async fn cancel_my_appointment(
        &self,
        args: &AppointmentArgs,
    ) -> Result<MyAppointments, IpcError> {
        let user = self.patient_user()?;
        let current = self
            .with_store(|s| s.appointment(args.appointment))?
            .ok_or_else(|| IpcError::from(DeskError::NotYourAppointment))?;
        if !matches!(current.status, Status::Requested | Status::Confirmed) {
            return Err(IpcError::from(DeskError::CannotCancelHere));
        }
        let envelope = CommandEnvelope::new(
            CommandId::from_uuid(uuid::Uuid::now_v7()),
            Utc::now(),
            user.id,
            Command::StepAppointment {
                appointment: args.appointment,
                step: Step::Cancel,
                reason: None,
            },
        );
        self.locked_store()?
            .record(&envelope)
            .map_err(Self::record_error)?;
        self.sync_wake.notify_one();
        self.my_appointments().await
    }
}
