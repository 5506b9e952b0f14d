//! Consultation notes. The SQL, compiled once per backend.

use super::*;

impl Notes for Backend {
    async fn note(
        &self,
        appointment: clinic_core::AppointmentId,
    ) -> Result<Option<clinic_core::consultation::NoteRecord>, StorageError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT record FROM consultation_note WHERE appointment_id = $1")
                .bind(appointment.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(text,)| read_record("consultation note", &text))
            .transpose()
    }

    async fn save_note(
        &self,
        record: &clinic_core::consultation::NoteRecord,
        event: &crate::audit::AuditEvent,
        at_ms: i64,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO consultation_note (appointment_id, patient_id, doctor_id, record, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (appointment_id) DO UPDATE SET record = excluded.record,
               updated_at = excluded.updated_at",
        )
        .bind(record.appointment.to_string())
        .bind(record.patient.to_string())
        .bind(record.doctor.to_string())
        .bind(write_record(record)?)
        .bind(at_ms)
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, event, at_ms, self.audit_key.get()).await?;
        tx.commit().await?;
        Ok(())
    }
}
