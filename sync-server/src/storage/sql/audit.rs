//! The audit trail: a chain sealed with the audit key, its signed head and checkpoints. The SQL, compiled once per backend.

use clinic_core::UserId;

use super::*;

impl AuditTrail for Backend {
    async fn audit(
        &self,
        event: &crate::audit::AuditEvent,
        at_ms: i64,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        append_audit(&mut tx, event, at_ms, self.audit_key.get()).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_many(
        &self,
        events: &[crate::audit::AuditEvent],
        at_ms: i64,
    ) -> Result<(), StorageError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for event in events {
            append_audit(&mut tx, event, at_ms, self.audit_key.get()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn charts_served(
        &self,
        actor: UserId,
        device: &str,
    ) -> Result<Vec<clinic_core::PatientId>, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT patient_id FROM audit_entry
             WHERE actor = $1 AND device = $2
               AND action IN ('read_chart', 'prefetch_chart', 'break_glass')",
        )
        .bind(actor.to_string())
        .bind(device)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().filter_map(|(p,)| p.parse().ok()).collect())
    }

    async fn audit_entries_from(
        &self,
        from_seq: i64,
    ) -> Result<Vec<crate::audit::AuditEntry>, StorageError> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT seq, at, actor, role, action, subject, patient_id, prev_hash, hash, device,
                    chain_version
             FROM audit_entry WHERE seq >= $1 ORDER BY seq",
        )
        .bind(from_seq)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(audit_entry).collect())
    }

    async fn audit_page(
        &self,
        filter: &crate::audit::AuditFilter,
        limit: i64,
    ) -> Result<Vec<crate::audit::AuditEntry>, StorageError> {
        let mut q = sqlx::QueryBuilder::new(
            "SELECT seq, at, actor, role, action, subject, patient_id, prev_hash, hash, device,
                    chain_version
             FROM audit_entry WHERE 1 = 1",
        );
        let wanted = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        if let Some(patient) = wanted(&filter.patient) {
            q.push(" AND patient_id = ").push_bind(patient);
        }
        if let Some(actor) = wanted(&filter.actor) {
            q.push(" AND actor = ").push_bind(actor);
        }
        if let Some(action) = wanted(&filter.action) {
            q.push(" AND action = ").push_bind(action);
        }
        if let Some(from) = filter.from_ms {
            q.push(" AND at >= ").push_bind(from);
        }
        if let Some(to) = filter.to_ms {
            q.push(" AND at <= ").push_bind(to);
        }
        if let Some(before) = filter.before {
            q.push(" AND seq < ").push_bind(before);
        }
        q.push(" ORDER BY seq DESC LIMIT ").push_bind(limit);
        let rows: Vec<AuditRow> = q.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(audit_entry).collect())
    }

    async fn audit_count(&self) -> Result<i64, StorageError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_entry")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    async fn audit_key_fingerprint(&self) -> Result<Option<String>, StorageError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT fingerprint FROM audit_key_check WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(f,)| f))
    }

    async fn save_audit_key_fingerprint(&self, fingerprint: &str) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO audit_key_check (id, fingerprint) VALUES (1, $1)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(fingerprint)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn audit_newest_version(&self) -> Result<Option<i64>, StorageError> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT chain_version FROM audit_entry ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(v,)| v))
    }

    async fn audit_checkpoint(&self) -> Result<Option<crate::audit::AuditHead>, StorageError> {
        let row: Option<(i64, String, String)> =
            sqlx::query_as("SELECT seq, hash, mac FROM audit_checkpoint ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(seq, hash, mac)| crate::audit::AuditHead { seq, hash, mac }))
    }

    async fn save_audit_checkpoint(
        &self,
        c: &crate::audit::AuditHead,
        at_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO audit_checkpoint (seq, hash, mac, at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (seq) DO NOTHING",
        )
        .bind(c.seq)
        .bind(&c.hash)
        .bind(&c.mac)
        .bind(at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn audit_head(&self) -> Result<Option<crate::audit::AuditHead>, StorageError> {
        let row: Option<(i64, String, String)> =
            sqlx::query_as("SELECT seq, hash, mac FROM audit_head WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(seq, hash, mac)| crate::audit::AuditHead { seq, hash, mac }))
    }

    fn audit_key(&self) -> Option<&crate::audit::AuditKey> {
        self.audit_key.get()
    }

    fn set_audit_key(&self, key: crate::audit::AuditKey) {
        let _ = self.audit_key.set(key);
    }
}

/// Append `event` to the audit chain inside the transaction `tx`. The chain's last entry is read
/// with the row locked where the database can (PostgreSQL: the `change_head` row serialises
/// writers; SQLite allows one writer at a time anyway), so no two entries take the same place.
pub(super) async fn append_audit(
    tx: &mut Conn,
    event: &crate::audit::AuditEvent,
    at_ms: i64,
    key: Option<&crate::audit::AuditKey>,
) -> Result<(), StorageError> {
    // Serialise appenders on the change-log head row (held briefly).
    sqlx::query("UPDATE change_head SET seq = seq WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
    let (seq, prev) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, crate::audit::GENESIS.to_owned()),
    };
    let (hash, version) = match key {
        Some(key) => (key.entry_mac(&prev, seq, at_ms, event), crate::audit::KEYED),
        None => (
            crate::audit::entry_hash(&prev, seq, at_ms, event),
            crate::audit::UNKEYED,
        ),
    };
    sqlx::query(
    "INSERT INTO audit_entry (seq, at, actor, role, action, subject, patient_id, prev_hash, hash,
       device, chain_version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
)
.bind(seq)
.bind(at_ms)
.bind(&event.actor)
.bind(&event.role)
.bind(&event.action)
.bind(&event.subject)
.bind(&event.patient)
.bind(&prev)
.bind(&hash)
.bind(&event.device)
.bind(version)
.execute(&mut *tx)
.await?;
    // The signed head moves with the entry, in the same transaction.
    if let Some(key) = key {
        sqlx::query(
            "INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
           mac = excluded.mac",
        )
        .bind(seq)
        .bind(&hash)
        .bind(key.head_mac(seq, &hash))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
