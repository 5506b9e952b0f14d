//! Files: resumable uploads, conversation attachments, doctors' documents (sealed blobs).

use std::future::Future;

use clinic_core::doctor::{DoctorDocument, DocumentPurpose};
use clinic_core::UserId;

use super::StorageError;

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    pub id: uuid::Uuid,
    pub patient: clinic_core::PatientId,
    pub uploaded_by: UserId,
    pub start: clinic_core::chart::UploadStart,
    pub received: u64,
    pub created_at_ms: i64,
    /// The document it became, once whole.
    pub document: Option<uuid::Uuid>,
}

pub trait Files: Send + Sync + 'static {
    fn start_upload(
        &self,
        upload: &UploadRow,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    fn upload(
        &self,
        id: uuid::Uuid,
    ) -> impl Future<Output = Result<Option<UploadRow>, StorageError>> + Send;

    /// Keep a chunk received at `offset` — only if the upload has exactly `offset` bytes so far
    /// (`false` otherwise: a chunk repeated or out of order).
    fn append_chunk(
        &self,
        id: uuid::Uuid,
        offset: u64,
        len: u64,
        sealed: &[u8],
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// An upload's sealed chunks in order, with their offsets.
    fn upload_chunks(
        &self,
        id: uuid::Uuid,
    ) -> impl Future<Output = Result<Vec<(i64, Vec<u8>)>, StorageError>> + Send;

    /// The whole file arrived and was checked: keep the blob and the document, drop the upload.
    fn finish_upload(
        &self,
        id: uuid::Uuid,
        document: &clinic_core::chart::PatientDocument,
        sealed: &[u8],
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    fn discard_upload(
        &self,
        id: uuid::Uuid,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Drop unfinished uploads begun before `before_ms` (their pieces with them).
    fn expire_uploads(
        &self,
        before_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// How many unfinished uploads `account` has.
    fn open_uploads(
        &self,
        account: UserId,
    ) -> impl Future<Output = Result<i64, StorageError>> + Send;

    /// Keep a conversation's file: its blob (sealed; once per content) and its record.
    /// How many files an appointment's conversation keeps.
    fn attachment_count(
        &self,
        appointment: clinic_core::AppointmentId,
    ) -> impl Future<Output = Result<usize, StorageError>> + Send;

    fn save_attachment(
        &self,
        attachment: &clinic_core::chat::Attachment,
        patient: clinic_core::PatientId,
        sealed: &[u8],
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// A conversation's file with its patient and its sealed blob.
    fn attachment(
        &self,
        id: uuid::Uuid,
    ) -> impl Future<
        Output = Result<
            Option<(
                clinic_core::chat::Attachment,
                clinic_core::PatientId,
                Vec<u8>,
            )>,
            StorageError,
        >,
    > + Send;

    /// Keep a file a doctor uploaded (already checked).
    fn save_doctor_document(
        &self,
        document: &DoctorDocument,
        content: &[u8],
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// A doctor's files for one purpose, newest first (without their content).
    fn doctor_documents(
        &self,
        doctor: UserId,
        purpose: DocumentPurpose,
    ) -> impl Future<Output = Result<Vec<DoctorDocument>, StorageError>> + Send;

    /// One of a doctor's files with its content; `None` when that doctor has no such file.
    fn doctor_document(
        &self,
        doctor: UserId,
        id: uuid::Uuid,
    ) -> impl Future<Output = Result<Option<(DoctorDocument, Vec<u8>)>, StorageError>> + Send;
}
