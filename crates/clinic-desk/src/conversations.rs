//! Conversations at the desk: an appointment's messages and files, sent through the local store's queue.

use chrono::Utc;
use clinic_core::desk_error::DeskError;
use clinic_core::ipc::IpcError;
use clinic_core::sync::{Command, CommandEnvelope};
use clinic_core::wire::ErrorCode;
use clinic_core::{AppointmentId, CommandId, Role};

use crate::{actor, Desk};
use sha2::Digest;

impl Desk {
    /// An appointment's conversation from this device's copy (offline too), read up to now.
    pub fn conversation(
        &self,
        appointment: AppointmentId,
    ) -> Result<clinic_core::ipc::Conversation, IpcError> {
        let user = self.unlocked_user()?;
        let messages = self.with_store(|s| s.messages(appointment))?;
        // Read up to now: written only when something was unread (the screen asks every second).
        let read_up_to = self.with_store(|s| s.read_up_to(appointment))?;
        if clinic_core::chat::unread(&messages, user.id, read_up_to) > 0 {
            if let Some(last) = messages.iter().map(|m| m.sent_at).max() {
                self.with_store(|s| s.mark_read(appointment, last))?;
            }
        }
        let patient = self
            .with_store(|s| s.appointment(appointment))?
            .map(|a| a.patient);
        Ok(clinic_core::ipc::Conversation {
            appointment,
            messages,
            me: user.id,
            patient,
            as_patient: user.role == clinic_core::Role::Patient,
        })
    }

    /// Write a message (offline too): shown at once, sent in order when the server is reachable.
    pub fn send_message(
        &self,
        args: &clinic_core::ipc::SendMessageArgs,
    ) -> Result<clinic_core::ipc::Conversation, IpcError> {
        let user = self.unlocked_user()?;
        let now = Utc::now();
        let envelope = CommandEnvelope::new(
            CommandId::from_uuid(uuid::Uuid::now_v7()),
            now,
            user.id,
            Command::SendMessage {
                appointment: args.appointment,
                body: args.body.trim().to_owned(),
                attachment: None,
            },
        );
        let appointment = self.with_store(|s| s.appointment(args.appointment))?;
        // A patient's store holds only their own appointments.
        let patient_account = match (user.role, &appointment) {
            (Role::Patient, _) => Some(user.id),
            (_, Some(a)) => self
                .with_store(|s| s.patient(a.patient))?
                .and_then(|p| p.account),
            (_, None) => None,
        };
        clinic_core::chat::judge_message(
            actor(&user),
            &envelope,
            appointment.as_ref(),
            patient_account,
            None,
            self.desk_in_conversations
                .load(std::sync::atomic::Ordering::Relaxed),
            now,
        )?;
        self.locked_store()?
            .record(&envelope)
            .map_err(Self::record_error)?;
        self.sync_wake.notify_one();
        self.conversation(args.appointment)
    }

    /// Send a file (an image or a PDF) in a conversation: checked here as the server will check
    /// it, uploaded at once (files need the server), kept in this device's encrypted store, then
    /// carried by a message like any other.
    pub async fn send_attachment(
        &self,
        appointment: AppointmentId,
        content: Vec<u8>,
    ) -> Result<clinic_core::ipc::Conversation, IpcError> {
        let user = self.unlocked_user()?;
        clinic_core::chat::ATTACHMENT_RULE
            .check(&content)
            .map_err(|problem| {
                let mut error = IpcError::validation(vec![problem.field_error("file")]);
                error.message = format!("This file cannot be sent: {problem}.");
                error
            })?;
        let upload = content.clone();
        let attachment = self
            .authed(|c, t| async move { c.upload_attachment(&t, appointment, upload).await })
            .await
            .map_err(|mut e| {
                if e.code == ErrorCode::ServerUnreachable {
                    e.message = "Files are sent only while the clinic server can be reached: this \
                                 file was not sent. Your written messages still go offline; try \
                                 the file again when the connection is back."
                        .to_owned();
                }
                e
            })?;
        self.with_store(|s| s.keep_attachment(&attachment, Some(&content)))?;
        let envelope = CommandEnvelope::new(
            CommandId::from_uuid(uuid::Uuid::now_v7()),
            Utc::now(),
            user.id,
            Command::SendMessage {
                appointment,
                body: String::new(),
                attachment: Some(attachment.id),
            },
        );
        self.locked_store()?
            .record(&envelope)
            .map_err(Self::record_error)?;
        self.sync_wake.notify_one();
        self.conversation(appointment)
    }

    /// Save a conversation's file in this device's documents folder under the server's name.
    /// Read from the server when it can be reached (the read is audited there), else from the
    /// copy kept in the encrypted store.
    pub async fn open_attachment(
        &self,
        id: uuid::Uuid,
    ) -> Result<clinic_core::ipc::PrintedDocument, IpcError> {
        self.unlocked_user()?;
        let attachment = self
            .with_store(|s| s.attachment(id))?
            .ok_or_else(|| IpcError::from(DeskError::AttachmentNotYours))?;
        let content = match self
            .authed(|c, t| async move { c.attachment(&t, id).await })
            .await
        {
            Ok(bytes) => {
                // Kept only if it is what the server said it was.
                let sha = hex::encode(sha2::Sha256::digest(&bytes));
                if sha != attachment.sha256
                    || clinic_core::upload::FileKind::of(&bytes) != Some(attachment.kind)
                {
                    return Err(IpcError::from(DeskError::FileDamaged));
                }
                self.with_store(|s| s.keep_attachment(&attachment, Some(&bytes)))?;
                bytes
            }
            Err(e) if e.code == ErrorCode::ServerUnreachable => {
                self.with_store(|s| s.attachment_content(id))?.ok_or(e)?
            }
            Err(e) => return Err(e),
        };
        // The name is made here from what the file is (never a name from the network).
        let name = clinic_core::chat::Attachment::server_file_name(
            attachment.kind,
            &attachment.sha256,
            attachment.uploaded_at,
        );
        self.save_document(&name, &content)
    }

    /// Unread messages per appointment, for the signed-in user.
    pub fn unread_messages(&self) -> Result<Vec<(AppointmentId, usize)>, IpcError> {
        let user = self.unlocked_user()?;
        self.with_store(|s| s.unread_counts(user.id))
    }
}
