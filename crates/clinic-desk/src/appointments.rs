//! The appointment book at the desk: free slots, bookings, walk-ins, the day's list and the
//! waiting room, lifecycle steps, and conflicts with one-click rebooking. Everything reads and
//! writes the local encrypted store, so the desk keeps booking when the server is away; the
//! server decides who gets a contested slot.

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use clinic_core::account::{FieldError, FieldProblem};
use clinic_core::appointment::{
    day_order, judge_step, visit_reason, Appointment, AppointmentRecord, Origin,
};
use clinic_core::availability::{free_slots_for, Busy, Slot, SlotQuery};
use clinic_core::booking::{judge_booking, BookingFacts};
use clinic_core::desk_error::DeskError;
use clinic_core::doctor::DoctorRecord;
use clinic_core::ipc::{
    AppointmentView, BookArgs, BookSeriesArgs, BookingConflict, DayArgs, ExportCalendarArgs,
    FreeSlotsArgs, IpcError, PrintDayListArgs, PrintedDocument, RebookArgs, RescheduleArgs,
    ScheduleDay, ScheduleWeek, SeriesBooked, StepArgs, WeekArgs,
};
use clinic_core::sync::{Command, CommandEnvelope};
use clinic_core::{AppointmentId, CommandId, Role, UserId};

use super::{actor, Desk};

mod conflicts;

/// How far ahead the desk looks for free slots at most.
const MAX_DAYS: u32 = 60;

impl Desk {
    /// The clinic's time zone, as the server said at sign-in.
    pub(super) fn clinic_zone(&self) -> Result<Tz, IpcError> {
        self.with_store(|s| s.clinic_time_zone())?
            .ok_or_else(|| IpcError::from(DeskError::NoClinicTimeZone))
    }

    /// An appointment as this desk's book holds it.
    pub(crate) fn stored_appointment(
        &self,
        id: AppointmentId,
    ) -> Result<AppointmentRecord, IpcError> {
        self.with_store(|s| s.appointment(id))?
            .ok_or_else(|| IpcError::from(DeskError::AppointmentNotHere))
    }

