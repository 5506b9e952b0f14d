//! What a file is, decided by its content (never its name), and whether it may be uploaded:
//! the allowed kinds and a size limit per purpose. The desk checks before it sends and the
//! server checks again before it stores; both say the same thing the same way.

use serde::{Deserialize, Serialize};

use crate::account::{FieldError, FieldProblem};

/// The kinds of file the clinic accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
        }
    }

    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Jpeg => "jpeg",
            FileKind::Png => "png",
        }
    }

    /// The extension of a server-made file name.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
        }
    }

    /// The kind the content is, if it is one the clinic accepts and it is whole: a PDF must
    /// start with `%PDF-` and end with `%%EOF`, a PNG end with its `IEND` chunk, a JPEG start
    /// with its SOI marker and hold an end-of-image marker.
    pub fn of(bytes: &[u8]) -> Option<FileKind> {
        let tail = &bytes[bytes.len().saturating_sub(1024)..];
        let found = infer::get(bytes)?;
        match found.mime_type() {
            "application/pdf" if contains(tail, b"%%EOF") => Some(FileKind::Pdf),
            "image/png" if bytes.ends_with(&PNG_END) => Some(FileKind::Png),
            "image/jpeg" if contains(tail, &[0xFF, 0xD9]) => Some(FileKind::Jpeg),
            _ => None,
        }
    }
}

/// A PNG's closing `IEND` chunk (empty, with its CRC).
const PNG_END: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What an upload is for, with its kinds and limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadRule {
    pub kinds: &'static [FileKind],
    pub max_bytes: u64,
}

/// Why a file cannot be uploaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadProblem {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes; at most {max_bytes} bytes are accepted")]
    TooLarge { size: u64, max_bytes: u64 },
    /// `found`: what the content really is, when it is a type worth naming.
    #[error("the file's content is not an accepted kind (it is {})", found.as_deref().unwrap_or("unrecognised"))]
    NotAccepted { found: Option<String> },
}

impl UploadProblem {
    /// As a field message on `field` (the form's file input).
    pub fn field_error(&self, field: &str) -> FieldError {
        let problem = match self {
            UploadProblem::Empty => FieldProblem::Required,
            UploadProblem::TooLarge { max_bytes, .. } => FieldProblem::FileTooLarge {
                max_kib: max_bytes / 1024,
            },
            UploadProblem::NotAccepted { found } => FieldProblem::NotAcceptedFile {
                found: found.clone(),
            },
        };
        FieldError::new(field, problem)
    }
}

impl UploadRule {
    /// The size alone, before the content is read (a declared length, or a file's size).
    pub fn check_size(&self, size: u64) -> Result<(), UploadProblem> {
        match size {
            0 => Err(UploadProblem::Empty),
            s if s > self.max_bytes => Err(UploadProblem::TooLarge {
                size: s,
                max_bytes: self.max_bytes,
            }),
            _ => Ok(()),
        }
    }

    /// The whole check: size, then what the content is.
    pub fn check(&self, bytes: &[u8]) -> Result<FileKind, UploadProblem> {
        self.check_size(bytes.len() as u64)?;
        match FileKind::of(bytes) {
            Some(kind) if self.kinds.contains(&kind) => Ok(kind),
            _ => Err(UploadProblem::NotAccepted {
                found: infer::get(bytes).map(|t| t.mime_type().to_owned()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

    fn png() -> Vec<u8> {
        let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        bytes.extend_from_slice(&[0, 0, 0, 13, b'I', b'H', b'D', b'R']);
        bytes.extend_from_slice(&[0; 17]);
        bytes.extend_from_slice(&PNG_END);
        bytes
    }

    const RULE: UploadRule = UploadRule {
        kinds: &[FileKind::Pdf, FileKind::Jpeg, FileKind::Png],
        max_bytes: 1024,
    };

    #[test]
    fn the_content_decides_not_the_name() {
        assert_eq!(RULE.check(PDF), Ok(FileKind::Pdf));
        assert_eq!(RULE.check(&png()), Ok(FileKind::Png));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 0xFF, 0xD9,
        ];
        assert_eq!(RULE.check(&jpeg), Ok(FileKind::Jpeg));
        // A zip archive renamed to .pdf, a script, and text that only starts like a PDF.
        let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00rest of an archive";
        assert_eq!(
            RULE.check(zip),
            Err(UploadProblem::NotAccepted {
                found: Some("application/zip".into())
            })
        );
        assert_eq!(
            RULE.check(b"#!/bin/sh\nrm -rf /\n"),
            Err(UploadProblem::NotAccepted {
                found: Some("text/x-shellscript".into())
            })
        );
        assert!(
            RULE.check(b"%PDF-1.7 but cut off here").is_err(),
            "a PDF must be whole"
        );
        let mut cut = png();
        cut.truncate(20);
        assert!(RULE.check(&cut).is_err(), "a PNG must be whole");
    }

    #[test]
    fn size_before_content() {
        assert_eq!(RULE.check(b""), Err(UploadProblem::Empty));
        assert_eq!(
            RULE.check_size(4096),
            Err(UploadProblem::TooLarge {
                size: 4096,
                max_bytes: 1024
            })
        );
        let photo = UploadRule {
            kinds: &[FileKind::Jpeg, FileKind::Png],
            max_bytes: 1024,
        };
        assert_eq!(
            photo.check(PDF),
            Err(UploadProblem::NotAccepted {
                found: Some("application/pdf".into())
            }),
            "a PDF is not a photo"
        );
        assert_eq!(
            RULE.check(&vec![b'a'; 2048])
                .unwrap_err()
                .field_error("file")
                .problem,
            FieldProblem::FileTooLarge { max_kib: 1 }
        );
    }
}
