//! Invoices as stored and attempts to pay online. The SQL, compiled once per backend.

use clinic_core::billing::online::{AttemptState, OnlineAttempt};
use clinic_core::billing::takings::{
    DoctorTotal, MethodTotal, ServiceTotal, Takings, TakingsPeriod,
};
use clinic_core::billing::{InvoiceRecord, PaymentMethod};
use clinic_core::money::{Currency, Money};

use super::*;

fn state_name(state: &AttemptState) -> &'static str {
    match state {
        AttemptState::Started => "started",
        AttemptState::Paid { .. } => "paid",
        AttemptState::NotPaid { .. } => "not_paid",
        AttemptState::Held { .. } => "held",
    }
}

impl Books for Backend {
    async fn invoice(&self, id: uuid::Uuid) -> Result<Option<InvoiceRecord>, StorageError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT record FROM invoice WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(text,)| read_record("invoice", &text)).transpose()
    }

    async fn start_attempt(
        &self,
        attempt: &OnlineAttempt,
        tran_id: &str,
        at_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO online_payment (id, tran_id, invoice_id, amount_minor, currency, state,
               record, state_detail, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(attempt.id.to_string())
        .bind(tran_id)
        .bind(attempt.invoice.to_string())
        .bind(attempt.amount.minor)
        .bind(attempt.amount.currency.code().to_owned())
        .bind(state_name(&attempt.state))
        .bind(write_record(attempt)?)
        .bind(write_record(&attempt.state)?)
        .bind(at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn attempt_by_transaction(
        &self,
        tran_id: &str,
    ) -> Result<Option<OnlineAttempt>, StorageError> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT record, state_detail FROM online_payment WHERE tran_id = $1")
                .bind(tran_id)
                .fetch_optional(&self.pool)
                .await?;
        let Some((record, state)) = row else {
            return Ok(None);
        };
        let mut attempt: OnlineAttempt = read_record("online payment", &record)?;
        attempt.state = read_record("online payment state", &state)?;
        Ok(Some(attempt))
    }

    async fn set_attempt_state(
        &self,
        id: uuid::Uuid,
        state: &AttemptState,
        at_ms: i64,
    ) -> Result<bool, StorageError> {
        let val_id = match state {
            AttemptState::Paid { val_id, .. } => Some(val_id.clone()),
            _ => None,
        };
        // One statement, so notices handled at once never wait on each other's reads; and paid
        // is final: a notice handled alongside the payment's never undoes it.
        let changed = sqlx::query(
            "UPDATE online_payment SET state = $1, state_detail = $2, val_id = COALESCE($3, val_id),
               updated_at = $4 WHERE id = $5 AND state <> 'paid'",
        )
        .bind(state_name(state))
        .bind(write_record(state)?)
        .bind(val_id)
        .bind(at_ms)
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(changed.rows_affected() > 0)
    }

    async fn note_provider_notice(
        &self,
        tran_id: &str,
        verdict: &str,
        at_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO provider_notice (id, tran_id, verdict, received_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(tran_id.chars().take(64).collect::<String>())
        .bind(verdict)
        .bind(at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn provider_notices(&self, tran_id: &str) -> Result<Vec<(String, i64)>, StorageError> {
        Ok(sqlx::query_as(
            "SELECT verdict, received_at FROM provider_notice WHERE tran_id = $1 ORDER BY id",
        )
        .bind(tran_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn takings(
        &self,
        period: TakingsPeriod,
        currency: Currency,
    ) -> Result<Takings, StorageError> {
        let (from, to) = (
            period.starts.timestamp_millis(),
            period.ends.timestamp_millis(),
        );
        let (first, last) = (period.from.to_string(), period.to.to_string());
        let money = |minor: i64| Money::new(minor, currency);
        // From the days' sums the push group keeps: a year is a few thousand rows.
        let movements: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT method, direction, CAST(SUM(amount_minor) AS BIGINT),
                    CAST(SUM(movements) AS BIGINT)
             FROM money_day WHERE local_day >= $1 AND local_day <= $2 AND currency = $3
             GROUP BY method, direction ORDER BY method",
        )
        .bind(&first)
        .bind(&last)
        .bind(currency.code().to_owned())
        .fetch_all(&self.pool)
        .await?;
        let mut received = Vec::new();
        let mut refunded = money(0);
        for (method, direction, sum, count) in movements {
            if direction == "out" {
                refunded = refunded.checked_add(money(sum)).unwrap_or(money(i64::MAX));
                continue;
            }
            let method: PaymentMethod =
                serde_json::from_value(serde_json::Value::String(method))
                    .map_err(|e| StorageError::Corrupt(format!("payment method: {e}")))?;
            received.push(MethodTotal {
                method,
                amount: money(sum),
                payments: count as u64,
            });
        }
        let lines: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT kind, doctor_id, service_code, CAST(SUM(total_minor) AS BIGINT)
             FROM takings_day WHERE local_day >= $1 AND local_day <= $2
             GROUP BY kind, doctor_id, service_code HAVING SUM(total_minor) <> 0
             ORDER BY kind, doctor_id, service_code",
        )
        .bind(&first)
        .bind(&last)
        .fetch_all(&self.pool)
        .await?;
        let (mut by_doctor, mut by_service, mut other) = (Vec::new(), Vec::new(), money(0));
        for (kind, doctor, service, sum) in lines {
            match (kind.as_str(), doctor, service) {
                ("consultation", doctor, _) if !doctor.is_empty() => by_doctor.push(DoctorTotal {
                    doctor: parse_id(&doctor)?,
                    amount: money(sum),
                }),
                ("service", _, code) if !code.is_empty() => by_service.push(ServiceTotal {
                    code,
                    amount: money(sum),
                }),
                _ => other = other.checked_add(money(sum)).unwrap_or(money(i64::MAX)),
            }
        }
        let (outstanding_invoices, outstanding): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(total_minor - paid_minor), 0) AS BIGINT)
             FROM invoice WHERE state = 'issued' AND paid_minor < total_minor",
        )
        .fetch_one(&self.pool)
        .await?;
        let online: Vec<(String, i64)> = sqlx::query_as(
            "SELECT state, COUNT(*) FROM online_payment
             WHERE created_at >= $1 AND created_at < $2 GROUP BY state",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let count = |state: &str| {
            online
                .iter()
                .find(|(s, _)| s == state)
                .map_or(0, |(_, n)| *n as u64)
        };
        Ok(Takings {
            period,
            currency,
            net: Takings::net_of(&received, refunded),
            received,
            refunded,
            billed_by_doctor: by_doctor,
            billed_by_service: by_service,
            billed_other: other,
            outstanding_invoices: outstanding_invoices as u64,
            outstanding: money(outstanding),
            online_not_paid: count("not_paid"),
            online_held: count("held"),
        })
    }
}
