//! The server's storage: one trait per aggregate, two backends (embedded SQLite, PostgreSQL).
//!
//! [`Storage`] is every aggregate's trait together. The SQL is written once, in `sql/` (both
//! databases accept `$1` parameters, BIGINT times and TEXT ids), and compiled once per backend:
//! `sqlite.rs` and `postgres.rs` each include those files with their own `Backend` and `Conn`.
//! A backend writes its own only where the databases differ (its connection and migrations,
//! under `migrations/server/`).

use std::future::Future;

mod accounts;
mod appointments;
mod audit;
mod books;
mod files;
mod notes;
mod postgres;
mod prescriptions;
mod records;
mod registry;
mod rows;
mod sqlite;
mod sync_log;

pub use accounts::{Accounts, NewAccount, StoredAccount, StoredSession};
pub use appointments::AppointmentBook;
pub use audit::AuditTrail;
pub use books::Books;
pub use files::{Files, UploadRow};
pub use notes::Notes;
pub use postgres::PostgresStorage;
pub use prescriptions::{PrescriptionSaved, Prescriptions};
pub use records::Records;
pub use registry::Registry;
pub(crate) use rows::*;
pub use sqlite::SqliteStorage;
pub use sync_log::SyncLog;

/// The aggregates' traits, for code that calls storage on a concrete backend.
pub mod prelude {
    pub use super::{
        Accounts, AppointmentBook, AuditTrail, Books, Files, Notes, Prescriptions, Records,
        Registry, Storage, SyncLog,
    };
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A rule the database enforces refused what the code had judged right: the transaction is
    /// undone rather than answered wrongly.
    #[error("a database rule refused the write: {0}")]
    Invariant(String),
}

/// Everything the server keeps, on one backend.
pub trait Storage:
    Accounts
    + Registry
    + SyncLog
    + AppointmentBook
    + Notes
    + Prescriptions
    + Records
    + Files
    + AuditTrail
    + Books
    + Send
    + Sync
    + 'static
{
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
    /// Bring the schema up to date, then move data of older schemas into the current one.
    fn migrate(&self) -> impl Future<Output = Result<(), StorageError>> + Send;
    fn ping(&self) -> impl Future<Output = Result<(), StorageError>> + Send;
}
