//! A doctor's uploaded files at the desk: credentials the doctor sends for verification (read by
//! them and the admins), and the photo the directory shows. The desk checks a file the way the
//! server will (kind by content, size) before it sends a byte; all of it needs the server.

use base64::Engine;
use clinic_core::desk_error::DeskError;
use clinic_core::doctor::{DoctorDocument, DocumentPurpose};
use clinic_core::ipc::{DoctorArgs, DoctorDocumentArgs, DoctorFiles, IpcError, PrintedDocument};
use clinic_core::{decide, Action};

use super::{actor, Desk};

impl Desk {
    /// Upload a file for the signed-in doctor.
    pub async fn upload_doctor_document(
        &self,
        purpose: DocumentPurpose,
        content: Vec<u8>,
    ) -> Result<DoctorDocument, IpcError> {
        let user = self.working_user()?;
        decide(actor(&user), Action::EditDoctorProfile { doctor: user.id })?;
        purpose.rule().check(&content).map_err(|problem| {
            let mut error = IpcError::validation(vec![problem.field_error("file")]);
            error.message = format!("This file cannot be uploaded: {problem}.");
            error
        })?;
        let doctor = user.id;
        self.authed(
            |c, t| async move { c.upload_doctor_document(&t, doctor, purpose, content).await },
        )
        .await
    }

    /// A doctor's credentials (when this user may read them) and newest photo.
    pub async fn doctor_files(&self, args: &DoctorArgs) -> Result<DoctorFiles, IpcError> {
        let user = self.working_user()?;
        decide(actor(&user), Action::ReadDoctorDirectory)?;
        let doctor = args.doctor;
        let credentials = if decide(actor(&user), Action::ReadDoctorCredentials { doctor }).is_ok()
        {
            self.authed(|c, t| async move {
                c.doctor_documents(&t, doctor, DocumentPurpose::Credential)
                    .await
            })
            .await?
        } else {
            Vec::new()
        };
        let photos = self
            .authed(
                |c, t| async move { c.doctor_documents(&t, doctor, DocumentPurpose::Photo).await },
            )
            .await?;
        let photo = match photos.first() {
            Some(newest) => {
                let id = newest.id;
                let bytes = self
                    .authed(|c, t| async move { c.doctor_document(&t, doctor, id).await })
                    .await?;
                // Shown only if it still is what the server said it was.
                (DocumentPurpose::Photo.rule().check(&bytes) == Ok(newest.kind)).then(|| {
                    format!(
                        "data:{};base64,{}",
                        newest.kind.mime(),
                        base64::engine::general_purpose::STANDARD.encode(&bytes)
                    )
                })
            }
            None => None,
        };
        Ok(DoctorFiles { credentials, photo })
    }

    /// Save one of a doctor's files in this desk's documents folder, under a name made here
    /// from what it is (never a name that came over the network).
    pub async fn open_doctor_document(
        &self,
        args: &DoctorDocumentArgs,
    ) -> Result<PrintedDocument, IpcError> {
        let user = self.working_user()?;
        let (doctor, id) = (args.doctor, args.document);
        let listed = {
            let mut all = Vec::new();
            for purpose in [DocumentPurpose::Credential, DocumentPurpose::Photo] {
                if purpose == DocumentPurpose::Credential
                    && decide(actor(&user), Action::ReadDoctorCredentials { doctor }).is_err()
                {
                    continue;
                }
                all.extend(
                    self.authed(
                        |c, t| async move { c.doctor_documents(&t, doctor, purpose).await },
                    )
                    .await?,
                );
            }
            all
        };
        let document = listed
            .into_iter()
            .find(|d| d.id == id)
            .ok_or_else(|| IpcError::from(DeskError::DoctorFileNotYours))?;
        let bytes = self
            .authed(|c, t| async move { c.doctor_document(&t, doctor, id).await })
            .await?;
        let name = format!(
            "{}-{}.{}",
            document.purpose.as_str(),
            document.id,
            document.kind.extension()
        );
        self.save_document(&name, &bytes)
    }
}
