//! Shared by the server benchmarks: a throwaway PostgreSQL database, and appointments written
//! straight into the server's table (a history in the past cannot be booked through pushes).
#![allow(dead_code, unused_macros, unused_imports)]

use clinic_sync::PostgresStorage;

/// A new, empty database on the PostgreSQL server `admin_url` names.
pub async fn fresh_postgres(admin_url: &str) -> PostgresStorage {
    let pool = sqlx::PgPool::connect(admin_url).await.unwrap();
    let name = format!("clinic_bench_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .unwrap();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    PostgresStorage::connect(&format!("{base}/{name}"))
        .await
        .unwrap()
}

/// Write `$appointment` (a `clinic_core::appointment::AppointmentRecord`) into the
/// `appointment` table of `$pool` (either backend's pool).
macro_rules! insert_appointment {
    ($pool:expr, $appointment:expr) => {{
        let a: &clinic_core::appointment::AppointmentRecord = $appointment;
        sqlx::query(
            "INSERT INTO appointment (id, patient_id, doctor_id, status, slot_start, slot_end,
               local_day, token, record, booked_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        )
        .bind(a.id.to_string())
        .bind(a.patient.to_string())
        .bind(a.doctor.to_string())
        .bind(a.status.as_str())
        .bind(a.slot.map(|s| s.start.timestamp_millis()))
        .bind(a.slot.map(|s| s.end.timestamp_millis()))
        .bind(a.day.to_string())
        .bind(a.token.map(i64::from))
        .bind(serde_json::to_string(a).unwrap())
        .bind(a.slot.map_or(0, |s| s.start.timestamp_millis()))
        .execute($pool)
        .await
        .unwrap();
    }};
}
pub(crate) use insert_appointment;
