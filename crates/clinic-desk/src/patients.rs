//! The patient registry at the desk: register, change, find, duplicates, and the changes the
//! server refused — all from the local store, so it works offline.

use super::*;

impl Desk {
    /// Register a patient here, at once, online or not; the number is made on this desk.
    pub fn register_patient(&self, form: &DemographicsForm) -> Result<PatientRecord, IpcError> {
        let user = self.working_user()?;
        decide(actor(&user), Action::RegisterPatient)?;
        let demographics = form
            .validate(Self::clinic_today())
            .map_err(IpcError::validation)?;
        let envelope = self
            .locked_store()?
            .register_patient(
                CommandId::from_uuid(uuid::Uuid::now_v7()),
                PatientId::from_uuid(uuid::Uuid::now_v7()),
                Utc::now(),
                user.id,
                demographics,
            )
            .map_err(Self::record_error)?;
        self.sync_wake.notify_one();
        let patient = envelope.command.patient().ok_or_else(|| {
            IpcError::from(DeskError::Internal {
                detail: "a registration names its patient".into(),
            })
        })?;
        self.patient(patient)
    }

    pub fn update_patient(
        &self,
        patient: PatientId,
        form: &DemographicsForm,
    ) -> Result<PatientRecord, IpcError> {
        let user = self.working_user()?;
        let current = self.patient(patient)?;
        let today = Self::clinic_today();
        let demographics = form.validate(today).map_err(IpcError::validation)?;
        let envelope = CommandEnvelope::new(
            CommandId::from_uuid(uuid::Uuid::now_v7()),
            Utc::now(),
            user.id,
            Command::UpdatePatient {
                patient,
                demographics,
            },
        );
        // The server's judge, with what this desk's registry holds.
        let facts = registry::RegistryFacts {
            patient: Some(current.account),
            number_owner: None,
        };
        registry::judge_registration(actor(&user), None, &envelope, &facts, today)?;
        self.locked_store()?
            .record(&envelope)
            .map_err(Self::record_error)?;
        self.sync_wake.notify_one();
        self.patient(patient)
    }

    pub fn patient(&self, patient: PatientId) -> Result<PatientRecord, IpcError> {
        self.working_user()?;
        self.with_store(|s| s.patient(patient))?
            .ok_or_else(|| IpcError::from(DeskError::PatientNotHere))
    }

    /// Patients matching what the receptionist typed, best first (from the local store).
    pub fn search_patients(&self, query: &str) -> Result<Vec<PatientSummary>, IpcError> {
        self.working_user()?;
        let patients = self.with_store(|s| s.patients())?;
        if query.trim().is_empty() {
            // Nothing typed yet: the registry by name.
            return Ok(patients.into_iter().take(50).collect());
        }
        Ok(registry::search(query, &patients, 30)
            .into_iter()
            .cloned()
            .collect())
    }

    /// Registered patients who may be the person on the form.
    pub fn possible_duplicates(
        &self,
        form: &DemographicsForm,
        editing: Option<PatientId>,
    ) -> Result<Vec<DuplicateCandidate>, IpcError> {
        self.working_user()?;
        let candidate = PatientSummary {
            id: editing.unwrap_or(PatientId::from_uuid(uuid::Uuid::nil())),
            patient_number: String::new(),
            full_name: form.full_name.trim().to_owned(),
            phone: form.phone.clone().filter(|p| !p.trim().is_empty()),
            date_of_birth: form
                .date_of_birth
                .as_deref()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok()),
        };
        let patients = self.with_store(|s| s.patients())?;
        // The patient being edited is the candidate's own id: never their own duplicate.
        Ok(registry::possible_duplicates(&candidate, &patients)
            .into_iter()
            .map(|(p, reason)| DuplicateCandidate {
                patient: p.clone(),
                reason,
            })
            .collect())
    }

    /// Registry changes the server refused, with what they were.
    pub fn rejected_changes(&self) -> Result<Vec<RejectedChange>, IpcError> {
        self.working_user()?;
        let rejected = self.with_store(|s| s.rejected_commands())?;
        Ok(rejected
            .into_iter()
            .filter_map(|r| {
                let patient = r.envelope.command.patient()?;
                let (kind, number, demographics) = match &r.envelope.command {
                    Command::RegisterPatient {
                        patient_number,
                        demographics,
                        ..
                    } => (
                        "register_patient",
                        Some(patient_number.clone()),
                        demographics,
                    ),
                    Command::UpdatePatient { demographics, .. } => {
                        ("update_patient", None, demographics)
                    }
                    // Booking conflicts are listed with the appointment book; messages with
                    // their conversation; changes to the books with the invoice.
                    Command::BookAppointment { .. }
                    | Command::StepAppointment { .. }
                    | Command::SendMessage { .. }
                    | Command::Bill { .. } => return None,
                };
                Some(RejectedChange {
                    command: r.envelope.id,
                    kind: kind.to_owned(),
                    patient_name: demographics.full_name.clone(),
                    patient_number: number,
                    patient,
                    form: DemographicsForm::from(demographics),
                    rejection: r.rejection,
                    rejected_at: r.rejected_at,
                })
            })
            .collect())
    }

    pub fn dismiss_rejected(&self, command: CommandId) -> Result<(), IpcError> {
        self.working_user()?;
        self.with_store(|s| s.dismiss_rejected(command).map(|_| ()))
    }
}
