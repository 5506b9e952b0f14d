//! The embedded default: one SQLite file in the data folder.

use super::StorageError;

#[derive(Clone)]
pub struct SqliteStorage {
    pub pool: sqlx::SqlitePool,
    /// The audit key (see [`crate::audit`]), set by `serve` at start.
    pub audit_key: std::sync::Arc<std::sync::OnceLock<crate::audit::AuditKey>>,
}

/// What the shared SQL in `sql/` is compiled against here.
type Backend = SqliteStorage;
type Conn = sqlx::SqliteConnection;
/// What [`super::Storage::backend`] says.
const NAME: &str = "sqlite";
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/server/sqlite");

// The same files as `postgres.rs` includes: the SQL both databases speak, compiled for this one.
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod sql;

impl SqliteStorage {
    pub async fn connect(path: &std::path::Path) -> Result<Self, StorageError> {
        use sqlx::sqlite::{
            SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
        };
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Self {
            pool,
            audit_key: Default::default(),
        })
    }
}
