//! Accounts, their sessions, and the devices they sign in from (each with its desk code). The SQL, compiled once per backend.

use clinic_core::UserId;

use super::*;

impl Accounts for Backend {
    async fn count_accounts(&self) -> Result<i64, StorageError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM account")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn create_account(
        &self,
        account: &NewAccount,
        patient: Option<&PatientDemographics>,
        doctor: Option<&DoctorRecord>,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        // A patient account joins the registry, a doctor the directory: lock the
        // change-log head first.
        let head: Option<(i64, i64)> = match (patient, doctor) {
            (Some(_), _) | (_, Some(_)) => Some(
                sqlx::query_as(
                    "UPDATE change_head SET seq = seq + 1,
                       next_server_serial = next_server_serial + 1
                     WHERE id = 1 RETURNING seq, next_server_serial - 1",
                )
                .fetch_one(&mut *tx)
                .await?,
            ),
            (None, None) => None,
        };
        sqlx::query(
            "INSERT INTO account (id, email, display_name, role, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(account.id.to_string())
        .bind(&account.email)
        .bind(&account.display_name)
        .bind(account.role.as_str())
        .bind(&account.password_hash)
        .bind(account.created_at_ms)
        .execute(&mut *tx)
        .await
        .map_err(map_insert_error)?;
        if let (Some(p), Some((seq, first_serial))) = (patient, head) {
            // The next free server number (a number is never reused, even one that got
            // into the registry some other way).
            let mut serial = first_serial;
            let number = loop {
                let number = clinic_core::sync::patient_number(
                    clinic_core::sync::SERVER_DESK_CODE,
                    u32::try_from(serial).unwrap_or(u32::MAX),
                );
                let taken: Option<(String,)> =
                    sqlx::query_as("SELECT id FROM patient WHERE patient_number = $1")
                        .bind(&number)
                        .fetch_optional(&mut *tx)
                        .await?;
                if taken.is_none() {
                    break number;
                }
                serial += 1;
            };
            if serial != first_serial {
                sqlx::query("UPDATE change_head SET next_server_serial = $1 WHERE id = 1")
                    .bind(serial + 1)
                    .execute(&mut *tx)
                    .await?;
            }
            let record = clinic_core::sync::PatientRecord {
                id: clinic_core::PatientId::from_uuid(*account.id.as_uuid()),
                patient_number: number,
                demographics: p.clone(),
                account: Some(account.id),
            };
            sqlx::query(
                "INSERT INTO patient (id, patient_number, account_id, full_name, sex,
                   date_of_birth, phone, email, address, emergency_contact, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(record.id.to_string())
            .bind(&record.patient_number)
            .bind(account.id.to_string())
            .bind(&p.full_name)
            .bind(p.sex.map(Sex::as_str))
            .bind(p.date_of_birth.map(|d| d.to_string()))
            .bind(&p.phone)
            .bind(&p.email)
            .bind(&p.address)
            .bind(&p.emergency_contact)
            .bind(account.created_at_ms)
            .execute(&mut *tx)
            .await?;
            append_change(&mut tx, seq, &record, account.created_at_ms).await?;
        }
        if let (Some(d), Some((seq, _))) = (doctor, head) {
            write_doctor(&mut tx, seq, d, account.created_at_ms).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<StoredAccount>, StorageError> {
        let row: Option<AccountRow> = sqlx::query_as(
            "SELECT id, email, display_name, role, password_hash FROM account WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.map(account_from_row).transpose()
    }

    async fn account_by_id(&self, id: UserId) -> Result<Option<StoredAccount>, StorageError> {
        let row: Option<AccountRow> = sqlx::query_as(
            "SELECT id, email, display_name, role, password_hash FROM account WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(account_from_row).transpose()
    }

    async fn list_accounts(&self) -> Result<Vec<StoredAccount>, StorageError> {
        let rows: Vec<AccountRow> = sqlx::query_as(
            "SELECT id, email, display_name, role, password_hash FROM account
             ORDER BY role, display_name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(account_from_row).collect()
    }

    async fn create_session(
        &self,
        token_hash: &str,
        account: UserId,
        device_name: Option<&str>,
        desk_code: Option<u32>,
        created_at_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO session (token_hash, account_id, device_name, desk_code, created_at,
               expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(account.to_string())
        .bind(device_name)
        .bind(desk_code.map(i64::from))
        .bind(created_at_ms)
        .bind(expires_at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<StoredSession>, StorageError> {
        #[allow(clippy::type_complexity)]
        let row: Option<(
            String,
            String,
            String,
            String,
            String,
            i64,
            Option<i64>,
            Option<String>,
            Option<i64>,
        )> = sqlx::query_as(
            "SELECT a.id, a.email, a.display_name, a.role, a.password_hash,
                        s.expires_at, s.revoked_at, s.device_name, s.desk_code
                 FROM session s JOIN account a ON a.id = s.account_id
                 WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some((id, email, name, role, hash, expires_at_ms, revoked_at, device_name, desk_code)) =
            row
        else {
            return Ok(None);
        };
        Ok(Some(StoredSession {
            account: account_from_row((id, email, name, role, hash))?,
            expires_at_ms,
            revoked: revoked_at.is_some(),
            device_name,
            desk_code: desk_code.and_then(|c| u32::try_from(c).ok()),
        }))
    }

    async fn revoke_session(&self, token_hash: &str, at_ms: i64) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE session SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
        )
        .bind(at_ms)
        .bind(token_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn desk_code(
        &self,
        device: uuid::Uuid,
        account: UserId,
        at_ms: i64,
    ) -> Result<u32, StorageError> {
        for _ in 0..5 {
            let known: Option<(i64,)> =
                sqlx::query_as("SELECT desk_code FROM device WHERE id = $1")
                    .bind(device.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
            if let Some((code,)) = known {
                return u32::try_from(code)
                    .map_err(|_| StorageError::Corrupt(format!("desk code {code}")));
            }
            // Two new devices at once may pick the same next code: one insert then fails
            // the unique constraint and goes round again.
            let inserted = sqlx::query(
                "INSERT INTO device (id, desk_code, account_id, created_at)
                 SELECT $1, COALESCE(MAX(desk_code), $2) + 1, $3, $4 FROM device",
            )
            .bind(device.to_string())
            .bind(i64::from(clinic_core::sync::SERVER_DESK_CODE))
            .bind(account.to_string())
            .bind(at_ms)
            .execute(&self.pool)
            .await;
            match inserted {
                Ok(_) => {}
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(StorageError::Corrupt(
            "could not give this device a desk code".to_owned(),
        ))
    }
}
