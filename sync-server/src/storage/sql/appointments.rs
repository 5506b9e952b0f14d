//! The appointment book: slot-holding times, appointments, visits and their rooms. The SQL, compiled once per backend.

use clinic_core::UserId;

use super::*;

impl AppointmentBook for Backend {
    async fn busy(
        &self,
        doctor: Option<UserId>,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<clinic_core::availability::Busy>, StorageError> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(concat!(
            "SELECT doctor_id, slot_start, slot_end FROM appointment
             WHERE (CAST($1 AS TEXT) IS NULL OR doctor_id = $1) AND slot_start >= $2 AND slot_start < $3
               AND status IN ",
            slot_holding!(),
            " ORDER BY doctor_id, slot_start"
        ))
        .bind(doctor.map(|d| d.to_string()))
        .bind(from.timestamp_millis())
        .bind(to.timestamp_millis())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(doctor, s, e)| {
                Ok(clinic_core::availability::Busy {
                    doctor: parse_id(&doctor)?,
                    start: from_millis(s)?,
                    end: from_millis(e)?,
                })
            })
            .collect()
    }

    async fn appointment(
        &self,
        id: clinic_core::AppointmentId,
    ) -> Result<Option<clinic_core::appointment::AppointmentRecord>, StorageError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT record FROM appointment WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(text,)| read_record("appointment", &text))
            .transpose()
    }

    async fn cares_for(
        &self,
        doctor: UserId,
        patient: clinic_core::PatientId,
    ) -> Result<bool, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT record FROM appointment WHERE doctor_id = $1 AND patient_id = $2",
        )
        .bind(doctor.to_string())
        .bind(patient.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut theirs = Vec::with_capacity(rows.len());
        for (text,) in rows {
            theirs.push(read_record("appointment", &text)?);
        }
        Ok(clinic_core::care::treats(doctor, &theirs))
    }

    async fn consultations(
        &self,
        patient: clinic_core::PatientId,
    ) -> Result<
        Vec<(
            clinic_core::appointment::AppointmentRecord,
            Option<clinic_core::consultation::NoteRecord>,
        )>,
        StorageError,
    > {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT a.record, n.record FROM appointment a
             LEFT JOIN consultation_note n ON n.appointment_id = a.id
             WHERE a.patient_id = $1 AND a.status IN ('in_consultation', 'completed')
             ORDER BY COALESCE(a.slot_start, a.booked_at) DESC",
        )
        .bind(patient.to_string())
        .fetch_all(&self.pool)
        .await?;
        visits_from_rows(rows)
    }

    async fn patient_visits(
        &self,
        patient: clinic_core::PatientId,
    ) -> Result<
        Vec<(
            clinic_core::appointment::AppointmentRecord,
            Option<clinic_core::consultation::NoteRecord>,
        )>,
        StorageError,
    > {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT a.record, n.record FROM appointment a
             LEFT JOIN consultation_note n ON n.appointment_id = a.id
             WHERE a.patient_id = $1",
        )
        .bind(patient.to_string())
        .fetch_all(&self.pool)
        .await?;
        visits_from_rows(rows)
    }

    async fn patient_messages(
        &self,
        patient: clinic_core::PatientId,
    ) -> Result<Vec<clinic_core::chat::MessageRecord>, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT record FROM message WHERE patient_id = $1 ORDER BY received_at, id",
        )
        .bind(patient.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|(t,)| read_record("message", t)).collect()
    }

    async fn meeting_room(
        &self,
        appointment: clinic_core::AppointmentId,
        at_ms: i64,
    ) -> Result<String, StorageError> {
        sqlx::query(
            "INSERT INTO meeting (appointment_id, room, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (appointment_id) DO NOTHING",
        )
        .bind(appointment.to_string())
        .bind(new_room())
        .bind(at_ms)
        .execute(&self.pool)
        .await?;
        let (room,): (String,) =
            sqlx::query_as("SELECT room FROM meeting WHERE appointment_id = $1")
                .bind(appointment.to_string())
                .fetch_one(&self.pool)
                .await?;
        Ok(room)
    }
}
