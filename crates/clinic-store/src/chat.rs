//! Conversations on this device: a message written here is shown at once and waits in the outbox
//! like any change; the server's copy replaces it when it arrives; read markers are this
//! device's own.

use chrono::{DateTime, Utc};
use clinic_core::chat::{check_message, Attachment, MessageRecord};
use clinic_core::sync::{Command, CommandEnvelope};
use clinic_core::{AppointmentId, Role, UserId};
use rusqlite::{OptionalExtension, Transaction};

use crate::recording::RecordError;
use crate::{Store, StoreError};

fn encode(record: &MessageRecord) -> Result<String, StoreError> {
    serde_json::to_string(record).map_err(|e| StoreError::Encoding(e.to_string()))
}

/// Show a message written here (not yet taken by the server).
pub(crate) fn record_message(
    tx: &Transaction<'_>,
    envelope: &CommandEnvelope,
) -> Result<(), RecordError> {
    let Command::SendMessage {
        appointment,
        body,
        attachment,
    } = &envelope.command
    else {
        return Err(RecordError::UnknownAppointment);
    };
    let body =
        check_message(body, attachment.is_some()).map_err(|f| RecordError::Invalid(f.english()))?;
    // A file goes with a message once the server has it (uploaded before, kept here).
    let attachment = match attachment {
        Some(id) => {
            let text: Option<String> = tx
                .prepare_cached("SELECT record FROM attachment WHERE id = ?1")?
                .query_row([id.to_string()], |r| r.get(0))
                .optional()?;
            let text = text.ok_or_else(|| {
                RecordError::Invalid("the attached file was not uploaded from here".to_owned())
            })?;
            Some(serde_json::from_str(&text).map_err(|e| StoreError::Encoding(e.to_string()))?)
        }
        None => None,
    };
    let text: Option<String> = tx
        .prepare_cached("SELECT record FROM appointment WHERE id = ?1")?
        .query_row([appointment.to_string()], |r| r.get(0))
        .optional()?;
    let Some(text) = text else {
        return Err(RecordError::UnknownAppointment);
    };
    let shown: clinic_core::appointment::AppointmentRecord =
        serde_json::from_str(&text).map_err(|e| StoreError::Encoding(e.to_string()))?;
    let record = MessageRecord {
        id: *envelope.id.as_uuid(),
        appointment: *appointment,
        patient: shown.patient,
        doctor: shown.doctor,
        from: envelope.issued_by,
        from_role: if envelope.issued_by == shown.doctor {
            Role::Doctor
        } else {
            Role::Patient
        },
        body,
        attachment,
        sent_at: envelope.issued_at,
        received_at: None,
    };
    tx.prepare_cached(
        "INSERT INTO message (id, appointment_id, sent_at, record, confirmed)
         VALUES (?1, ?2, ?3, ?4, 0) ON CONFLICT (id) DO NOTHING",
    )?
    .execute((
        record.id.to_string(),
        record.appointment.to_string(),
        record.sent_at.to_rfc3339(),
        encode(&record)?,
    ))?;
    Ok(())
}

/// Keep a message as the server sent it.
pub(crate) fn confirm_message(
    tx: &Transaction<'_>,
    record: &MessageRecord,
) -> Result<(), StoreError> {
    if let Some(file) = &record.attachment {
        // Its description now; its content when someone here opens it.
        tx.prepare_cached(
            "INSERT INTO attachment (id, record) VALUES (?1, ?2)
             ON CONFLICT (id) DO UPDATE SET record = excluded.record",
        )?
        .execute((
            file.id.to_string(),
            serde_json::to_string(file).map_err(|e| StoreError::Encoding(e.to_string()))?,
        ))?;
    }
    tx.prepare_cached(
        "INSERT INTO message (id, appointment_id, sent_at, record, confirmed)
         VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT (id) DO UPDATE SET record = excluded.record, sent_at = excluded.sent_at,
           confirmed = 1",
    )?
    .execute((
        record.id.to_string(),
        record.appointment.to_string(),
        record.sent_at.to_rfc3339(),
        encode(record)?,
    ))?;
    Ok(())
}

