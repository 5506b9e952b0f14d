//! Patients' records on this device: charts as last read from the server (so a chart opens
//! offline), documents with their content once had here, and charts read offline waiting to be
//! reported to the server's audit. All of it inside the encrypted store.

use chrono::{DateTime, Utc};
use clinic_core::chart::{ChartView, OfflineRead, PatientDocument};
use clinic_core::{PatientId, UserId};
use rusqlite::OptionalExtension;

use crate::{Store, StoreError};

/// A document as described by the server, with its content if this device has it.
pub type KeptDocument = (PatientDocument, Option<Vec<u8>>);

fn encoding(e: impl std::fmt::Display) -> StoreError {
    StoreError::Encoding(e.to_string())
}

impl Store {
    /// Keep a chart as the server sent it to `reader` (replacing their older copy), with its
    /// documents' descriptions. Only `reader` opens it from here later.
    pub fn keep_chart(&self, reader: UserId, chart: &ChartView) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO chart (patient_id, account_id, record, fetched_at) VALUES (?1, ?4, ?2, ?3)
             ON CONFLICT (patient_id, account_id) DO UPDATE SET record = excluded.record,
               fetched_at = excluded.fetched_at",
            (
                chart.patient.id.to_string(),
                serde_json::to_string(chart).map_err(encoding)?,
                chart.as_of.to_rfc3339(),
                reader.to_string(),
            ),
        )?;
        for document in &chart.documents {
            tx.execute(
                "INSERT INTO document (id, patient_id, record) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET record = excluded.record",
                (
                    document.id.to_string(),
                    document.patient.to_string(),
                    serde_json::to_string(document).map_err(encoding)?,
                ),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The chart as `reader` last read it from the server on this device, if they did.
    pub fn cached_chart(
        &self,
        reader: UserId,
        patient: PatientId,
    ) -> Result<Option<ChartView>, StoreError> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT record FROM chart WHERE patient_id = ?1 AND account_id = ?2")?
            .query_row([patient.to_string(), reader.to_string()], |r| r.get(0))
            .optional()?;
        text.map(|t| serde_json::from_str(&t).map_err(encoding))
            .transpose()
    }

    /// When `reader`'s kept copy of a patient's chart was read from the server.
    pub fn chart_fetched_at(
        &self,
        reader: UserId,
        patient: PatientId,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let text: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT fetched_at FROM chart WHERE patient_id = ?1 AND account_id = ?2",
            )?
            .query_row([patient.to_string(), reader.to_string()], |r| r.get(0))
            .optional()?;
        text.map(|t| {
            DateTime::parse_from_rfc3339(&t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(encoding)
        })
        .transpose()
    }

    /// Keep a document's description and, when given, its content (kept content is never
    /// dropped by a later call without it).
    pub fn keep_document(
        &self,
        document: &PatientDocument,
        content: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO document (id, patient_id, record, content) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET record = excluded.record,
               content = coalesce(excluded.content, document.content)",
            (
                document.id.to_string(),
                document.patient.to_string(),
                serde_json::to_string(document).map_err(encoding)?,
                content,
            ),
        )?;
        Ok(())
    }

    /// A document's description and, if this device has it, its content.
    pub fn document(&self, id: uuid::Uuid) -> Result<Option<KeptDocument>, StoreError> {
        let row: Option<(String, Option<Vec<u8>>)> = self
            .conn
            .prepare_cached("SELECT record, content FROM document WHERE id = ?1")?
            .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(t, content)| Ok((serde_json::from_str(&t).map_err(encoding)?, content)))
            .transpose()
    }

    /// `reader` read a chart from this device's copy at `at` (the server could not be reached).
    pub fn record_offline_read(
        &self,
        reader: UserId,
        patient: PatientId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO offline_read (account_id, patient_id, read_at) VALUES (?1, ?2, ?3)",
            (reader.to_string(), patient.to_string(), at.to_rfc3339()),
        )?;
        Ok(())
    }

    /// `reader`'s offline reads not yet reported, oldest first, with the last one's number
    /// (each reader's are reported with their own session).
    pub fn offline_reads(&self, reader: UserId) -> Result<(Vec<OfflineRead>, i64), StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, patient_id, read_at FROM offline_read WHERE account_id = ?1
             ORDER BY id LIMIT ?2",
        )?;
        let per_report = clinic_core::chart::OFFLINE_READS_PER_REPORT as i64;
        let rows = statement.query_map((reader.to_string(), per_report), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let (mut out, mut last) = (Vec::new(), 0);
        for row in rows {
            let (id, patient, at) = row?;
            last = id;
            out.push(OfflineRead {
                patient: patient
                    .parse()
                    .map_err(|_| encoding("offline read patient"))?,
                read_at: DateTime::parse_from_rfc3339(&at)
                    .map_err(encoding)?
                    .with_timezone(&Utc),
            });
        }
        Ok((out, last))
    }

    /// The server has `reader`'s offline reads up to number `last`.
    pub fn forget_offline_reads(&self, reader: UserId, last: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM offline_read WHERE account_id = ?1 AND id <= ?2",
            (reader.to_string(), last),
        )?;
        Ok(())
    }
}
