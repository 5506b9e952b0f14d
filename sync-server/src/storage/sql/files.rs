//! Files: resumable uploads, conversation attachments, doctors' documents (sealed blobs). The SQL, compiled once per backend.

use clinic_core::UserId;

use super::*;

impl Files for Backend {
    async fn start_upload(&self, u: &UploadRow) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO upload (id, patient_id, uploaded_by, start, size, received, created_at)
             VALUES ($1, $2, $3, $4, $5, 0, $6)",
        )
        .bind(u.id.to_string())
        .bind(u.patient.to_string())
        .bind(u.uploaded_by.to_string())
        .bind(write_record(&u.start)?)
        .bind(u.start.size as i64)
        .bind(u.created_at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn upload(&self, id: uuid::Uuid) -> Result<Option<UploadRow>, StorageError> {
        let row: Option<(String, String, String, i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT patient_id, uploaded_by, start, received, created_at, document_id
             FROM upload WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(patient, by, start, received, created, document)| {
            Ok(UploadRow {
                id,
                patient: patient
                    .parse()
                    .map_err(|_| StorageError::Corrupt("upload patient".into()))?,
                uploaded_by: parse_id(&by)?,
                start: read_record("upload", &start)?,
                received: received as u64,
                created_at_ms: created,
                document: document.and_then(|d| d.parse().ok()),
            })
        })
        .transpose()
    }

    async fn append_chunk(
        &self,
        id: uuid::Uuid,
        offset: u64,
        len: u64,
        sealed: &[u8],
    ) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query("UPDATE upload SET received = $3 WHERE id = $1 AND received = $2")
            .bind(id.to_string())
            .bind(offset as i64)
            .bind((offset + len) as i64)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if moved != 1 {
            return Ok(false);
        }
        sqlx::query("INSERT INTO upload_chunk (upload_id, \"offset\", sealed) VALUES ($1, $2, $3)")
            .bind(id.to_string())
            .bind(offset as i64)
            .bind(sealed)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn upload_chunks(&self, id: uuid::Uuid) -> Result<Vec<(i64, Vec<u8>)>, StorageError> {
        Ok(sqlx::query_as(
            "SELECT \"offset\", sealed FROM upload_chunk WHERE upload_id = $1 ORDER BY \"offset\"",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?)
    }

    async fn finish_upload(
        &self,
        id: uuid::Uuid,
        d: &clinic_core::chart::PatientDocument,
        sealed: &[u8],
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        let at = d.uploaded_at.timestamp_millis();
        sqlx::query(
            "INSERT INTO blob (sha256, size, sealed, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&d.sha256)
        .bind(d.size as i64)
        .bind(sealed)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO patient_document (id, patient_id, sha256, record, uploaded_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(d.id.to_string())
        .bind(d.patient.to_string())
        .bind(&d.sha256)
        .bind(write_record(d)?)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM upload_chunk WHERE upload_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE upload SET document_id = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(d.id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn discard_upload(&self, id: uuid::Uuid) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM upload_chunk WHERE upload_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM upload WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn expire_uploads(&self, before_ms: i64) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM upload_chunk WHERE upload_id IN
               (SELECT id FROM upload WHERE document_id IS NULL AND created_at < $1)",
        )
        .bind(before_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM upload WHERE document_id IS NULL AND created_at < $1")
            .bind(before_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn open_uploads(&self, account: UserId) -> Result<i64, StorageError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM upload WHERE uploaded_by = $1 AND document_id IS NULL",
        )
        .bind(account.to_string())
        .fetch_one(&self.pool)
        .await?)
    }

    async fn attachment_count(
        &self,
        appointment: clinic_core::AppointmentId,
    ) -> Result<usize, StorageError> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM attachment WHERE appointment_id = $1")
                .bind(appointment.to_string())
                .fetch_one(&self.pool)
                .await?;
        Ok(n as usize)
    }

    async fn save_attachment(
        &self,
        a: &clinic_core::chat::Attachment,
        patient: clinic_core::PatientId,
        sealed: &[u8],
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        let at = a.uploaded_at.timestamp_millis();
        sqlx::query(
            "INSERT INTO blob (sha256, size, sealed, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&a.sha256)
        .bind(a.size as i64)
        .bind(sealed)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO attachment (id, appointment_id, patient_id, sha256, record,
               uploaded_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(a.id.to_string())
        .bind(a.appointment.to_string())
        .bind(patient.to_string())
        .bind(&a.sha256)
        .bind(write_record(a)?)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn attachment(
        &self,
        id: uuid::Uuid,
    ) -> Result<
        Option<(
            clinic_core::chat::Attachment,
            clinic_core::PatientId,
            Vec<u8>,
        )>,
        StorageError,
    > {
        let row: Option<(String, String, Vec<u8>)> = sqlx::query_as(
            "SELECT a.record, a.patient_id, b.sealed FROM attachment a
             JOIN blob b ON b.sha256 = a.sha256 WHERE a.id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(record, patient, sealed)| {
            Ok((
                read_record("attachment", &record)?,
                patient
                    .parse()
                    .map_err(|_| StorageError::Corrupt("attachment patient".into()))?,
                sealed,
            ))
        })
        .transpose()
    }

    async fn save_doctor_document(
        &self,
        d: &DoctorDocument,
        content: &[u8],
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO doctor_document (id, doctor_id, purpose, kind, size, sha256,
               file_name, content, uploaded_at, uploaded_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(d.id.to_string())
        .bind(d.doctor.to_string())
        .bind(d.purpose.as_str())
        .bind(d.kind.as_str())
        .bind(d.size as i64)
        .bind(&d.sha256)
        .bind(&d.file_name)
        .bind(content)
        .bind(d.uploaded_at.timestamp_millis())
        .bind(d.uploaded_by.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn doctor_documents(
        &self,
        doctor: UserId,
        purpose: DocumentPurpose,
    ) -> Result<Vec<DoctorDocument>, StorageError> {
        let rows: Vec<DocumentRow> = sqlx::query_as(concat!(
            "SELECT ",
            document_columns!(),
            " FROM doctor_document WHERE doctor_id = $1 AND purpose = $2
             ORDER BY uploaded_at DESC, id DESC"
        ))
        .bind(doctor.to_string())
        .bind(purpose.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(document_from_row).collect()
    }

    async fn doctor_document(
        &self,
        doctor: UserId,
        id: uuid::Uuid,
    ) -> Result<Option<(DoctorDocument, Vec<u8>)>, StorageError> {
        let row: Option<(DocumentRow, Vec<u8>)> = sqlx::query_as::<
            _,
            (
                String,
                String,
                String,
                String,
                i64,
                String,
                String,
                i64,
                String,
                Vec<u8>,
            ),
        >(concat!(
            "SELECT ",
            document_columns!(),
            ", content FROM doctor_document WHERE doctor_id = $1 AND id = $2"
        ))
        .bind(doctor.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .map(|(a, b, c, d, e, f, g, h, i, content)| ((a, b, c, d, e, f, g, h, i), content));
        row.map(|(r, content)| Ok((document_from_row(r)?, content)))
            .transpose()
    }
}
