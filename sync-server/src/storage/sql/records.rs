//! The chart's other parts: clinical summary, consents, reports and documents. The SQL, compiled once per backend.

use clinic_core::UserId;

use super::*;

impl Records for Backend {
    async fn clinical_summary(
        &self,
        patient: clinic_core::PatientId,
    ) -> Result<clinic_core::chart::ClinicalSummary, StorageError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT record FROM clinical_summary WHERE patient_id = $1")
                .bind(patient.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(t,)| read_record("clinical summary", &t))
            .transpose()
            .map(Option::unwrap_or_default)
    }

    async fn save_clinical_summary(
        &self,
        patient: clinic_core::PatientId,
        summary: &clinic_core::chart::ClinicalSummary,
        by: UserId,
        at_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO clinical_summary (patient_id, record, updated_by, updated_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (patient_id) DO UPDATE SET record = excluded.record,
               updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(patient.to_string())
        .bind(write_record(summary)?)
        .bind(by.to_string())
        .bind(at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn save_consent(
        &self,
        c: &clinic_core::consent::ConsentRecord,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO consent (id, patient_id, purpose, given, recorded_by, recorded_at, note)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(c.id.to_string())
        .bind(c.patient.to_string())
        .bind(c.purpose.as_str())
        .bind(match c.given {
            clinic_core::consent::ConsentGiven::ByThePatient => "by_the_patient",
            clinic_core::consent::ConsentGiven::Spoken => "spoken",
        })
        .bind(c.recorded_by.to_string())
        .bind(c.recorded_at.timestamp_millis())
        .bind(c.note.as_deref())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn consents(
        &self,
        patient: clinic_core::PatientId,
    ) -> Result<Vec<clinic_core::consent::ConsentRecord>, StorageError> {
        let rows: Vec<(String, String, String, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT id, purpose, given, recorded_by, recorded_at, note FROM consent
             WHERE patient_id = $1 ORDER BY recorded_at DESC, id DESC",
        )
        .bind(patient.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, purpose, given, by, at, note)| {
                let word = |w: String| serde_json::Value::String(w);
                Ok(clinic_core::consent::ConsentRecord {
                    id: id
                        .parse()
                        .map_err(|_| StorageError::Corrupt("consent id".into()))?,
                    patient,
                    purpose: serde_json::from_value(word(purpose))
                        .map_err(|_| StorageError::Corrupt("consent purpose".into()))?,
                    given: serde_json::from_value(word(given))
                        .map_err(|_| StorageError::Corrupt("consent given".into()))?,
                    recorded_by: parse_id(&by)?,
                    recorded_at: chrono::DateTime::from_timestamp_millis(at)
                        .ok_or_else(|| StorageError::Corrupt("consent time".into()))?,
                    note,
                })
            })
            .collect()
    }

    async fn patient_documents(
        &self,
        patient: clinic_core::PatientId,
    ) -> Result<Vec<clinic_core::chart::PatientDocument>, StorageError> {
        let rows: Vec<(String, Option<i64>)> = sqlx::query_as(
            "SELECT record, seen_by_patient_at FROM patient_document WHERE patient_id = $1
             ORDER BY uploaded_at DESC, id DESC",
        )
        .bind(patient.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(t, seen)| document_with_seen(&t, seen))
            .collect()
    }

    async fn patient_document(
        &self,
        id: uuid::Uuid,
    ) -> Result<Option<(clinic_core::chart::PatientDocument, Vec<u8>)>, StorageError> {
        let row: Option<(String, Option<i64>, Vec<u8>)> = sqlx::query_as(
            "SELECT d.record, d.seen_by_patient_at, b.sealed FROM patient_document d
             JOIN blob b ON b.sha256 = d.sha256 WHERE d.id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(t, seen, sealed)| Ok((document_with_seen(&t, seen)?, sealed)))
            .transpose()
    }

    async fn mark_document_seen(&self, id: uuid::Uuid, at_ms: i64) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE patient_document SET seen_by_patient_at = $2
             WHERE id = $1 AND seen_by_patient_at IS NULL",
        )
        .bind(id.to_string())
        .bind(at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
