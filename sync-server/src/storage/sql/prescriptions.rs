//! Prescriptions, every version kept. The SQL, compiled once per backend.

use super::*;

impl Prescriptions for Backend {
    async fn appointment_prescriptions(
        &self,
        appointment: clinic_core::AppointmentId,
    ) -> Result<Vec<clinic_core::prescription::PrescriptionRecord>, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT record FROM prescription WHERE appointment_id = $1
             ORDER BY version DESC",
        )
        .bind(appointment.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|(t,)| read_record("prescription", t))
            .collect()
    }

    async fn patient_prescriptions(
        &self,
        patient: clinic_core::PatientId,
    ) -> Result<Vec<clinic_core::prescription::PrescriptionRecord>, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT record FROM prescription WHERE patient_id = $1
             ORDER BY updated_at DESC, version DESC",
        )
        .bind(patient.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|(t,)| read_record("prescription", t))
            .collect()
    }

    async fn save_prescription(
        &self,
        p: &clinic_core::prescription::PrescriptionRecord,
    ) -> Result<PrescriptionSaved, StorageError> {
        use clinic_core::prescription::PrescriptionStatus;
        use PrescriptionSaved;
        let status = match p.status {
            PrescriptionStatus::Draft => "draft",
            PrescriptionStatus::Issued => "issued",
            PrescriptionStatus::Superseded => "superseded",
        };
        // The write comes first (a read first would make SQLite's transaction a reader
        // that cannot become the writer if another commits meanwhile); a code already
        // taken is the unique index's refusal.
        let mut tx = self.pool.begin().await?;
        let at = p.issued_at.unwrap_or(p.created_at).timestamp_millis();
        let written = sqlx::query(
            "INSERT INTO prescription (id, appointment_id, patient_id, doctor_id, version,
               status, code, record, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status,
               code = excluded.code, record = excluded.record,
               updated_at = excluded.updated_at
             WHERE prescription.status = 'draft'",
        )
        .bind(p.id.to_string())
        .bind(p.appointment.to_string())
        .bind(p.patient.to_string())
        .bind(p.doctor.to_string())
        .bind(i64::from(p.version))
        .bind(status)
        .bind(p.code.as_deref())
        .bind(write_record(p)?)
        .bind(at)
        .execute(&mut *tx)
        .await;
        match written {
            Ok(done) if done.rows_affected() == 1 => {}
            // The stored one is no longer a draft: nothing is written over it.
            Ok(_) => return Ok(PrescriptionSaved::Changed),
            // A code drawn at the same moment by another issue, or this version saved
            // first by another request.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Ok(if p.code.is_some() {
                    PrescriptionSaved::CodeTaken
                } else {
                    PrescriptionSaved::Changed
                });
            }
            Err(e) => return Err(e.into()),
        }
        if let (PrescriptionStatus::Issued, Some(old)) = (p.status, p.replaces) {
            let row: Option<(String,)> =
                sqlx::query_as("SELECT record FROM prescription WHERE id = $1")
                    .bind(old.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((text,)) = row {
                let mut previous: clinic_core::prescription::PrescriptionRecord =
                    read_record("prescription", &text)?;
                previous.status = PrescriptionStatus::Superseded;
                sqlx::query(
                    "UPDATE prescription SET status = 'superseded', record = $2
                     WHERE id = $1",
                )
                .bind(old.to_string())
                .bind(write_record(&previous)?)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(PrescriptionSaved::Saved)
    }

    async fn prescription_by_code(
        &self,
        code: &str,
    ) -> Result<Option<clinic_core::prescription::PrescriptionRecord>, StorageError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT record FROM prescription WHERE code = $1 AND status <> 'draft'")
                .bind(code)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(t,)| read_record("prescription", &t)).transpose()
    }
}
