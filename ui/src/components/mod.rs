pub mod chart;
pub mod chat;
pub mod consent;
mod field;
pub mod file_pick;
pub mod join_call;
mod status_bar;

pub use field::{ErrorBanner, TextField};
pub use status_bar::StatusBar;