    /// Slot-holding times starting in `[from, to)`: one doctor's, or every doctor's (one query),
    /// grouped by doctor in id order.
    pub(crate) fn busy_between(
        &self,
        doctor: Option<UserId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Busy>, IpcError> {
        self.with_store(|s| s.busy(doctor, from, to))
    }

    /// The next free slots of a doctor, a specialty or the whole clinic (verified doctors).
    pub fn free_slots(&self, args: &FreeSlotsArgs) -> Result<Vec<Slot>, IpcError> {
        self.working_user()?;
        let tz = self.clinic_zone()?;
        let now = Utc::now();
        let query = SlotQuery::window(
            args.consultation,
            tz,
            now,
            args.from,
            Some(args.days.clamp(1, MAX_DAYS)),
        )
        .map_err(|problem| IpcError::validation(vec![problem]))?;
        let first_day = query.first_day;
        let doctors: Vec<DoctorRecord> = self
            .with_store(|s| s.doctors())?
            .into_iter()
            .filter(|d| d.verification.is_verified())
            .filter(|d| args.doctor.is_none_or(|id| d.id == id))
            .filter(|d| {
                args.specialty
                    .as_deref()
                    .is_none_or(|s| d.profile.specialty.eq_ignore_ascii_case(s.trim()))
            })
            .collect();
        let (from, to) = (
            clinic_core::availability::instant(tz, first_day.and_time(chrono::NaiveTime::MIN)),
            clinic_core::availability::instant(
                tz,
                (query.last_day + Days::new(1)).and_time(chrono::NaiveTime::MIN),
            ),
        );
        let busy = self.busy_between(args.doctor, from - Duration::days(1), to)?;
        let mut slots = free_slots_for(doctors.iter().map(|d| &d.pattern), tz, &query, &busy);
        slots.truncate(args.limit.max(1) as usize);
        Ok(slots)
    }

    /// Book a slot, or queue a walk-in, here and now (offline too). A time the rules refuse is
    /// a field message on the slot; the server judges the booking again when it syncs.
    pub fn book_appointment(&self, args: &BookArgs) -> Result<AppointmentView, IpcError> {
        let envelope = self.booking(args, None)?;
        self.locked_store()?
            .record(&envelope)
            .map_err(Self::record_error)?;
        self.sync_wake.notify_one();
        let id = envelope
            .command
            .appointment()
            .expect("a booking names its appointment");
        self.appointment_view(id)
    }

    /// A first visit and its follow-ups, each its own appointment. The first must be bookable;
    /// a follow-up whose time cannot be had is left out and said why (the rest are booked).
    pub fn book_series(&self, args: &BookSeriesArgs) -> Result<SeriesBooked, IpcError> {
        use clinic_core::booking::{follow_up_starts, SERIES_MAX_VISITS, SERIES_MAX_WEEKS_APART};
        let mut fields = Vec::new();
        if !(1..=SERIES_MAX_WEEKS_APART).contains(&args.every_weeks) {
            fields.push(FieldError::new(
                "every_weeks",
                FieldProblem::OutOfRange {
                    min: 1,
                    max: SERIES_MAX_WEEKS_APART.into(),
                },
            ));
        }
        if !(2..=SERIES_MAX_VISITS).contains(&args.count) {
            fields.push(FieldError::new(
                "count",
                FieldProblem::OutOfRange {
                    min: 2,
                    max: SERIES_MAX_VISITS.into(),
                },
            ));
        }
        let Some(first) = args.booking.start else {
            fields.push(FieldError::new("start", FieldProblem::Required));
            return Err(IpcError::validation(fields));
        };
        if !fields.is_empty() {
            return Err(IpcError::validation(fields));
        }
        let tz = self.clinic_zone()?;
        let mut booked = Vec::new();
        let mut not_booked = Vec::new();
        for (i, start) in follow_up_starts(tz, first, args.every_weeks, args.count)
            .into_iter()
            .enumerate()
        {
            let visit = BookArgs {
                start: Some(start),
                ..args.booking.clone()
            };
            let problem = |e: &IpcError| {
                e.fields.iter().find_map(|f| match f.problem {
                    FieldProblem::SlotUnavailable { booking } => Some(booking),
                    _ => None,
                })
            };
            match self.booking(&visit, None) {
                Ok(envelope) => {
                    self.locked_store()?
                        .record(&envelope)
                        .map_err(Self::record_error)?;
                    let id = envelope
                        .command
                        .appointment()
                        .expect("a booking names its appointment");
                    booked.push(self.appointment_view(id)?);
                }
                Err(e) if i > 0 && problem(&e).is_some() => {
                    not_booked.push((start, problem(&e).expect("checked")));
                }
                Err(e) => return Err(e),
            }
        }
        self.sync_wake.notify_one();
        Ok(SeriesBooked {
            booked,
            not_booked,
            time_zone: tz.name().to_owned(),
        })
    }

    /// Move a booked appointment to another free slot of its doctor (offline too). The old one
    /// shows as rescheduled at once; if the server gives the new slot to another desk, the move
    /// becomes a conflict and the old appointment stands again.
    pub fn reschedule_appointment(
        &self,
        args: &RescheduleArgs,
    ) -> Result<AppointmentView, IpcError> {
        let user = self.working_user()?;
        let current = self.stored_appointment(args.appointment)?;
        Appointment {
            status: current.status,
        }
        .apply(clinic_core::appointment::Step::Reschedule, user.role)
        .map_err(|refused| IpcError::from(clinic_core::sync::Rejection::from(refused)))?;
        if current.slot.is_some_and(|s| s.start == args.start) {
            let mut error =
                IpcError::validation(vec![FieldError::new("start", FieldProblem::NotAChoice)]);
            error.message = "The appointment is already at this time. Pick another slot.".into();
            return Err(error);
        }
        let envelope = self.booking(
            &BookArgs {
                patient: current.patient,
                doctor: current.doctor,
                consultation: current.consultation,
                start: Some(args.start),
                reason: current.reason.clone(),
            },
            Some(&current),
        )?;
        self.locked_store()?
            .record(&envelope)
            .map_err(Self::record_error)?;
        self.sync_wake.notify_one();
        let id = envelope
            .command
            .appointment()
            .expect("a booking names its appointment");
        self.appointment_view(id)
    }

    /// The command for a booking, checked against this desk's copy of the book; `replaces` is
    /// the appointment a reschedule moves (its own slot does not count as busy).
    fn booking(
        &self,
        args: &BookArgs,
        replaces: Option<&AppointmentRecord>,
    ) -> Result<CommandEnvelope, IpcError> {
        let user = self.working_user()?;
        let origin = match args.start {
            Some(_) => Origin::Booked,
            None => Origin::WalkIn,
        };
        let now = Utc::now();
        let envelope = CommandEnvelope::new(
            CommandId::from_uuid(uuid::Uuid::now_v7()),
            now,
            user.id,
            Command::BookAppointment {
                appointment: AppointmentId::from_uuid(uuid::Uuid::now_v7()),
                patient: args.patient,
                doctor: args.doctor,
                consultation: args.consultation,
                origin,
                start: args.start,
                reason: visit_reason(args.reason.as_deref()),
                replaces: replaces.map(|r| r.id),
            },
        );
        // The facts from this desk's copy of the book; the judge is the server's own.
        let patient = self.patient(args.patient).ok();
        let booker_treats = user.role == Role::Doctor
            && clinic_core::care::treats(
                user.id,
                &self.with_store(|s| s.appointments_between(user.id, args.patient))?,
            );
        let doctor = self.doctor_record(args.doctor).ok();
        let mut busy = Vec::new();
        if let Some(start) = args
            .start
            .filter(|&start| clinic_core::booking::check_start_in_range(start, now).is_ok())
        {
            let around = Duration::hours(36);
            busy = self.busy_between(Some(args.doctor), start - around, start + around)?;
            if let Some(slot) = replaces.and_then(|r| r.slot) {
                busy.retain(|b| !(b.doctor == args.doctor && b.start == slot.start));
            }
        }
        let facts = BookingFacts {
            patient: patient.map(|p| p.account),
            doctor: doctor.as_ref(),
            appointment_exists: false,
            replaced: replaces,
            busy: &busy,
            booker_treats,
        };
        judge_booking(actor(&user), &envelope, &facts, self.clinic_zone()?, now)?;
        Ok(envelope)
    }

    /// A lifecycle step (check in, start, complete, no-show, cancel, confirm, reject).
    pub fn step_appointment(&self, args: &StepArgs) -> Result<AppointmentView, IpcError> {
        let user = self.working_user()?;
        let current = self.stored_appointment(args.appointment)?;
        let patient_account = self.patient(current.patient).ok().and_then(|p| p.account);
        let now = Utc::now();
        let envelope = CommandEnvelope::new(
            CommandId::from_uuid(uuid::Uuid::now_v7()),
            now,
            user.id,
            Command::StepAppointment {
                appointment: args.appointment,
                step: args.step,
                reason: visit_reason(args.reason.as_deref()),
            },
        );
        judge_step(
            actor(&user),
            &envelope,
            Some(&current),
            patient_account,
            now,
        )?;
        self.locked_store()?
            .record(&envelope)
            .map_err(Self::record_error)?;
        self.sync_wake.notify_one();
        self.appointment_view(args.appointment)
    }

    fn view_of(
        &self,
        appointment: AppointmentRecord,
        doctors: &[DoctorRecord],
        pending: &std::collections::HashSet<AppointmentId>,
    ) -> AppointmentView {
        let (patient_name, patient_number) = self
            .patient(appointment.patient)
            .map(|p| (p.demographics.full_name, p.patient_number))
            .unwrap_or_default();
        let doctor_name = doctors
            .iter()
            .find(|d| d.id == appointment.doctor)
            .map(|d| d.profile.display_name.clone())
            .unwrap_or_default();
        AppointmentView {
            pending: pending.contains(&appointment.id),
            appointment,
            patient_name,
            patient_number,
            doctor_name,
        }
    }

    fn appointment_view(&self, id: AppointmentId) -> Result<AppointmentView, IpcError> {
        let record = self.with_store(|s| s.appointment(id))?.ok_or_else(|| {
            IpcError::from(DeskError::Internal {
                detail: "the appointment just recorded is missing".into(),
            })
        })?;
        let doctors = self.with_store(|s| s.doctors())?;
        let pending = self.with_store(|s| s.pending_appointments())?;
        Ok(self.view_of(record, &doctors, &pending))
    }

    /// A clinic day's appointments: the waiting room first, then the bookings still to come.
    pub fn appointment_day(&self, args: &DayArgs) -> Result<ScheduleDay, IpcError> {
        self.working_user()?;
        let tz = self.clinic_zone()?;
        let now = Utc::now();
        let day: NaiveDate = args
            .day
            .unwrap_or_else(|| now.with_timezone(&tz).date_naive());
        let mut records = self.with_store(|s| s.appointments_on(day, args.doctor))?;
        records.sort_by_key(day_order);
        let doctors = self.with_store(|s| s.doctors())?;
        let pending = self.with_store(|s| s.pending_appointments())?;
        Ok(ScheduleDay {
            day,
            time_zone: tz.name().to_owned(),
            now,
            appointments: records
                .into_iter()
                .map(|a| self.view_of(a, &doctors, &pending))
                .collect(),
        })
    }

    /// A clinic day's list as a PDF (English or Bangla) in the desk's documents folder. The
    /// appointments that no longer stand (cancelled, moved, rejected) are left off.
    pub fn print_day_list(&self, args: &PrintDayListArgs) -> Result<PrintedDocument, IpcError> {
        use clinic_core::appointment::Status;
        use clinic_print::day_list::{render, DayList, DayListRow};
        let schedule = self.appointment_day(&DayArgs {
            day: args.day,
            doctor: args.doctor,
        })?;
        let tz = self.clinic_zone()?;
        let doctor = match args.doctor {
            Some(id) => Some(self.doctor_record(id)?.profile.display_name),
            None => None,
        };
        let rows = schedule
            .appointments
            .iter()
            .filter(|v| {
                !matches!(
                    v.appointment.status,
                    Status::Cancelled | Status::Rescheduled | Status::Rejected
                )
            })
            .map(|v| DayListRow {
                token: v.appointment.token,
                time: v
                    .appointment
                    .slot
                    .map(|s| s.start.with_timezone(&tz).time()),
                video: v.appointment.consultation
                    == clinic_core::availability::ConsultationType::Video,
                patient: v.patient_name.clone(),
                patient_number: v.patient_number.clone(),
                doctor: v.doctor_name.clone(),
                status: v.appointment.status,
            })
            .collect();
        let list = DayList {
            clinic: "Clinic Desk".to_owned(),
            day: schedule.day,
            doctor: doctor.clone(),
            printed_at: schedule.now.with_timezone(&tz).naive_local(),
            rows,
        };
        let pdf = render(&list, args.language).map_err(|e| {
            IpcError::from(DeskError::Internal {
                detail: e.to_string(),
            })
        })?;
        let whose: String = doctor
            .unwrap_or_else(|| "all-doctors".to_owned())
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let name = format!(
            "day-list-{}-{}-{}.pdf",
            schedule.day,
            whose.trim_matches('-').replace("--", "-"),
            args.language.code()
        );
        self.save_document(&name, &pdf)
    }

    /// A doctor's appointments from the start of today on, as an iCalendar file in the desk's
    /// documents folder (import it again later: events keep their ids, so they update).
    pub fn export_calendar(&self, args: &ExportCalendarArgs) -> Result<PrintedDocument, IpcError> {
        self.working_user()?;
        let tz = self.clinic_zone()?;
        let doctor = self.doctor_record(args.doctor)?;
        let today = Utc::now().with_timezone(&tz).date_naive();
        let from = clinic_core::availability::instant(tz, today.and_time(chrono::NaiveTime::MIN));
        let records = self.with_store(|s| s.doctor_appointments_from(args.doctor, from))?;
        let entries: Vec<clinic_print::calendar::CalendarEntry> = records
            .into_iter()
            .filter_map(|a| {
                let slot = a.slot?;
                let (patient, patient_number) = self
                    .patient(a.patient)
                    .map(|p| (p.demographics.full_name, p.patient_number))
                    .unwrap_or_default();
                Some(clinic_print::calendar::CalendarEntry {
                    id: a.id,
                    slot,
                    status: a.status,
                    consultation: a.consultation,
                    patient,
                    patient_number,
                    reason: a.reason,
                })
            })
            .collect();
        let text = clinic_print::calendar::doctor_calendar(&doctor.profile.display_name, &entries);
        let slug: String = doctor
            .profile
            .display_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        self.save_document(
            &format!("calendar-{}.ics", slug.trim_matches('-')),
            text.as_bytes(),
        )
    }

    /// Write a document into the desk's documents folder, whole or not at all.
    pub(super) fn save_document(
        &self,
        name: &str,
        bytes: &[u8],
    ) -> Result<PrintedDocument, IpcError> {
        let folder = self
            .locked_store()?
            .path()
            .parent()
            .map(|p| p.join("documents"))
            .ok_or_else(|| {
                IpcError::from(DeskError::Internal {
                    detail: "the store has no folder".into(),
                })
            })?;
        let path = folder.join(name);
        let written = std::fs::create_dir_all(&folder).and_then(|()| {
            // A half-written file never has the final name.
            let partial = folder.join(format!("{name}.partial"));
            std::fs::write(&partial, bytes)?;
            std::fs::rename(&partial, &path)
        });
        written.map_err(|e| {
            IpcError::from(DeskError::FileNotSaved {
                folder: folder.display().to_string(),
                detail: e.to_string(),
            })
        })?;
        Ok(PrintedDocument {
            path: path.display().to_string(),
        })
    }

    /// Seven clinic days of the book from `from` (today when left out).
    pub fn appointment_week(&self, args: &WeekArgs) -> Result<ScheduleWeek, IpcError> {
        self.working_user()?;
        let tz = self.clinic_zone()?;
        let first = args
            .from
            .unwrap_or_else(|| Utc::now().with_timezone(&tz).date_naive());
        let days = (0..7)
            .map(|i| {
                self.appointment_day(&DayArgs {
                    day: Some(first + Days::new(i)),
                    doctor: args.doctor,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ScheduleWeek { days })
    }
}
