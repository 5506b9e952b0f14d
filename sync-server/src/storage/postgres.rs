//! A clinic network's shared database: PostgreSQL, for several server instances.

use super::StorageError;

#[derive(Clone)]
pub struct PostgresStorage {
    pub pool: sqlx::PgPool,
    /// The audit key (see [`crate::audit`]), set by `serve` at start.
    pub audit_key: std::sync::Arc<std::sync::OnceLock<crate::audit::AuditKey>>,
}

/// What the shared SQL in `sql/` is compiled against here.
type Backend = PostgresStorage;
type Conn = sqlx::PgConnection;
/// What [`super::Storage::backend`] says.
const NAME: &str = "postgres";
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/server/postgres");

// The same files as `sqlite.rs` includes: the SQL both databases speak, compiled for this one.
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod sql;

impl PostgresStorage {
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(std::time::Duration::from_secs(5))
            .connect(url)
            .await?;
        Ok(Self {
            pool,
            audit_key: Default::default(),
        })
    }
}
