//! Files kept by content: each distinct content once, under its SHA-256, **sealed** with the
//! server's blob key (XChaCha20-Poly1305, a random nonce per blob, the hash as associated data)
//! so the database alone — a copy, a backup — does not give the files away. Opening checks the
//! seal and the hash again: a blob altered in the database is refused, never served.
//!
//! The key is 32 random bytes in a file (`blob_key_file`, by default `<data dir>/blob.key`),
//! made with owner-only permissions the first time the server starts. Back it up with the
//! database: without it the files cannot be read.

use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The first byte of a sealed blob: the format, so a later one can be told apart.
const FORMAT: u8 = 1;
const NONCE_BYTES: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum BlobKeyError {
    #[error("The key file {path} cannot be read or made: {reason}")]
    Unusable { path: String, reason: String },
    #[error("The key file {path} is not a key (64 hexadecimal characters expected)")]
    Malformed { path: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    #[error("the stored file is damaged or was sealed with another key")]
    Unsealable,
    #[error("the stored file does not match its hash")]
    HashMismatch,
}

/// The key files are sealed with.
pub struct BlobKey {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlobKey(…)")
    }
}

/// The 256-bit key in `path` (64 hexadecimal characters), made there — owner-only, from the
/// operating system's random source — if the file does not exist yet.
pub(crate) fn key_file(path: &Path) -> Result<[u8; 32], BlobKeyError> {
    let shown = path.display().to_string();
    let unusable = |e: std::io::Error| BlobKeyError::Unusable {
        path: shown.clone(),
        reason: e.to_string(),
    };
    match std::fs::read_to_string(path) {
        Ok(text) => hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(BlobKeyError::Malformed {
                path: shown.clone(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(unusable)?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(unusable)?;
            std::io::Write::write_all(&mut file, hex::encode(bytes).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(unusable)?;
            Ok(bytes)
        }
        Err(e) => Err(unusable(e)),
    }
}

/// A file's SHA-256, as lowercase hex: its name among the blobs.
pub fn sha256_hex(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}

impl BlobKey {
    pub fn from_bytes(bytes: [u8; 32]) -> BlobKey {
        BlobKey {
            cipher: XChaCha20Poly1305::new(&bytes.into()),
        }
    }

    /// The key in `path`, made there (owner-only) if the file does not exist yet.
    pub fn load_or_create(path: &Path) -> Result<BlobKey, BlobKeyError> {
        key_file(path).map(BlobKey::from_bytes)
    }

    /// `content` sealed: format byte, nonce, ciphertext with its tag.
    pub fn seal(&self, sha256: &str, content: &[u8]) -> Vec<u8> {
        self.seal_for(sha256, content)
    }

    /// `content` sealed for `context` (what it must be opened as: a blob's hash, an upload's
    /// chunk), which is bound to it as associated data.
    pub fn seal_for(&self, context: &str, content: &[u8]) -> Vec<u8> {
        let sha256 = context;
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: content,
                    aad: sha256.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE_BYTES + sealed.len());
        out.push(FORMAT);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The content of a blob sealed by [`BlobKey::seal`], checked against its hash.
    /// Whether `stored` is sealed (files stored before sealing start with their own magic
    /// bytes — `%PDF`, JPEG's `FF D8`, PNG's `89 50` — never with the format byte).
    pub fn is_sealed(stored: &[u8]) -> bool {
        stored.len() > NONCE_BYTES && stored[0] == FORMAT
    }

    pub fn open(&self, sha256: &str, sealed: &[u8]) -> Result<Vec<u8>, BlobError> {
        let content = self.open_for(sha256, sealed)?;
        if sha256_hex(&content) != sha256 {
            return Err(BlobError::HashMismatch);
        }
        Ok(content)
    }

    /// What [`BlobKey::seal_for`] sealed for `context`.
    pub fn open_for(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, BlobError> {
        let sha256 = context;
        if sealed.len() < 1 + NONCE_BYTES || sealed[0] != FORMAT {
            return Err(BlobError::Unsealable);
        }
        let nonce: [u8; NONCE_BYTES] = sealed[1..1 + NONCE_BYTES]
            .try_into()
            .map_err(|_| BlobError::Unsealable)?;
        let content = self
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &sealed[1 + NONCE_BYTES..],
                    aad: sha256.as_bytes(),
                },
            )
            .map_err(|_| BlobError::Unsealable)?;
        Ok(content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_content_is_unreadable_without_the_key_and_checked_on_opening() {
        let key = BlobKey::from_bytes([7; 32]);
        let content = b"%PDF-1.7 blood report: haemoglobin 13.2 g/dL %%EOF";
        let hash = sha256_hex(content);
        let sealed = key.seal(&hash, content);
        assert!(
            !sealed.windows(11).any(|w| w == b"haemoglobin"),
            "no plain text in the sealed blob"
        );
        assert_ne!(key.seal(&hash, content), sealed, "a fresh nonce each time");
        assert_eq!(key.open(&hash, &sealed).unwrap(), content);
        // Another key, another hash, one flipped byte: refused.
        let other = BlobKey::from_bytes([8; 32]);
        assert_eq!(other.open(&hash, &sealed), Err(BlobError::Unsealable));
        assert_eq!(
            key.open(&sha256_hex(b"other"), &sealed),
            Err(BlobError::Unsealable)
        );
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(key.open(&hash, &flipped), Err(BlobError::Unsealable));
        assert_eq!(key.open(&hash, b"\x01short"), Err(BlobError::Unsealable));
    }

    #[test]
    fn the_key_file_is_made_once_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/blob.key");
        let made = BlobKey::load_or_create(&path).unwrap();
        let hash = sha256_hex(b"x");
        let sealed = made.seal(&hash, b"x");
        let again = BlobKey::load_or_create(&path).unwrap();
        assert_eq!(again.open(&hash, &sealed).unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key").unwrap();
        assert!(matches!(
            BlobKey::load_or_create(&path),
            Err(BlobKeyError::Malformed { .. })
        ));
    }
}
