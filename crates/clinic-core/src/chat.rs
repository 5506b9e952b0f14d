//! Messages between a doctor and a patient about one consultation (its appointment). A message is
//! a command like any other: written here with its outbox entry, sent in order when the device is
//! online, applied once by the server (a repeated push gets the first answer), and delivered to
//! the appointment's doctor and patient only — never to the front desk.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{FieldError, FieldProblem};
use crate::appointment::Status;
use crate::upload::{FileKind, UploadRule};
use crate::{AppointmentId, PatientId, Role, UserId};

pub const MESSAGE_MAX_CHARS: usize = 4_000;

/// The most files one appointment's conversation keeps (both sides together).
pub const ATTACHMENTS_PER_APPOINTMENT_MAX: usize = 30;

/// The largest file a message may carry.
pub const ATTACHMENT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// What a message may carry: an image or a PDF (a report, a photo of a rash), checked by its
/// content, at most [`ATTACHMENT_MAX_BYTES`].
pub const ATTACHMENT_RULE: UploadRule = UploadRule {
    kinds: &[FileKind::Pdf, FileKind::Jpeg, FileKind::Png],
    max_bytes: ATTACHMENT_MAX_BYTES,
};

/// A file sent in a conversation, as the server took it: the content is kept once per SHA-256
/// (encrypted), the name is the server's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: uuid::Uuid,
    pub appointment: AppointmentId,
    pub kind: FileKind,
    pub size: u64,
    pub sha256: String,
    pub file_name: String,
    pub uploaded_by: UserId,
    pub uploaded_at: DateTime<Utc>,
}

impl Attachment {
    /// The server's name for it: `message-<day>-<first 8 of the hash>.<ext>`. Only hex digits
    /// of the hash are used, so a name made from a record that came over the network cannot
    /// climb out of a folder.
    pub fn server_file_name(kind: FileKind, sha256: &str, at: DateTime<Utc>) -> String {
        let hash: String = sha256
            .chars()
            .filter(char::is_ascii_hexdigit)
            .take(8)
            .collect();
        format!(
            "message-{}-{hash}.{}",
            at.format("%Y-%m-%d"),
            kind.extension()
        )
    }
}

/// A message as kept on the server and on the devices of its two people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    pub id: uuid::Uuid,
    pub appointment: AppointmentId,
    pub patient: PatientId,
    pub doctor: UserId,
    pub from: UserId,
    pub from_role: Role,
    /// The text; may be empty when the message carries a file.
    pub body: String,
    #[serde(default)]
    pub attachment: Option<Attachment>,
    /// When it was written (on the device, perhaps offline).
    pub sent_at: DateTime<Utc>,
    /// When the server took it; `None` while it waits in this device's outbox.
    #[serde(default)]
    pub received_at: Option<DateTime<Utc>>,
}

/// A message's text as it will be kept (trimmed), or why not.
pub fn check_body(body: &str) -> Result<String, FieldError> {
    check_message(body, false)
}

/// A message's text, which may be empty when it carries a file.
pub fn check_message(body: &str, with_attachment: bool) -> Result<String, FieldError> {
    let body = body.trim();
    if body.is_empty() && !with_attachment {
        return Err(FieldError::new("body", FieldProblem::Required));
    }
    if body.chars().count() > MESSAGE_MAX_CHARS {
        return Err(FieldError::new(
            "body",
            FieldProblem::TooLong {
                max: MESSAGE_MAX_CHARS,
            },
        ));
    }
    if body
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(FieldError::new("body", FieldProblem::InvalidCharacters));
    }
    Ok(body.to_owned())
}

/// Whether an appointment in `status` has an open conversation: from the request until the
/// consultation is over (and after, for the questions that follow it); not when it was
/// cancelled, rejected or moved (the new appointment has its own).
pub fn conversation_open(status: Status) -> bool {
    !matches!(
        status,
        Status::Cancelled | Status::Rejected | Status::Rescheduled
    )
}

/// How many of `messages` `me` has not read: those from the other person after `read_up_to`.
pub fn unread(messages: &[MessageRecord], me: UserId, read_up_to: Option<DateTime<Utc>>) -> usize {
    messages
        .iter()
        .filter(|m| m.from != me)
        .filter(|m| read_up_to.is_none_or(|t| m.sent_at > t))
        .count()
}

