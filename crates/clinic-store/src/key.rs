//! Where the store's key lives. Production: the OS keyring. Tests and headless machines: an
//! explicit file or environment variable, chosen by configuration — never a silent fallback.

use std::path::PathBuf;

use rand::RngCore;
use zeroize::{Zeroize, Zeroizing};

/// A random 256-bit SQLCipher key. Compared in constant time; never printed.
#[derive(Clone)]
pub struct DatabaseKey([u8; 32]);

impl DatabaseKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| KeyError::Malformed)?;
        Ok(Self(bytes))
    }

    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0))
    }
}

impl PartialEq for DatabaseKey {
    fn eq(&self, other: &Self) -> bool {
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

impl Drop for DatabaseKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseKey(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "No OS keyring is available to keep the local data key ({detail}). On a machine without \
         one, set CLINIC_DESK_KEY_FILE to a file that will hold the key."
    )]
    NoKeyring { detail: String },
    #[error("The OS keyring refused access to the local data key ({detail}). Unlock the keyring and start again.")]
    KeyringRefused { detail: String },
    #[error("The local data key is not 64 hexadecimal characters. Restore the right key.")]
    Malformed,
    #[error("The environment variable {var} is not set. Set it to the 64-hex-character key of this workstation.")]
    EnvUnset { var: String },
    #[error("The key file {path} could not be used: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{provider} said it saved the new key but did not give it back. Nothing was written; fix the key storage and start again.")]
    NotKept { provider: String },
}

/// Something that keeps the store's key.
pub trait KeyProvider {
    /// The key, or `None` when none has been saved yet.
    fn load(&self) -> Result<Option<DatabaseKey>, KeyError>;
    fn save(&self, key: &DatabaseKey) -> Result<(), KeyError>;
    /// Where the key is kept, for error messages ("the OS keyring (clinic-desk/local-store)").
    fn describe(&self) -> String;
}

/// The key as 64 hex characters in a file made readable by its owner only.
#[derive(Debug, Clone)]
pub struct FileKeyProvider {
    pub path: PathBuf,
}

impl KeyProvider for FileKeyProvider {
    fn load(&self) -> Result<Option<DatabaseKey>, KeyError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => DatabaseKey::from_hex(&Zeroizing::new(text)).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(KeyError::File {
                path: self.path.clone(),
                source,
            }),
        }
    }

    fn save(&self, key: &DatabaseKey) -> Result<(), KeyError> {
        use std::io::Write;
        let err = |source| KeyError::File {
            path: self.path.clone(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&self.path).map_err(err)?;
        file.write_all(key.to_hex().as_bytes()).map_err(err)?;
        file.sync_all().map_err(err)
    }

    fn describe(&self) -> String {
        format!("the key file {}", self.path.display())
    }
}

/// The key given in an environment variable. Read-only: the operator sets it.
#[derive(Debug, Clone)]
pub struct EnvKeyProvider {
    pub var: String,
}

impl KeyProvider for EnvKeyProvider {
    fn load(&self) -> Result<Option<DatabaseKey>, KeyError> {
        match std::env::var(&self.var) {
            Ok(text) => DatabaseKey::from_hex(&Zeroizing::new(text)).map(Some),
            Err(_) => Err(KeyError::EnvUnset {
                var: self.var.clone(),
            }),
        }
    }

    fn save(&self, _key: &DatabaseKey) -> Result<(), KeyError> {
        Err(KeyError::EnvUnset {
            var: self.var.clone(),
        })
    }

    fn describe(&self) -> String {
        format!("the environment variable {}", self.var)
    }
}

/// The key in the OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on
/// Windows) through the `keyring` crate.
#[derive(Debug, Clone)]
pub struct KeyringKeyProvider {
    pub service: String,
    pub account: String,
}

impl KeyringKeyProvider {
    pub fn new(service: &str, account: &str) -> Self {
        Self {
            service: service.to_owned(),
            account: account.to_owned(),
        }
    }

    fn entry(&self) -> Result<keyring::Entry, KeyError> {
        keyring::Entry::new(&self.service, &self.account).map_err(|e| match e {
            // The platform store failed to start; its own error says why (e.g. no D-Bus session).
            keyring::Error::NoDefaultStore => match keyring::Entry::store_status() {
                Err(cause) => KeyError::NoKeyring {
                    detail: cause.to_string(),
                },
                Ok(_) => keyring_error(e),
            },
            other => keyring_error(other),
        })
    }
}

fn keyring_error(e: keyring::Error) -> KeyError {
    match e {
        keyring::Error::NoStorageAccess(inner) => KeyError::KeyringRefused {
            detail: inner.to_string(),
        },
        other => KeyError::NoKeyring {
            detail: other.to_string(),
        },
    }
}

impl KeyProvider for KeyringKeyProvider {
    fn load(&self) -> Result<Option<DatabaseKey>, KeyError> {
        match self.entry()?.get_password() {
            Ok(text) => DatabaseKey::from_hex(&Zeroizing::new(text)).map(Some),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn save(&self, key: &DatabaseKey) -> Result<(), KeyError> {
        self.entry()?
            .set_password(key.to_hex().as_str())
            .map_err(keyring_error)
    }

    fn describe(&self) -> String {
        format!("the OS keyring ({}/{})", self.service, self.account)
    }
}
