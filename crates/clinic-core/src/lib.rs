//! The clinic's domain, pure.
//!
//! Invariant: nothing here does IO or reads the clock. Time arrives as an argument;
//! chrono is compiled without its `clock` feature so `Utc::now()` does not exist here.
//! This crate builds for native targets and for `wasm32-unknown-unknown`.

pub mod account;
pub mod appointment;
pub mod audit;
pub mod availability;
pub mod billing;
pub mod booking;
pub mod care;
pub mod chart;
pub mod chat;
pub mod consent;
pub mod consultation;
pub mod demo;
pub mod desk_error;
pub mod doctor;
pub mod fhir;
pub mod ids;
pub mod ipc;
pub mod meeting;
pub mod money;
pub mod policy;
pub mod prescription;
pub mod registry;
pub mod role;
pub mod sync;
pub mod upload;
pub mod wire;
pub mod working_hours;

pub use ids::{AppointmentId, CommandId, PatientId, UserId};
pub use policy::{decide, registry_scope, Action, Actor, Denied, RegistryScope};
pub use role::Role;