/// Judge a message against its appointment (as stored) and the patient's own account: the
/// appointment's doctor or its patient, an open conversation, a body within the rules. The
/// message's id is the command's; its time is when it was written (a patient's: when it
/// arrived), and `now` as when the server took it. `attachment` is the file the command names,
/// as the server holds it.
pub fn judge_message(
    actor: crate::Actor,
    envelope: &crate::sync::CommandEnvelope,
    appointment: Option<&crate::appointment::AppointmentRecord>,
    patient_account: Option<UserId>,
    attachment: Option<Attachment>,
    desk_allowed: bool,
    now: DateTime<Utc>,
) -> Result<MessageRecord, crate::sync::Rejection> {
    use crate::sync::{Command, Rejection, RejectionReason};
    let Command::SendMessage {
        body,
        attachment: attached,
        ..
    } = &envelope.command
    else {
        return Err(Rejection::because(RejectionReason::Malformed));
    };
    let Some(appointment) = appointment else {
        // A patient probing ids hears "not allowed", never "unknown".
        return Err(match actor.role() {
            Some(Role::Patient) | None => Rejection::because(RejectionReason::Forbidden),
            Some(_) => Rejection::because(RejectionReason::UnknownAppointment),
        });
    };
    crate::decide(
        actor,
        crate::Action::Converse {
            doctor: appointment.doctor,
            patient_account,
            desk_allowed,
        },
    )
    .map_err(|_| Rejection::because(RejectionReason::Forbidden))?;
    let (Some(role), Some(from)) = (actor.role(), actor.user()) else {
        return Err(Rejection::because(RejectionReason::Forbidden));
    };
    if !conversation_open(appointment.status) {
        return Err(Rejection::because(RejectionReason::ConversationClosed));
    }
    let body = check_message(body, attached.is_some())
        .map_err(|field| Rejection::new(RejectionReason::Invalid, vec![field]))?;
    // A file goes only with a message from the person who uploaded it to this conversation.
    let attachment = match (attached, attachment) {
        (None, _) => None,
        (Some(id), Some(found))
            if found.id == *id
                && found.appointment == appointment.id
                && found.uploaded_by == from =>
        {
            Some(found)
        }
        (Some(_), _) => {
            return Err(Rejection::new(
                RejectionReason::Invalid,
                vec![FieldError::new("attachment", FieldProblem::NotAChoice)],
            ))
        }
    };
    Ok(MessageRecord {
        id: *envelope.id.as_uuid(),
        appointment: appointment.id,
        patient: appointment.patient,
        doctor: appointment.doctor,
        from,
        from_role: role,
        body,
        attachment,
        sent_at: envelope.made_at_by(actor, now),
        received_at: Some(now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn message(from: u128, minute: u32) -> MessageRecord {
        MessageRecord {
            id: uuid::Uuid::from_u128(u128::from(minute)),
            appointment: uuid::Uuid::from_u128(1).to_string().parse().unwrap(),
            patient: uuid::Uuid::from_u128(2).to_string().parse().unwrap(),
            doctor: UserId::from_uuid(uuid::Uuid::from_u128(3)),
            from: UserId::from_uuid(uuid::Uuid::from_u128(from)),
            from_role: Role::Doctor,
            body: "Hello".into(),
            attachment: None,
            sent_at: Utc.with_ymd_and_hms(2026, 12, 1, 10, minute, 0).unwrap(),
            received_at: None,
        }
    }

    #[test]
    fn bodies_are_trimmed_and_checked() {
        assert_eq!(
            check_body("  Take it after food.\n ").unwrap(),
            "Take it after food."
        );
        assert_eq!(
            check_body("   ").unwrap_err().problem,
            FieldProblem::Required
        );
        assert!(matches!(
            check_body(&"x".repeat(4_001)).unwrap_err().problem,
            FieldProblem::TooLong { .. }
        ));
        assert_eq!(
            check_body("bell\u{7}").unwrap_err().problem,
            FieldProblem::InvalidCharacters
        );
        assert!(check_body("দুই বেলা খাবারের পরে").is_ok());
        assert_eq!(
            check_message("  ", true).unwrap(),
            "",
            "a file alone is a message"
        );
        assert_eq!(
            check_message(" ", false).unwrap_err().problem,
            FieldProblem::Required
        );
    }

    #[test]
    fn unread_counts_the_other_persons_messages_after_the_last_read() {
        let me = UserId::from_uuid(uuid::Uuid::from_u128(3));
        let list = [message(3, 1), message(9, 2), message(9, 3)];
        assert_eq!(unread(&list, me, None), 2);
        let read = Utc.with_ymd_and_hms(2026, 12, 1, 10, 2, 0).unwrap();
        assert_eq!(unread(&list, me, Some(read)), 1);
    }

    #[test]
    fn attachments_are_named_by_the_server() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        assert_eq!(
            Attachment::server_file_name(FileKind::Pdf, "0123456789abcdef", at),
            "message-2026-12-01-01234567.pdf"
        );
        assert_eq!(
            Attachment::server_file_name(FileKind::Png, "../../etc/passwd", at),
            "message-2026-12-01-ecad.png",
            "path tricks in a hash are dropped"
        );
        assert_eq!(
            ATTACHMENT_RULE.check_size(ATTACHMENT_MAX_BYTES + 1),
            Err(crate::upload::UploadProblem::TooLarge {
                size: ATTACHMENT_MAX_BYTES + 1,
                max_bytes: ATTACHMENT_MAX_BYTES
            })
        );
    }

    #[test]
    fn a_cancelled_appointment_has_no_conversation() {
        assert!(conversation_open(Status::Requested));
        assert!(conversation_open(Status::Completed));
        assert!(!conversation_open(Status::Cancelled));
        assert!(!conversation_open(Status::Rescheduled));
    }
}
