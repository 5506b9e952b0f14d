//! The patient registry and the doctors' directory as stored. The SQL, compiled once per backend.

use clinic_core::UserId;

use super::*;

impl Registry for Backend {
    async fn patient_profile(
        &self,
        account: UserId,
    ) -> Result<Option<clinic_core::sync::PatientRecord>, StorageError> {
        let row: Option<PatientRow> = sqlx::query_as(concat!(
            "SELECT ",
            patient_columns!(),
            " FROM patient WHERE account_id = $1"
        ))
        .bind(account.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(record_from_row).transpose()
    }

    async fn update_patient_profile(
        &self,
        account: UserId,
        p: &PatientDemographics,
        at_ms: i64,
    ) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        let (seq,): (i64,) =
            sqlx::query_as("UPDATE change_head SET seq = seq + 1 WHERE id = 1 RETURNING seq")
                .fetch_one(&mut *tx)
                .await?;
        let updated = sqlx::query(
            "UPDATE patient SET full_name = $1, sex = $2, date_of_birth = $3,
               phone = $4, address = $5, emergency_contact = $6, updated_at = $7
             WHERE account_id = $8",
        )
        .bind(&p.full_name)
        .bind(p.sex.map(Sex::as_str))
        .bind(p.date_of_birth.map(|d| d.to_string()))
        .bind(&p.phone)
        .bind(&p.address)
        .bind(&p.emergency_contact)
        .bind(at_ms)
        .bind(account.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        sqlx::query("UPDATE account SET display_name = $1 WHERE id = $2")
            .bind(&p.full_name)
            .bind(account.to_string())
            .execute(&mut *tx)
            .await?;
        let row: PatientRow = sqlx::query_as(concat!(
            "SELECT ",
            patient_columns!(),
            " FROM patient WHERE account_id = $1"
        ))
        .bind(account.to_string())
        .fetch_one(&mut *tx)
        .await?;
        let record = record_from_row(row)?;
        append_change(&mut tx, seq, &record, at_ms).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn patient_account(
        &self,
        patient: clinic_core::PatientId,
    ) -> Result<Option<Option<UserId>>, StorageError> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT account_id FROM patient WHERE id = $1")
                .bind(patient.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(a,)| a.map(|a| parse_id(&a)).transpose())
            .transpose()
    }

    async fn patient_record(
        &self,
        patient: clinic_core::PatientId,
    ) -> Result<Option<clinic_core::sync::PatientRecord>, StorageError> {
        let row: Option<PatientRow> = sqlx::query_as(concat!(
            "SELECT ",
            patient_columns!(),
            " FROM patient WHERE id = $1"
        ))
        .bind(patient.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(record_from_row).transpose()
    }

    async fn doctors(&self) -> Result<Vec<DoctorRecord>, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT record FROM doctor")
            .fetch_all(&self.pool)
            .await?;
        let mut doctors = rows
            .into_iter()
            .map(|(text,)| read_record::<DoctorRecord>("doctor", &text))
            .collect::<Result<Vec<_>, _>>()?;
        doctors.sort_by(|a, b| a.profile.display_name.cmp(&b.profile.display_name));
        Ok(doctors)
    }

    async fn doctor(&self, id: UserId) -> Result<Option<DoctorRecord>, StorageError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT record FROM doctor WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(text,)| read_record("doctor", &text)).transpose()
    }

    async fn save_doctor(&self, record: &DoctorRecord, at_ms: i64) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        let (seq,): (i64,) =
            sqlx::query_as("UPDATE change_head SET seq = seq + 1 WHERE id = 1 RETURNING seq")
                .fetch_one(&mut *tx)
                .await?;
        write_doctor(&mut tx, seq, record, at_ms).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn backfill_doctors(&self) -> Result<u64, StorageError> {
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT a.id, a.display_name, d.specialty, d.weekly_hours, a.created_at
             FROM doctor_profile d JOIN account a ON a.id = d.account_id
             WHERE d.account_id NOT IN (SELECT id FROM doctor)",
        )
        .fetch_all(&self.pool)
        .await?;
        let moved = rows.len() as u64;
        for (id, name, specialty, hours, created_at) in rows {
            let hours: Vec<WorkingHours> = serde_json::from_str(&hours)
                .map_err(|e| StorageError::Corrupt(format!("weekly hours: {e}")))?;
            let id = parse_id(&id)?;
            // Doctors of the first schema were made by an admin: they count as verified.
            let record = DoctorRecord {
                id,
                profile: clinic_core::doctor::DoctorProfile {
                    display_name: name,
                    specialty,
                    qualifications: String::new(),
                    registration_number: String::new(),
                    experience_years: 0,
                    city: String::new(),
                    languages: vec![],
                    fees: clinic_core::doctor::Fees {
                        in_person: 0,
                        video: 0,
                    },
                    bio: String::new(),
                },
                verification: clinic_core::doctor::Verification::Verified,
                pattern: clinic_core::availability::WorkingPattern {
                    doctor: id,
                    weekly: clinic_core::doctor::weekly_sessions(&hours),
                    in_person_minutes: 15,
                    video_minutes: 15,
                    buffer_minutes: 0,
                    daily_cap: None,
                    leave: vec![],
                    exceptions: vec![],
                },
            };
            self.save_doctor(&record, created_at).await?;
        }
        Ok(moved)
    }
}

/// Append one patient's record to the change log as entry `seq` (a change the server made
/// itself, not a pushed command), inside a transaction `tx` that holds the head row.
pub(super) async fn append_change(
    tx: &mut Conn,
    seq: i64,
    record: &clinic_core::sync::PatientRecord,
    at_ms: i64,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO change_log (seq, patient_id, body, command_id, created_at)
         VALUES ($1, $2, $3, NULL, $4)",
    )
    .bind(seq)
    .bind(record.id.to_string())
    .bind(encode_body(record)?)
    .bind(at_ms)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Write a doctor's record (insert or replace) and its change-log entry `seq` (about no
/// patient: staff devices receive it, patients' devices do not), inside `tx` holding the head.
pub(super) async fn write_doctor(
    tx: &mut Conn,
    seq: i64,
    record: &DoctorRecord,
    at_ms: i64,
) -> Result<(), StorageError> {
    let text = write_record(record)?;
    sqlx::query(
        "INSERT INTO doctor (id, record, verified, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET record = excluded.record,
           verified = excluded.verified, updated_at = excluded.updated_at",
    )
    .bind(record.id.to_string())
    .bind(&text)
    .bind(record.verification.is_verified())
    .bind(at_ms)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO change_log (seq, patient_id, body, command_id, created_at)
         VALUES ($1, '', $2, NULL, $3)",
    )
    .bind(seq)
    .bind(write_record(&clinic_core::sync::ChangeBody::Doctor(
        Box::new(record.clone()),
    ))?)
    .bind(at_ms)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
