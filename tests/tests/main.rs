//! One integration-test binary: the architecture rules, and the desk apps end to end.

mod architecture;
mod call;
mod chat;
mod consultation;
mod desk;
mod patient;
mod prescription;
mod records;
mod registry;
mod schedule;
mod server_cli;
