//! The server's tests, one module per feature, each against a real server in-process on a
//! loopback port — on SQLite and on a fresh PostgreSQL database (`CLINIC_TEST_POSTGRES_URL`,
//! which scripts/test.sh starts). Commands are pushed and answered as the wire's types
//! (`CommandOutcome`, `Rejection`), the helpers in `common`.

mod common;

mod access;
mod api;
mod billing;
mod booking;
mod calls;
mod conversations;
mod directory;
mod doctor_documents;
mod fhir;
mod lifecycle;
mod notes;
mod payments;
mod prescriptions;
mod records;
mod safekeeping;
mod simulation;
mod sync;
