//! Bookings the server refused, with the next free slot this desk knows of, and one-click
//! rebooking (the conflict cleared in the booking's transaction).

use super::*;

impl Desk {
    /// Bookings the server refused, each with the next free slot this desk knows of.
    pub fn booking_conflicts(&self) -> Result<Vec<BookingConflict>, IpcError> {
        self.working_user()?;
        let tz = self.clinic_zone()?;
        let doctors = self.with_store(|s| s.doctors())?;
        let refused = self.with_store(|s| s.rejected_commands())?;
        let mut out = Vec::new();
        for r in refused {
            let Command::BookAppointment {
                patient,
                doctor,
                consultation,
                start,
                ..
            } = r.envelope.command
            else {
                continue;
            };
            let next_free = self
                .free_slots(&FreeSlotsArgs {
                    doctor: Some(doctor),
                    specialty: None,
                    consultation,
                    from: start.map(|s| s.with_timezone(&tz).date_naive()),
                    days: 14,
                    limit: 1,
                })
                .ok()
                .and_then(|mut slots| slots.pop());
            let (patient_name, _) = self
                .patient(patient)
                .map(|p| (p.demographics.full_name, p.patient_number))
                .unwrap_or_default();
            out.push(BookingConflict {
                command: r.envelope.id,
                patient,
                patient_name,
                doctor,
                doctor_name: doctors
                    .iter()
                    .find(|d| d.id == doctor)
                    .map(|d| d.profile.display_name.clone())
                    .unwrap_or_default(),
                consultation,
                start,
                rejection: r.rejection,
                time_zone: tz.name().to_owned(),
                next_free,
            });
        }
        Ok(out)
    }

    /// Book a refused booking's patient again at `start`; the conflict is cleared in the same
    /// transaction as the new booking is queued.
    pub fn rebook(&self, args: &RebookArgs) -> Result<AppointmentView, IpcError> {
        self.working_user()?;
        let refused = self
            .with_store(|s| s.rejected_commands())?
            .into_iter()
            .find(|r| r.envelope.id == args.command)
            .ok_or_else(|| IpcError::from(DeskError::ConflictDealtWith))?;
        let Command::BookAppointment {
            patient,
            doctor,
            consultation,
            reason,
            replaces,
            ..
        } = refused.envelope.command
        else {
            return Err(IpcError::from(DeskError::OnlyRefusedBookingsRebook));
        };
        // A refused move is tried again as a move: the old appointment stands until then.
        let moved = match replaces {
            Some(old) => self.with_store(|s| s.appointment(old))?,
            None => None,
        };
        let envelope = self.booking(
            &BookArgs {
                patient,
                doctor,
                consultation,
                start: Some(args.start),
                reason,
            },
            moved.as_ref(),
        )?;
        self.locked_store()?
            .record_resolving(&envelope, args.command)
            .map_err(Self::record_error)?;
        self.sync_wake.notify_one();
        let id = envelope
            .command
            .appointment()
            .expect("a booking names its appointment");
        self.appointment_view(id)
    }
}
