//! One integration-test binary: the desk apps end to end (the architecture rules are a target
//! of their own, `--test architecture`, that the test command runs first).

mod billing;
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
