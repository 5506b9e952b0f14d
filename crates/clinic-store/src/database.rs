use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::key::{DatabaseKey, KeyError, KeyProvider};

/// The migrations of `migrations/local`, in order. Never edit one that has shipped: add a new one.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_accounts_and_preferences",
        include_str!("../../../migrations/local/0001_accounts_and_preferences.sql"),
    ),
    (
        "0002_offline_sign_in",
        include_str!("../../../migrations/local/0002_offline_sign_in.sql"),
    ),
    (
        "0003_registry_and_outbox",
        include_str!("../../../migrations/local/0003_registry_and_outbox.sql"),
    ),
    (
        "0004_sync_state",
        include_str!("../../../migrations/local/0004_sync_state.sql"),
    ),
    (
        "0005_doctors_and_appointments",
        include_str!("../../../migrations/local/0005_doctors_and_appointments.sql"),
    ),
    (
        "0006_moves",
        include_str!("../../../migrations/local/0006_moves.sql"),
    ),
    (
        "0007_messages",
        include_str!("../../../migrations/local/0007_messages.sql"),
    ),
    (
        "0008_attachments",
        include_str!("../../../migrations/local/0008_attachments.sql"),
    ),
    (
        "0009_records",
        include_str!("../../../migrations/local/0009_records.sql"),
    ),
    (
        "0010_video_server",
        include_str!("../../../migrations/local/0010_video_server.sql"),
    ),
    (
        "0011_books",
        include_str!("../../../migrations/local/0011_books.sql"),
    ),
];

/// Set on every connection once the key is verified. The page cache matters more under SQLCipher
/// than plain SQLite: a page read from the cache is not decrypted and authenticated again
/// (BENCHMARKS.md has the measurements).
pub const CONNECTION_PRAGMAS: &str = "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 5000; PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY;";

const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Held while a connection is keyed (see [`Store::open`]).
static KEYING: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "The local data file {path} cannot be opened with this workstation's key: the key is wrong \
         or the file is damaged. Nothing was changed. Restore the key that belongs to this file, or \
         the file from a backup."
    )]
    WrongKey { path: PathBuf },
    #[error(
        "The local data file {path} exists but its key is missing from {provider}. Nothing was \
         changed. Restore the key (or move the file away to start this workstation afresh)."
    )]
    KeyMissing { path: PathBuf, provider: String },
    #[error(
        "The local data file {path} is not encrypted. Clinic Desk never keeps patient data in \
         plain files: move it away and start again."
    )]
    NotEncrypted { path: PathBuf },
    #[error(
        "The local data file {path} was written by a newer Clinic Desk (schema {found}, this one \
         knows {known}). Update the app; nothing was changed."
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("Could not open the local data file {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("A record in the local data could not be read or written: {0}")]
    Encoding(String),
    #[error("The local data store failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// One open, unlocked, migrated local store.
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Open the store at `path`, taking its key from `keys`. A new store gets a new random key,
    /// saved to `keys` and read back before anything is written with it.
    pub fn open_with(path: &Path, keys: &dyn KeyProvider) -> Result<Store, StoreError> {
        // Two instances starting together on a fresh machine must not both make a key: the second
        // would overwrite the first's in the keyring and strand the file. One at a time.
        let lock_path = PathBuf::from(format!("{}.lock", path.display()));
        let lock_err = |source| StoreError::Open {
            path: lock_path.clone(),
            source,
        };
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(lock_err)?;
        lock.lock().map_err(lock_err)?;
        let exists = path.try_exists().map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
        let key = if exists {
            keys.load()?.ok_or_else(|| StoreError::KeyMissing {
                path: path.to_owned(),
                provider: keys.describe(),
            })?
        } else {
            match keys.load()? {
                Some(key) => key,
                None => {
                    let key = DatabaseKey::generate();
                    keys.save(&key)?;
                    match keys.load()? {
                        Some(back) if back == key => key,
                        _ => {
                            return Err(KeyError::NotKept {
                                provider: keys.describe(),
                            }
                            .into())
                        }
                    }
                }
            }
        };
        // The lock is released when this returns, after the file exists with its key.
        Store::open(path, &key)
    }

    /// Open (or create) the store at `path` with `key`.
    pub fn open(path: &Path, key: &DatabaseKey) -> Result<Store, StoreError> {
        if file_is_plaintext_sqlite(path)? {
            return Err(StoreError::NotEncrypted {
                path: path.to_owned(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        // Until the key is known to be right, closing must not checkpoint a WAL left by a crash
        // into the main file: a refused open leaves every byte as it was.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        // SQLCipher sets up its crypto provider when a connection is first keyed, and two threads
        // keying at once can see it half set up ("PRAGMA key requires a key…", seen in the test
        // suite): keying and the first read are done one connection at a time in this process.
        let check = {
            let _keying = KEYING
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
            conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))?;
            // SQLCipher accepts any key at open; the first read tells whether it was right.
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
        };
        match check {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => {
                return Err(StoreError::WrongKey {
                    path: path.to_owned(),
                });
            }
            Err(e) => return Err(e.into()),
        }
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        conn.execute_batch(CONNECTION_PRAGMAS)?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
        };
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version this file is at.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let current = self.schema_version()?;
        let known = MIGRATIONS.len() as i64;
        if current > known {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: current,
                known,
            });
        }
        for (index, (_name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
            tx.commit()?;
        }
        Ok(())
    }
}

fn file_is_plaintext_sqlite(path: &Path) -> Result<bool, StoreError> {
    let mut header = [0u8; 16];
    match std::fs::File::open(path) {
        Ok(mut file) => match file.read_exact(&mut header) {
            Ok(()) => Ok(&header == PLAINTEXT_HEADER),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
            Err(source) => Err(StoreError::Open {
                path: path.to_owned(),
                source,
            }),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(StoreError::Open {
            path: path.to_owned(),
            source,
        }),
    }
}

impl Store {
    /// (journal_mode, synchronous) as the connection reports them: "wal" and 2 (FULL).
    pub fn journal_settings(&self) -> (String, i64) {
        let mode = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap_or_default();
        let sync = self
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap_or(-1);
        (mode, sync)
    }
}