impl Store {
    /// Keep a conversation's file as the server described it, with its content when this device
    /// has it (kept content is never dropped by a later call without it).
    pub fn keep_attachment(
        &self,
        attachment: &Attachment,
        content: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let record =
            serde_json::to_string(attachment).map_err(|e| StoreError::Encoding(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO attachment (id, record, content) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET record = excluded.record,
               content = coalesce(excluded.content, attachment.content)",
            (attachment.id.to_string(), record, content),
        )?;
        Ok(())
    }

    /// A conversation's file as the server described it, if one of this device's messages
    /// carries it.
    pub fn attachment(&self, id: uuid::Uuid) -> Result<Option<Attachment>, StoreError> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT record FROM attachment WHERE id = ?1")?
            .query_row([id.to_string()], |r| r.get(0))
            .optional()?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Encoding(e.to_string())))
            .transpose()
    }

    /// A file's content, if this device has it.
    pub fn attachment_content(&self, id: uuid::Uuid) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT content FROM attachment WHERE id = ?1")?
            .query_row([id.to_string()], |r| r.get::<_, Option<Vec<u8>>>(0))
            .optional()?
            .flatten())
    }

    /// An appointment's messages, oldest first (those still waiting to be sent included).
    pub fn messages(&self, appointment: AppointmentId) -> Result<Vec<MessageRecord>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT record FROM message WHERE appointment_id = ?1 ORDER BY sent_at, id",
        )?;
        let rows = statement.query_map([appointment.to_string()], |r| r.get::<_, String>(0))?;
        rows.map(|text| {
            serde_json::from_str(&text?).map_err(|e| StoreError::Encoding(e.to_string()))
        })
        .collect()
    }

    /// How far the conversation has been read on this device.
    pub fn read_up_to(
        &self,
        appointment: AppointmentId,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT read_up_to FROM message_read WHERE appointment_id = ?1")?
            .query_row([appointment.to_string()], |r| r.get(0))
            .optional()?;
        text.map(|t| {
            DateTime::parse_from_rfc3339(&t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| StoreError::Encoding(e.to_string()))
        })
        .transpose()
    }

    /// The conversation is read on this device up to `up_to`.
    pub fn mark_read(
        &self,
        appointment: AppointmentId,
        up_to: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO message_read (appointment_id, read_up_to) VALUES (?1, ?2)
             ON CONFLICT (appointment_id) DO UPDATE SET read_up_to =
               max(message_read.read_up_to, excluded.read_up_to)",
            (appointment.to_string(), up_to.to_rfc3339()),
        )?;
        Ok(())
    }

    /// Messages `me` has not read, per appointment (those with none left out).
    pub fn unread_counts(&self, me: UserId) -> Result<Vec<(AppointmentId, usize)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT m.appointment_id, m.record, r.read_up_to FROM message m
             LEFT JOIN message_read r ON r.appointment_id = m.appointment_id
             ORDER BY m.appointment_id",
        )?;
        let rows = statement.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        let mut out: Vec<(AppointmentId, usize)> = Vec::new();
        for row in rows {
            let (appointment, text, read) = row?;
            let message: MessageRecord =
                serde_json::from_str(&text).map_err(|e| StoreError::Encoding(e.to_string()))?;
            let read: Option<DateTime<Utc>> = read
                .map(|t| {
                    DateTime::parse_from_rfc3339(&t)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|e| StoreError::Encoding(e.to_string()))
                })
                .transpose()?;
            if clinic_core::chat::unread(std::slice::from_ref(&message), me, read) == 0 {
                continue;
            }
            let id: AppointmentId = appointment
                .parse()
                .map_err(|_| StoreError::Encoding(format!("appointment id {appointment:?}")))?;
            match out.last_mut() {
                Some((last, n)) if *last == id => *n += 1,
                _ => out.push((id, 1)),
            }
        }
        Ok(out)
    }
}
