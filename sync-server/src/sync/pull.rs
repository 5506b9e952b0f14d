//! Pages of the change log for a device: what its scope may see after its cursor.

/// A page of the change log as stored: each change's body is the JSON the server wrote when it
/// applied the change, passed on without decoding it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullPage {
    pub changes: Vec<(u64, String)>,
    pub cursor: u64,
    pub more: bool,
    pub restarted: bool,
}

impl PullPage {
    /// The page as a [`clinic_core::sync::PullResponse`] body: each stored body (an object) with
    /// its `seq` put first — the wire shape of a flattened `Change`.
    pub fn to_json(&self) -> String {
        let size: usize = self.changes.iter().map(|(_, b)| b.len() + 24).sum();
        let mut out = String::with_capacity(size + 64);
        out.push_str("{\"changes\":[");
        for (i, (seq, body)) in self.changes.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"seq\":");
            out.push_str(&seq.to_string());
            match body.strip_prefix('{') {
                Some(rest) if rest.trim_start().starts_with('}') => out.push_str(rest),
                Some(rest) => {
                    out.push(',');
                    out.push_str(rest);
                }
                None => out.push('}'),
            }
        }
        out.push_str("],\"cursor\":");
        out.push_str(&self.cursor.to_string());
        out.push_str(",\"more\":");
        out.push_str(if self.more { "true" } else { "false" });
        if self.restarted {
            out.push_str(",\"restarted\":true");
        }
        out.push('}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::encode_body;
    use clinic_core::account::{PatientDemographics, Sex};
    use clinic_core::sync::{ChangeBody, PatientRecord, PullResponse};
    use clinic_core::PatientId;

    #[test]
    fn a_page_passed_through_reads_as_the_wire_type() {
        let record = PatientRecord {
            id: PatientId::from_uuid(uuid::Uuid::from_u128(1)),
            patient_number: "3-0001".into(),
            demographics: PatientDemographics {
                full_name: "রহিমা \"Rahima\" খাতুন".into(),
                sex: Some(Sex::Female),
                date_of_birth: None,
                phone: None,
                email: None,
                address: None,
                emergency_contact: None,
            },
            account: None,
        };
        let page = PullPage {
            changes: vec![
                (7, encode_body(&record).unwrap()),
                (9, encode_body(&record).unwrap()),
            ],
            cursor: 12,
            more: true,
            restarted: false,
        };
        let read: PullResponse = serde_json::from_str(&page.to_json()).unwrap();
        assert_eq!(read.cursor, 12);
        assert!(read.more);
        assert_eq!(read.changes.len(), 2);
        assert_eq!(read.changes[1].seq, 9);
        assert_eq!(read.changes[0].body, ChangeBody::Patient(record));
        let empty = PullPage {
            changes: vec![],
            cursor: 3,
            more: false,
            restarted: true,
        };
        let read: PullResponse = serde_json::from_str(&empty.to_json()).unwrap();
        assert_eq!(
            (read.changes.len(), read.cursor, read.more, read.restarted),
            (0, 3, false, true)
        );
    }
}
