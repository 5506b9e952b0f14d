//! The sync protocol's commands, version 1. Every local change is a command in the clinic's words
//! with an id the device makes (UUIDv7); the server applies each id at most once.
//! These are wire types: add a variant or a version, never change one that has shipped.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::PatientDemographics;
use crate::ids::{CommandId, PatientId};
use crate::UserId;

pub const SYNC_PROTOCOL_VERSION: u16 = 1;

/// One change, as the desk recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Command {
    /// A new patient in the registry.
    RegisterPatient {
        patient: PatientId,
        /// The number the clinic reads aloud; unique in the clinic.
        patient_number: String,
        demographics: PatientDemographics,
    },
    /// New demographics for a registered patient (last writer wins, in server order).
    UpdatePatient {
        patient: PatientId,
        demographics: PatientDemographics,
    },
}

/// A command with who made it, when and where it can be told apart from every other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandEnvelope {
    pub version: u16,
    pub id: CommandId,
    pub issued_at: DateTime<Utc>,
    pub issued_by: UserId,
    pub command: Command,
}

impl CommandEnvelope {
    pub fn new(
        id: CommandId,
        issued_at: DateTime<Utc>,
        issued_by: UserId,
        command: Command,
    ) -> Self {
        Self {
            version: SYNC_PROTOCOL_VERSION,
            id,
            issued_at,
            issued_by,
            command,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_have_a_stable_tagged_shape() {
        let envelope = CommandEnvelope::new(
            CommandId::from_uuid(uuid::Uuid::from_u128(1)),
            "2026-11-23T09:30:00Z".parse().unwrap(),
            UserId::from_uuid(uuid::Uuid::from_u128(2)),
            Command::UpdatePatient {
                patient: PatientId::from_uuid(uuid::Uuid::from_u128(3)),
                demographics: PatientDemographics {
                    full_name: "রহিমা খাতুন".into(),
                    sex: None,
                    date_of_birth: None,
                    phone: None,
                    address: None,
                    emergency_contact: None,
                },
            },
        );
        let json = serde_json::to_value(&envelope).unwrap();
        assert_eq!(json["version"], 1);
        assert_eq!(json["command"]["kind"], "update_patient");
        assert_eq!(json["command"]["demographics"]["full_name"], "রহিমা খাতুন");
        assert_eq!(
            serde_json::from_value::<CommandEnvelope>(json).unwrap(),
            envelope
        );
    }
}
