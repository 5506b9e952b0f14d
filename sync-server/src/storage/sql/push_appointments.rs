//! A push group's appointment commands: the facts a booking or a step needs read (from the
//! group's copy where it has them), judged and planned in pure code (`sync::push`), and the plan
//! written.

use chrono::{DateTime, Utc};
use clinic_core::appointment::AppointmentRecord;
use clinic_core::availability::Busy;
use clinic_core::booking::BookingFacts;
use clinic_core::sync::Command;
use clinic_core::sync::{
    CommandEnvelope, CommandOutcome, CommandResult, Rejection, RejectionReason,
};
use clinic_core::{AppointmentId, PatientId, UserId};

use super::*;
use crate::sync::push::{plan_booking, plan_step, Booking, BookingPlan, AROUND_MS};

impl PushGroup<'_> {
    /// Judge and write one appointment command (a booking or a lifecycle step).
    pub(super) async fn take_appointment_command(
        &mut self,
        envelope: &CommandEnvelope,
        tz: chrono_tz::Tz,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, StorageError> {
        if let Some(outcome) = self.batch.answered_before(&self.lookup, envelope) {
            return Ok(outcome);
        }
        // Anything but a booking of a slot reads or changes appointments in the database:
        // the bookings judged so far are written first.
        if !matches!(
            &envelope.command,
            Command::BookAppointment {
                start: Some(_),
                replaces: None,
                ..
            }
        ) {
            self.flush_bookings().await?;
        }
        // A start beyond the horizon is refused before anything is worked out from it.
        if let Command::BookAppointment {
            start: Some(start), ..
        } = &envelope.command
        {
            if let Err(problem) = clinic_core::booking::check_start_in_range(*start, now) {
                let refused = Rejection::new(RejectionReason::Invalid, vec![problem]);
                return self.batch.answer(
                    &mut self.lookup,
                    envelope,
                    CommandResult::Rejected(refused),
                );
            }
        }
        let id = envelope
            .command
            .appointment()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let stored = self.appointment_in(&id).await?;
        let doctor_id = match (&envelope.command, &stored) {
            (Command::BookAppointment { doctor, .. }, _) => Some(*doctor),
            (_, Some(record)) => Some(record.doctor),
            _ => None,
        };
        let doctor = match doctor_id {
            Some(doctor) => self.doctor(doctor).await?,
            None => None,
        };
        let judged = match &envelope.command {
            Command::BookAppointment { .. } => {
                self.take_booking(envelope, stored.as_ref(), doctor.as_ref(), tz, now)
                    .await?
            }
            Command::StepAppointment { .. } => self.take_step(envelope, stored, now).await?,
            _ => Err(Rejection::new(RejectionReason::Malformed, vec![])),
        };
        let result = match judged {
            Err(rejection) => CommandResult::Rejected(rejection),
            Ok(changed) => self.batch.appointments_changed(envelope, &changed)?,
        };
        self.batch.answer(&mut self.lookup, envelope, result)
    }

    /// A booking: its facts read, its plan made by [`plan_booking`], the plan written. Returns
    /// the appointments it changed, or why it was refused.
    async fn take_booking(
        &mut self,
        envelope: &CommandEnvelope,
        stored: Option<&AppointmentRecord>,
        doctor: Option<&DoctorRecord>,
        tz: chrono_tz::Tz,
        now: DateTime<Utc>,
    ) -> Result<Result<Vec<AppointmentRecord>, Rejection>, StorageError> {
        let Command::BookAppointment {
            patient,
            doctor: doctor_id,
            start,
            replaces,
            consultation,
            ..
        } = &envelope.command
        else {
            return Ok(Err(Rejection::new(RejectionReason::Malformed, vec![])));
        };
        let patient_known = self.patient_account(*patient).await?;
        let replaced = match replaces {
            Some(old) => self.appointment_in(&old.to_string()).await?,
            None => None,
        };
        let busy = match start {
            Some(start) => self.busy_around(*doctor_id, *start, *replaces).await?,
            None => Vec::new(),
        };
        let booker_treats = self.booker_treats(*patient).await?;
        let facts = BookingFacts {
            patient: patient_known,
            doctor,
            appointment_exists: stored.is_some(),
            replaced: replaced.as_ref(),
            busy: &busy,
            booker_treats,
        };
        match plan_booking(self.batch.actor(), envelope, &facts, tz, now) {
            BookingPlan::Refuse(rejection) => Ok(Err(rejection)),
            BookingPlan::RefuseWithOffers(rejection) => match (start, doctor) {
                (Some(start), Some(doctor)) => Ok(Err(self
                    .offer_wider(rejection, doctor, *consultation, *start, tz, now)
                    .await?)),
                _ => Ok(Err(rejection)),
            },
            BookingPlan::Book(booking) => self.book(*booking, replaced).await,
        }
    }

    /// Write a booking as planned: the replaced appointment moved, a token if it joins the
    /// queue, the new appointment (with the group's other bookings, or now). An insert the slot
    /// index refuses is a slot taken, and the move is undone.
    async fn book(
        &mut self,
        booking: Booking,
        replaced: Option<AppointmentRecord>,
    ) -> Result<Result<Vec<AppointmentRecord>, Rejection>, StorageError> {
        let Booking {
            mut record,
            moved,
            needs_token,
            with_group,
        } = booking;
        let mut changed = Vec::new();
        if let Some(moved) = moved {
            self.update_appointment(&moved).await?;
            changed.push(moved);
        }
        if needs_token {
            self.flush_bookings().await?;
            record.token = Some(self.next_token(record.doctor, record.day).await?);
        }
        let inserted = if with_group {
            self.pending.push(record.clone());
            true
        } else {
            self.insert_appointment(&record).await?
        };
        if inserted {
            self.remember(&record);
            changed.push(record);
            return Ok(Ok(changed));
        }
        // The replaced appointment keeps its slot when the new one cannot be had.
        if let Some(old) = &replaced {
            sqlx::query("UPDATE appointment SET status = $1, record = $2 WHERE id = $3")
                .bind(old.status.as_str())
                .bind(write_record(old)?)
                .bind(old.id.to_string())
                .execute(&mut *self.tx)
                .await?;
            self.remember(old);
        }
        Ok(Err(Rejection::new(RejectionReason::SlotTaken, vec![])))
    }

    /// A lifecycle step: judged by the core's `judge_step`, written with its token if it puts
    /// the patient in the queue.
    async fn take_step(
        &mut self,
        envelope: &CommandEnvelope,
        stored: Option<AppointmentRecord>,
        now: DateTime<Utc>,
    ) -> Result<Result<Vec<AppointmentRecord>, Rejection>, StorageError> {
        let account = match &stored {
            Some(record) => self.patient_account(record.patient).await?.flatten(),
            None => None,
        };
        let step = match plan_step(self.batch.actor(), envelope, stored.as_ref(), account, now) {
            Err(rejection) => return Ok(Err(rejection)),
            Ok(step) => step,
        };
        let mut record = step.record;
        if step.needs_token {
            record.token = Some(self.next_token(record.doctor, record.day).await?);
        }
        sqlx::query(
            "UPDATE appointment SET status = $1, token = $2, record = $3, updated_at = $4
             WHERE id = $5",
        )
        .bind(record.status.as_str())
        .bind(record.token.map(i64::from))
        .bind(write_record(&record)?)
        .bind(self.batch.at)
        .bind(record.id.to_string())
        .execute(&mut *self.tx)
        .await?;
        self.remember(&record);
        Ok(Ok(vec![record]))
    }

    /// A refusal whose offers were worked out from the bookings around the start only: offers
    /// worked out again from two weeks of bookings, and for a slot taken, when it was taken.
    async fn offer_wider(
        &mut self,
        mut rejection: Rejection,
        doctor: &DoctorRecord,
        consultation: clinic_core::availability::ConsultationType,
        start: DateTime<Utc>,
        tz: chrono_tz::Tz,
        now: DateTime<Utc>,
    ) -> Result<Rejection, StorageError> {
        self.flush_bookings().await?;
        let from = start.max(now);
        let rows: Vec<(i64, i64)> = sqlx::query_as(concat!(
            "SELECT slot_start, slot_end FROM appointment
             WHERE doctor_id = $1 AND slot_start >= $2 AND slot_start < $3 AND status IN ",
            slot_holding!()
        ))
        .bind(doctor.id.to_string())
        .bind(millis(from - chrono::Duration::days(1)))
        .bind(millis(from + chrono::Duration::days(16)))
        .fetch_all(&mut *self.tx)
        .await?;
        let mut wide = Vec::with_capacity(rows.len());
        for (s, e) in rows {
            wide.push(Busy {
                doctor: doctor.id,
                start: from_millis(s)?,
                end: from_millis(e)?,
            });
        }
        rejection.alternatives =
            clinic_core::booking::alternatives(&doctor.pattern, tz, consultation, from, &wide, 3);
        if rejection.reason == RejectionReason::SlotTaken {
            let holder: Option<(i64,)> = sqlx::query_as(concat!(
                "SELECT booked_at FROM appointment
                 WHERE doctor_id = $1 AND slot_start = $2 AND status IN ",
                slot_holding!()
            ))
            .bind(doctor.id.to_string())
            .bind(millis(start))
            .fetch_optional(&mut *self.tx)
            .await?;
            rejection.taken_at = holder.map(|(t,)| from_millis(t)).transpose()?;
        }
        Ok(rejection)
    }

    /// The doctor's slot-holding times a day and a half either side of `start` (which covers
    /// the local day and the buffers), leaving out the appointment being replaced: from the
    /// group's copy when it read that range, else from the database.
    async fn busy_around(
        &mut self,
        doctor: UserId,
        start: DateTime<Utc>,
        replaces: Option<AppointmentId>,
    ) -> Result<Vec<Busy>, StorageError> {
        let skip = replaces.map(|r| r.to_string());
        let (from, to) = (millis(start) - AROUND_MS, millis(start) + AROUND_MS);
        if let Some(known) = self.busy.around(doctor, from, to, skip.as_deref())? {
            return Ok(known);
        }
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(concat!(
            "SELECT id, slot_start, slot_end FROM appointment
             WHERE doctor_id = $1 AND slot_start >= $2 AND slot_start < $3 AND status IN ",
            slot_holding!()
        ))
        .bind(doctor.to_string())
        .bind(from)
        .bind(to)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut busy = Vec::with_capacity(rows.len());
        for (holder, s, e) in rows {
            if skip.as_deref() == Some(holder.as_str()) {
                continue;
            }
            busy.push(Busy {
                doctor,
                start: from_millis(s)?,
                end: from_millis(e)?,
            });
        }
        Ok(busy)
    }

    /// When a doctor books: whether they treat the patient already (a doctor books only
    /// follow-ups). `false` for anyone else.
    async fn booker_treats(&mut self, patient: PatientId) -> Result<bool, StorageError> {
        let clinic_core::Actor::User {
            id: booker,
            role: clinic_core::Role::Doctor,
        } = self.batch.actor()
        else {
            return Ok(false);
        };
        self.flush_bookings().await?;
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT record FROM appointment WHERE doctor_id = $1 AND patient_id = $2",
        )
        .bind(booker.to_string())
        .bind(patient.to_string())
        .fetch_all(&mut *self.tx)
        .await?;
        let mut theirs = Vec::with_capacity(rows.len());
        for (text,) in rows {
            theirs.push(read_record("appointment", &text)?);
        }
        Ok(clinic_core::care::treats(booker, &theirs))
    }

    /// An appointment moved (by a replacement): its new status and record.
    async fn update_appointment(&mut self, moved: &AppointmentRecord) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE appointment SET status = $1, record = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(moved.status.as_str())
        .bind(write_record(moved)?)
        .bind(self.batch.at)
        .bind(moved.id.to_string())
        .execute(&mut *self.tx)
        .await?;
        self.remember(moved);
        Ok(())
    }

    /// Insert an appointment now; `false` when the slot index refuses it (the slot is taken).
    async fn insert_appointment(
        &mut self,
        record: &AppointmentRecord,
    ) -> Result<bool, StorageError> {
        let inserted = sqlx::query(
            "INSERT INTO appointment (id, patient_id, doctor_id, status, slot_start, slot_end,
               local_day, token, record, booked_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT DO NOTHING",
        )
        .bind(record.id.to_string())
        .bind(record.patient.to_string())
        .bind(record.doctor.to_string())
        .bind(record.status.as_str())
        .bind(record.slot.map(|s| millis(s.start)))
        .bind(record.slot.map(|s| millis(s.end)))
        .bind(record.day.to_string())
        .bind(record.token.map(i64::from))
        .bind(write_record(record)?)
        .bind(self.batch.at)
        .bind(self.batch.at)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }
}
