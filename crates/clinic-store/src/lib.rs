//! The desk's local encrypted store.
//!
//! Invariant: the database file is only ever opened with a key (SQLCipher); a wrong or missing key
//! is an error that names the cause and leaves the file untouched — never a fresh, empty or
//! plaintext database in its place.
//! Invariant: the store itself never talks to the OS keyring; [`key`] does, and hands it a key.

pub mod account;
pub mod books;
pub mod chat;

pub use account::{CurrentSession, KnownAccount};
mod database;
pub mod key;
pub mod preference;
mod recording;
pub mod records;
pub mod registry;
mod replica;
pub mod schedule;

pub use database::{Store, StoreError, CONNECTION_PRAGMAS};
pub use key::{
    DatabaseKey, EnvKeyProvider, FileKeyProvider, KeyError, KeyProvider, KeyringKeyProvider,
};
pub use schedule::ServerTrust;
