//! The clinic's doctors at the desk: the directory, a doctor's own profile, an admin's verification.

use chrono::{Days, Duration, Utc};
use clinic_core::availability::SlotQuery;
use clinic_core::desk_error::DeskError;
use clinic_core::doctor::{Directory, DirectoryPage, DirectoryQuery, DoctorRecord};
use clinic_core::ipc::{DoctorProfileForm, IpcError, VerifyDoctorArgs};
use clinic_core::{decide, Action, UserId};

use crate::{actor, Desk};

impl Desk {
    pub(crate) fn doctor_record(&self, id: UserId) -> Result<DoctorRecord, IpcError> {
        self.with_store(|s| s.doctor(id))?
            .ok_or_else(|| IpcError::from(DeskError::UnknownDoctor))
    }

    /// An admin verifies a doctor, or rejects their credentials with a reason (online: the
    /// server decides); the doctors as this desk then knows them.
    pub async fn verify_doctor(
        &self,
        args: &VerifyDoctorArgs,
    ) -> Result<Vec<DoctorRecord>, IpcError> {
        let user = self.working_user()?;
        decide(actor(&user), Action::VerifyDoctor)?;
        let (doctor, decision) = (args.doctor, args.decision.clone());
        self.authed(|c, t| async move { c.verify_doctor(&t, doctor, &decision).await })
            .await?;
        // The new record arrives by pull, like every change.
        let _ = self.sync_now().await;
        self.with_store(|s| s.doctors())
    }

    /// The signed-in doctor's own record as this desk knows it (offline too); `None` before
    /// they first save a profile.
    pub fn my_doctor_profile(&self) -> Result<Option<DoctorRecord>, IpcError> {
        let user = self.working_user()?;
        decide(actor(&user), Action::EditDoctorProfile { doctor: user.id })?;
        self.with_store(|s| s.doctor(user.id))
    }

    /// Save the signed-in doctor's profile and working pattern (online: the server checks it
    /// and tells every desk); the record as this desk then holds it.
    pub async fn save_doctor_profile(
        &self,
        form: &DoctorProfileForm,
    ) -> Result<DoctorRecord, IpcError> {
        let user = self.working_user()?;
        decide(actor(&user), Action::EditDoctorProfile { doctor: user.id })?;
        let mut fields = form.profile.check().err().unwrap_or_default();
        fields.extend(form.pattern.check().err().unwrap_or_default());
        if !fields.is_empty() {
            return Err(IpcError::validation(fields));
        }
        let (doctor, form) = (user.id, form.clone());
        let saved = self
            .authed(|c, t| async move { c.save_doctor_profile(&t, doctor, &form).await })
            .await?;
        // Every desk hears of it by pull, this one too.
        let _ = self.sync_now().await;
        Ok(self.with_store(|s| s.doctor(user.id))?.unwrap_or(saved))
    }

    /// The clinic's doctors as this desk knows them (works offline).
    pub fn clinic_doctors(&self) -> Result<Vec<DoctorRecord>, IpcError> {
        self.working_user()?;
        self.with_store(|s| s.doctors())
    }

    /// Search the clinic's doctors from this desk's copy (offline too), each with their next free
    /// slot in the coming two weeks.
    pub fn search_doctors(&self, query: &DirectoryQuery) -> Result<DirectoryPage, IpcError> {
        self.working_user()?;
        let tz = self.clinic_zone()?;
        let now = Utc::now();
        let first_day = now.with_timezone(&tz).date_naive();
        let slots = SlotQuery {
            kind: query
                .kind
                .unwrap_or(clinic_core::availability::ConsultationType::InPerson),
            first_day,
            last_day: first_day + Days::new(13),
            not_before: now,
        };
        let doctors = self.with_store(|s| s.doctors())?;
        let (from, to) = (now - Duration::days(1), now + Duration::days(15));
        let busy = self.busy_between(None, from, to)?;
        let days = clinic_core::availability::ClinicDays::new(tz, &slots);
        let directory = Directory::new(doctors, &days, &slots, |id| {
            let first = busy.partition_point(|b| b.doctor < id);
            let end = busy.partition_point(|b| b.doctor <= id);
            &busy[first..end]
        });
        Ok(directory.search(query))
    }
}
