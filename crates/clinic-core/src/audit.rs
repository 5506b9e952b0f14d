//! What the audit records: the one list of the kinds of access to health data, shared by the
//! server (which writes them) and the admins' viewer (which filters and words them).

use serde::{Deserialize, Serialize};

/// A kind of read or change of a patient's health data, or a refusal of one. Stored in the
/// hash-chained audit by its name ([`AuditAction::as_str`]), which never changes once shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    ReadChart,
    PrefetchChart,
    OfflineReadChart,
    BreakGlass,
    ExportFhir,
    ReadHistory,
    ReadNote,
    WriteNote,
    AmendNote,
    ReadPrescription,
    ReadPrescriptions,
    WritePrescription,
    IssuePrescription,
    ReadClinicalSummary,
    WriteClinicalSummary,
    ReadDocument,
    ReadDocuments,
    UploadDocument,
    ReadAttachment,
    UploadAttachment,
    ReadConsents,
    RecordConsent,
    JoinCall,
    RefusedReadChart,
    RefusedOfflineRead,
    RefusedOfflineReads,
    RefusedExport,
    RefusedReadHistory,
    RefusedReadNote,
    RefusedWriteNote,
    RefusedReadPrescription,
    RefusedWritePrescription,
    RefusedWriteClinicalSummary,
    RefusedReadDocument,
    RefusedReadDocuments,
    RefusedUpload,
    RefusedReadAttachment,
    RefusedAttach,
    RefusedReadConsents,
    RefusedRecordConsent,
    RefusedJoinCall,
}

impl AuditAction {
    /// Every kind, in the order above.
    pub const ALL: [AuditAction; 41] = [
        AuditAction::ReadChart,
        AuditAction::PrefetchChart,
        AuditAction::OfflineReadChart,
        AuditAction::BreakGlass,
        AuditAction::ExportFhir,
        AuditAction::ReadHistory,
        AuditAction::ReadNote,
        AuditAction::WriteNote,
        AuditAction::AmendNote,
        AuditAction::ReadPrescription,
        AuditAction::ReadPrescriptions,
        AuditAction::WritePrescription,
        AuditAction::IssuePrescription,
        AuditAction::ReadClinicalSummary,
        AuditAction::WriteClinicalSummary,
        AuditAction::ReadDocument,
        AuditAction::ReadDocuments,
        AuditAction::UploadDocument,
        AuditAction::ReadAttachment,
        AuditAction::UploadAttachment,
        AuditAction::ReadConsents,
        AuditAction::RecordConsent,
        AuditAction::JoinCall,
        AuditAction::RefusedReadChart,
        AuditAction::RefusedOfflineRead,
        AuditAction::RefusedOfflineReads,
        AuditAction::RefusedExport,
        AuditAction::RefusedReadHistory,
        AuditAction::RefusedReadNote,
        AuditAction::RefusedWriteNote,
        AuditAction::RefusedReadPrescription,
        AuditAction::RefusedWritePrescription,
        AuditAction::RefusedWriteClinicalSummary,
        AuditAction::RefusedReadDocument,
        AuditAction::RefusedReadDocuments,
        AuditAction::RefusedUpload,
        AuditAction::RefusedReadAttachment,
        AuditAction::RefusedAttach,
        AuditAction::RefusedReadConsents,
        AuditAction::RefusedRecordConsent,
        AuditAction::RefusedJoinCall,
    ];

    /// The name the audit keeps.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditAction::ReadChart => "read_chart",
            AuditAction::PrefetchChart => "prefetch_chart",
            AuditAction::OfflineReadChart => "offline_read_chart",
            AuditAction::BreakGlass => "break_glass",
            AuditAction::ExportFhir => "export_fhir",
            AuditAction::ReadHistory => "read_history",
            AuditAction::ReadNote => "read_note",
            AuditAction::WriteNote => "write_note",
            AuditAction::AmendNote => "amend_note",
            AuditAction::ReadPrescription => "read_prescription",
            AuditAction::ReadPrescriptions => "read_prescriptions",
            AuditAction::WritePrescription => "write_prescription",
            AuditAction::IssuePrescription => "issue_prescription",
            AuditAction::ReadClinicalSummary => "read_clinical_summary",
            AuditAction::WriteClinicalSummary => "write_clinical_summary",
            AuditAction::ReadDocument => "read_document",
            AuditAction::ReadDocuments => "read_documents",
            AuditAction::UploadDocument => "upload_document",
            AuditAction::ReadAttachment => "read_attachment",
            AuditAction::UploadAttachment => "upload_attachment",
            AuditAction::ReadConsents => "read_consents",
            AuditAction::RecordConsent => "record_consent",
            AuditAction::JoinCall => "join_call",
            AuditAction::RefusedReadChart => "refused_read_chart",
            AuditAction::RefusedOfflineRead => "refused_offline_read",
            AuditAction::RefusedOfflineReads => "refused_offline_reads",
            AuditAction::RefusedExport => "refused_export",
            AuditAction::RefusedReadHistory => "refused_read_history",
            AuditAction::RefusedReadNote => "refused_read_note",
            AuditAction::RefusedWriteNote => "refused_write_note",
            AuditAction::RefusedReadPrescription => "refused_read_prescription",
            AuditAction::RefusedWritePrescription => "refused_write_prescription",
            AuditAction::RefusedWriteClinicalSummary => "refused_write_clinical_summary",
            AuditAction::RefusedReadDocument => "refused_read_document",
            AuditAction::RefusedReadDocuments => "refused_read_documents",
            AuditAction::RefusedUpload => "refused_upload",
            AuditAction::RefusedReadAttachment => "refused_read_attachment",
            AuditAction::RefusedAttach => "refused_attach",
            AuditAction::RefusedReadConsents => "refused_read_consents",
            AuditAction::RefusedRecordConsent => "refused_record_consent",
            AuditAction::RefusedJoinCall => "refused_join_call",
        }
    }

    /// The kind a stored name stands for (`None` for one this version does not know).
    pub fn from_name(name: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// A refusal (someone was kept from a record), rather than an access.
    pub fn is_refusal(self) -> bool {
        self.as_str().starts_with("refused_")
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_stored_by_its_serde_name_and_read_back() {
        let mut seen = std::collections::BTreeSet::new();
        for action in AuditAction::ALL {
            let json = serde_json::to_value(action).unwrap();
            assert_eq!(json.as_str(), Some(action.as_str()));
            assert_eq!(AuditAction::from_name(action.as_str()), Some(action));
            assert!(seen.insert(action.as_str()), "{action} twice");
        }
        assert_eq!(AuditAction::from_name("made_up"), None);
        assert!(AuditAction::RefusedReadChart.is_refusal());
        assert!(!AuditAction::BreakGlass.is_refusal());
    }
}
