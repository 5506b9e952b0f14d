//! The SQL of every aggregate, written once and compiled once per backend (included by
//! `sqlite.rs` and by `postgres.rs`, whose `Backend` and `Conn` it is written against).

use clinic_core::account::{PatientDemographics, Sex};
use clinic_core::doctor::{DoctorDocument, DoctorRecord, DocumentPurpose};
use clinic_core::wire::WorkingHours;

use super::{Backend, Conn, MIGRATOR, NAME};
use crate::storage::*;

use audit::append_audit;
use push::{rows_in, PushGroup};
use registry::{append_change, write_doctor};

mod accounts;
mod appointments;
mod audit;
mod books;
mod files;
mod notes;
mod prescriptions;
mod push;
mod push_appointments;
mod push_billing;
mod records;
mod registry;
mod sync_log;

impl Storage for Backend {
    fn backend(&self) -> &'static str {
        NAME
    }

    async fn migrate(&self) -> Result<(), StorageError> {
        MIGRATOR.run(&self.pool).await?;
        self.backfill_change_log().await?;
        self.backfill_doctors().await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
