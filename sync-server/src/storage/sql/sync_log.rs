//! The change log devices sync from: pushes applied in groups, pages pulled. The SQL, compiled once per backend.

use clinic_core::sync::{Command, CommandOutcome};

use super::*;

impl SyncLog for Backend {
    async fn apply_pushes(
        &self,
        pushes: Vec<(
            crate::sync::queue::Pusher,
            Vec<clinic_core::sync::PushedCommand>,
        )>,
        now: chrono::DateTime<chrono::Utc>,
        rules: crate::sync::queue::ClinicRules,
    ) -> Result<
        (
            Vec<Vec<clinic_core::sync::CommandOutcome>>,
            u64,
            crate::sync::events::Concerned,
        ),
        StorageError,
    > {
        let tz = rules.tz;
        let mut tx = self.pool.begin().await?;
        // First statement: the head row lock (see the module's invariant).
        let (start,): (i64,) =
            sqlx::query_as("UPDATE change_head SET seq = seq WHERE id = 1 RETURNING seq")
                .fetch_one(&mut *tx)
                .await?;
        // Pushes that arrive together share one transaction and one commit, and the reads
        // and writes of the whole group are made together: what the group needs to know is
        // read in a few queries, and each table is written in a few statements at the end.
        // Each push is still judged as its own user's, one command after another.
        let envelopes: Vec<&clinic_core::sync::CommandEnvelope> = pushes
            .iter()
            .flat_map(|(_, parsed)| parsed.iter().filter_map(|p| p.as_ref().ok()))
            .collect();
        let mut group = PushGroup::read(&mut tx, start, now, envelopes).await?;
        let mut answered = Vec::with_capacity(pushes.len());
        for (pusher, parsed) in pushes {
            group.batch.set_pusher(pusher);
            let mut outcomes = Vec::with_capacity(parsed.len());
            for item in parsed {
                let outcome = match item {
                    Err((id, rejection)) => CommandOutcome {
                        id,
                        result: clinic_core::sync::CommandResult::Rejected(rejection),
                    },
                    Ok(envelope) if matches!(envelope.command, Command::SendMessage { .. }) => {
                        group
                            .take_message(&envelope, now, rules.desk_in_conversations)
                            .await?
                    }
                    Ok(envelope) if matches!(envelope.command, Command::Bill { .. }) => {
                        group
                            .take_billing(&envelope, rules.currency, tz, now)
                            .await?
                    }
                    Ok(envelope) if envelope.command.appointment().is_some() => {
                        group.take_appointment_command(&envelope, tz, now).await?
                    }
                    Ok(envelope) => group.take_registry_command(&envelope)?,
                };
                outcomes.push(outcome);
            }
            answered.push(outcomes);
        }
        let batch = group.write().await?;

        let seq = batch.seq;
        if seq != start {
            sqlx::query("UPDATE change_head SET seq = $1 WHERE id = 1")
                .bind(seq)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        let concerned = crate::sync::events::Concerned::of(
            batch
                .changes
                .iter()
                .map(|(_, patient, _, _, audience)| (patient.as_str(), audience.as_deref())),
        );
        Ok((answered, seq as u64, concerned))
    }

    async fn pull(
        &self,
        scope: clinic_core::RegistryScope,
        after: u64,
        limit: u32,
    ) -> Result<crate::sync::PullPage, StorageError> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let fetch = i64::from(limit) + 1;
        // The head first: every change up to it has committed (appends commit in order), so
        // reading up to it and then moving the cursor to it skips nothing.
        let (head,): (i64,) = sqlx::query_as("SELECT seq FROM change_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        // A cursor beyond the head: this log is not the one the device followed (a restored
        // backup, a new server). Start it again from the beginning, and say so.
        let restarted = after > head;
        let after = if restarted { 0 } else { after };
        let rows: Vec<(i64, String)> = match scope {
            clinic_core::RegistryScope::WholeRegistry {
                account,
                front_desk,
                books,
            } => {
                // Clinical rows go to their audience: the doctor (`audience = doctor`), and
                // where the clinic opened conversations to the desk (`desk:<doctor>`), the
                // doctor and every front-desk account. The books (`audience = 'books'`) go to
                // the desk and the admins.
                sqlx::query_as(
                    "SELECT seq, body FROM change_log WHERE seq > $1 AND seq <= $2
                       AND (audience IS NULL OR audience = $4 OR audience = 'desk:' || $4
                            OR ($5 AND audience LIKE 'desk:%') OR ($6 AND audience = $7))
                     ORDER BY seq LIMIT $3",
                )
                .bind(after)
                .bind(head)
                .bind(fetch)
                .bind(account.to_string())
                .bind(front_desk)
                .bind(books)
                .bind(crate::sync::events::BOOKS_AUDIENCE)
                .fetch_all(&self.pool)
                .await?
            }
            clinic_core::RegistryScope::OwnRecord { account } => {
                sqlx::query_as(
                    "SELECT c.seq, c.body FROM change_log c
                     JOIN patient p ON p.id = c.patient_id
                     WHERE p.account_id = $1 AND c.seq > $2 AND c.seq <= $3
                     ORDER BY c.seq LIMIT $4",
                )
                .bind(account.to_string())
                .bind(after)
                .bind(head)
                .bind(fetch)
                .fetch_all(&self.pool)
                .await?
            }
        };
        let more = rows.len() as i64 > i64::from(limit);
        let changes: Vec<(u64, String)> = rows
            .into_iter()
            .take(limit as usize)
            .map(|(seq, body)| (seq as u64, body))
            .collect();
        // Without `more`, the device may skip to the head: changes outside its scope are
        // not its business.
        let cursor = match changes.last() {
            Some((seq, _)) if more => *seq,
            _ => head as u64,
        };
        Ok(crate::sync::PullPage {
            changes,
            cursor: cursor.max(after as u64),
            more,
            restarted,
        })
    }

    async fn head_seq(&self) -> Result<u64, StorageError> {
        let (head,): (i64,) = sqlx::query_as("SELECT seq FROM change_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(head as u64)
    }

    async fn backfill_change_log(&self) -> Result<u64, StorageError> {
        let mut tx = self.pool.begin().await?;
        let (mut seq,): (i64,) =
            sqlx::query_as("UPDATE change_head SET seq = seq WHERE id = 1 RETURNING seq")
                .fetch_one(&mut *tx)
                .await?;
        let rows: Vec<PatientRow> = sqlx::query_as(concat!(
            "SELECT ",
            patient_columns!(),
            " FROM patient WHERE id NOT IN (SELECT patient_id FROM change_log)
             ORDER BY patient_number"
        ))
        .fetch_all(&mut *tx)
        .await?;
        let added = rows.len() as u64;
        for row in rows {
            let record = record_from_row(row)?;
            seq += 1;
            append_change(&mut tx, seq, &record, 0_i64).await?;
        }
        sqlx::query("UPDATE change_head SET seq = $1 WHERE id = 1")
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(added)
    }
}
